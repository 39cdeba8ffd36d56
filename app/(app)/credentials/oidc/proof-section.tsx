import { toUserFacing } from "@/lib/errors";
import type { ReadContext } from "@/lib/read/context";
import { readOtherKeyUsers, readRoleProof } from "@/lib/read/oidc-proof";
import { getConfig } from "@/lib/infra/config/env";
import { discoveriesOf, servedRepositories } from "@/lib/infra/config/served-repositories";
import { StatusBadge } from "@/components/setup/status-badge";
import { retireOffers } from "@/lib/judgements/oidc/retire-offers";
import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { deactivateRetiredKeyAction, deleteRetiredKeyAction, deleteRetiredSecretsAction, reactivateRetiredKeyAction } from "./actions";

const VERDICT_BADGE: Record<string, string> = {
  "waiting-for-merge": "pending",
  "no-role-use-yet": "pending",
  "no-role-push-yet": "running",
  "key-still-used": "wrong",
  "grace-running": "running",
  "ready-to-retire": "done",
};

/** After the move's pull request: is the role proven, is the key still used (where from), and the retire steps. */
export async function ProofSection({ ctx, operator }: { ctx: ReadContext; operator: boolean }) {
  let view;
  let others;
  try {
    // Other repositories of the push user that still need the key (the key is deactivated only once none does).
    [view, others] = await Promise.all([readRoleProof(ctx), readOtherKeyUsers(ctx, servedRepositories(getConfig(), ctx.db), discoveriesOf(getConfig(), ctx.db))]);
  } catch (err) {
    const { message } = toUserFacing(err, "OIDC proof");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not read the proof: {message}
      </p>
    );
  }
  if (!view) return null;
  const { proof } = view;
  const offers = retireOffers({ verdict: proof.verdict, proofMessage: proof.message, keys: view.keys, secretsPresent: view.secretsPresent, stillNeeded: [...others.users, ...others.unknown], heldElsewhere: [...others.holders, ...others.unknown] });
  const repo = ctx.github.repository;
  const { retired } = offers;
  return (
    <section aria-labelledby="oidc-proof" className="mb-8 rounded-lg border border-slate-200 p-4" data-testid="oidc-proof" data-verdict={proof.verdict}>
      <h2 id="oidc-proof" className="mb-2 text-lg font-semibold">
        Prove, then retire the key <StatusBadge status={VERDICT_BADGE[proof.verdict] ?? "unknown"} />
      </h2>
      {view.pullRequest ? (
        <p className="text-sm">
          Pull request <a href={view.pullRequest.url} className="font-medium underline">#{view.pullRequest.number}</a>:{" "}
          {view.pullRequest.merged ? `merged ${view.pullRequest.mergedAt}` : view.pullRequest.state}.
        </p>
      ) : null}
      <p className="mt-1 text-sm" data-testid="oidc-proof-message">
        {offers.message}
      </p>
      <ul className="mt-2 list-disc pl-5 text-sm">
        <li>Role assumed: {proof.assumed ? `${proof.assumed.time} by ${proof.assumed.subject} from ${proof.assumed.sourceIp ?? "?"}` : "not yet"}.</li>
        <li>Image pushed with the role&apos;s session: {proof.pushed ? `${proof.pushed.time}, ${proof.pushed.repositoryName ?? "?"} (${proof.pushed.accessKeyId})` : "not yet"}.</li>
        {proof.refused.length ? <li className="text-red-700">Refused assumptions since the merge: {proof.refused.map((r) => `${r.time} ${r.errorCode} (subject ${r.subject ?? "?"})`).join("; ")}.</li> : null}
        <li>
          Grace period: {view.graceDays} days{proof.graceEndsAt ? `, ends ${proof.graceEndsAt}` : ""}.
        </li>
      </ul>
      <h3 className="mt-3 text-sm font-semibold">Uses of the key since the merge ({proof.keyUses.length})</h3>
      {proof.keyUses.length ? (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Uses of the key since the merge">
          <table className="mt-1 text-left text-xs" data-testid="oidc-key-uses">
            <thead>
              <tr>
                <th className="pr-3">Time</th>
                <th className="pr-3">Call</th>
                <th className="pr-3">Key</th>
                <th className="pr-3">Source IP</th>
                <th className="pr-3">User agent</th>
                <th>Region</th>
              </tr>
            </thead>
            <tbody>
              {proof.keyUses.slice(0, 100).map((e, i) => (
                <tr key={e.eventId ?? i}>
                  <td className="pr-3">{String(e.time)}</td>
                  <td className="pr-3">
                    {e.eventName}
                    {e.errorCode ? ` (${e.errorCode})` : ""}
                  </td>
                  <td className="pr-3">{e.accessKeyId}</td>
                  <td className="pr-3">{e.sourceIp}</td>
                  <td className="pr-3">{e.userAgent}</td>
                  <td>{e.region}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="text-sm text-slate-600">None.</p>
      )}
      <h3 className="mt-3 text-sm font-semibold">Retire the key</h3>
      {retired ? (
        <p className="text-sm text-emerald-800" data-testid="oidc-retired">
          Retired: the push user has no access key and the repository no key secrets. The workflow pushes with the role alone.
        </p>
      ) : (
        <ul className="list-disc pl-5 text-sm" data-testid="oidc-retire-state">
          {view.keys.length ? (
            view.keys.map((k) => (
              <li key={k.accessKeyId} data-testid="oidc-retire-key" data-key={k.accessKeyId} data-status={k.status}>
                Key {k.accessKeyId}: {k.status === "Active" ? "active" : "inactive — nothing can sign with it; reactivate to undo until it is deleted"}.
              </li>
            ))
          ) : (
            <li data-testid="oidc-retire-key" data-status="deleted">
              The push user has no access key any more.
            </li>
          )}
          <li data-testid="oidc-retire-secrets" data-present={view.secretsPresent ? "true" : "false"}>
            Secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: {view.secretsPresent ? "still in the repository" : "deleted from the repository"}.
          </li>
        </ul>
      )}
      {operator ? (
        <div className="mt-4 space-y-3">
          {offers.deactivate.length ? (
            <ConfirmActionButton
              action={deactivateRetiredKeyAction}
              label="Deactivate the key"
              confirmLabel="Confirm: deactivate"
              confirmValue="deactivate"
              fields={{ repo }}
              consequence={<>Deactivates {offers.deactivate.join(", ")}. Anything still using it stops working; reactivating undoes it.</>}
            />
          ) : null}
          {offers.deleteSecrets ? (
            <ConfirmActionButton
              action={deleteRetiredSecretsAction}
              label="Delete the two secrets"
              confirmLabel="Confirm: delete the secrets"
              confirmValue="delete-secrets"
              fields={{ repo }}
              consequence={<>Deletes AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the repository. To undo: reactivate the key and rotate it, which writes a new key into them.</>}
            />
          ) : null}
          {offers.reactivate.map((accessKeyId) => (
            <div key={accessKeyId} className="flex flex-wrap gap-3">
              <ConfirmActionButton
                action={reactivateRetiredKeyAction}
                label={`Reactivate ${accessKeyId}`}
                confirmLabel="Confirm: reactivate"
                fields={{ accessKeyId, repo }}
                tone="primary"
                consequence={<>The key works again. If the secrets were deleted, rotate it to write them again.</>}
              />
              {offers.deleteKey.includes(accessKeyId) ? (
                <ConfirmActionButton
                  action={deleteRetiredKeyAction}
                  label={`Delete the key ${accessKeyId}`}
                  confirmLabel="Confirm: delete for good"
                  confirmValue="delete-key"
                  fields={{ accessKeyId, repo }}
                  consequence={<>Deletes the key. This cannot be undone.</>}
                />
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
    </section>
  );
}
