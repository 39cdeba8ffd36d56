import Link from "next/link";
import type { SessionUser } from "@/lib/infra/auth/session";
import type { ReadContext } from "@/lib/read/context";
import { readRotationPlan } from "@/lib/read/rotation";
import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { deleteInactiveKeyAction, startRotationAction } from "./actions";
import type { ConfiguredRepository } from "@/lib/infra/config/env";
import type { PlannedHolder } from "@/lib/operations/rotation/holders";

/** The holders the rotation would write, one row per repository and scope (an organization secret once). */
function PlanHolders({ holders, failure, defaultRepository }: { holders: PlannedHolder[]; failure: string | null; defaultRepository: string }) {
  if (failure) return <p className="text-amber-800">Deckhand could not list where the key lives ({failure}); the preflight checks it again and names what is missing.</p>;
  return (
    <ul className="mt-1 list-disc space-y-0.5 pl-5" data-testid="rotation-plan-holders">
      {holders.map((h) => (
        <li key={h.scope === "organization" ? `org:${h.org}` : `${h.scope}:${h.repository ?? defaultRepository}:${h.scope === "environment" ? h.environment : ""}`} data-testid="rotation-plan-holder">
          {h.scope === "organization" ? (
            <>
              the organization <span className="font-mono">{h.org}</span>&apos;s secrets{h.visibility ? ` (visibility ${h.visibility}, kept)` : ""}
              {h.repositories?.length ? <>, used by {h.repositories.join(", ")}</> : null}
            </>
          ) : (
            <>
              <span className="font-mono">{h.repository ?? defaultRepository}</span>: {h.scope === "environment" ? `the ${h.environment} environment's secrets` : "repository secrets"}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The plan: which key is created, which deactivated, when deleted; the Rotate confirmation. */
export async function PlanSection({ ctx, user, repositories }: { ctx: ReadContext; user: SessionUser; repositories: readonly ConfiguredRepository[] }) {
  const plan = await readRotationPlan(ctx, repositories);
  const operator = user.role === "operator";
  const old = plan.keys.find((k) => k.accessKeyId === plan.oldKeyId);
  return (
    <div className="space-y-4" data-testid="rotation-plan" data-user={plan.userName}>
      <p className="text-sm">
        Push user <strong data-testid="rotation-plan-user">{plan.userName}</strong> of <span className="font-mono">{plan.repository}</span>: its key is replaced wherever it lives; other push
        users&apos; repositories are not touched.
      </p>
      <ol className="list-decimal space-y-1 pl-6 text-sm">
        <li>Preflight: at most one key (or the second inactive), GitHub secrets writable, no other rotation of this user, no secret another push user&apos;s repository reads.</li>
        <li>
          Create a new access key for <strong>{plan.userName}</strong> (CreateAccessKey).
        </li>
        <li>Wait until AWS accepts it: STS GetCallerIdentity and ECR GetAuthorizationToken signed with it.</li>
        <li>
          Seal it with each holder&apos;s public key and write AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY at every holder, organization first; read both back:
          <PlanHolders holders={plan.holders} failure={plan.holdersFailure} defaultRepository={`${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`} />
        </li>
        <li>
          Canary: dispatch “{plan.workflow.name}” in every repository using the key (a few at a time) and require success in each
          {plan.workflow.found ? "" : " (workflow not found: the canary will be skipped)"}.
        </li>
        <li>
          {old ? (
            <>
              Deactivate the old key <span className="font-mono">{old.accessKeyId}</span> ({old.ageDays} days old)
            </>
          ) : plan.keysRead ? (
            "No active key to deactivate"
          ) : (
            "Deactivate the old key (not known now: the user's keys could not be read)"
          )}
          ; delete it after <strong>{plan.graceDays} days</strong> (or earlier, confirmed).
        </li>
      </ol>
      <p className="text-xs text-slate-500">The new secret goes from AWS&apos;s answer straight into the sealed box in memory: it is never stored, logged or shown.</p>
      {plan.active ? (
        <p className="text-sm">
          <Link href={`/credentials/rotation/${plan.active.id}`} className="font-medium text-sky-700 underline">
            Open rotation #{plan.active.id} ({plan.active.state})
          </Link>
        </p>
      ) : null}
      {plan.warnings.length ? (
        <ul className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="rotation-warnings">
          {plan.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {plan.blockers.length ? (
        <ul role="alert" className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="rotation-blockers">
          {plan.blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
          {plan.userMissing ? (
            <li>
              <Link href="/setup" className="font-medium text-sky-800 underline">
                Start the guided setup →
              </Link>
            </li>
          ) : null}
        </ul>
      ) : null}
      {operator && plan.inactiveSecondKeyId ? (
        <ConfirmActionButton
          action={deleteInactiveKeyAction}
          label={`Delete inactive key ${plan.inactiveSecondKeyId}`}
          confirmLabel="Delete it"
          confirmValue="delete"
          fields={{ accessKeyId: plan.inactiveSecondKeyId, repo: plan.repository }}
          consequence={<>The inactive key {plan.inactiveSecondKeyId} is deleted for good. Anything still configured with it is already failing (it is inactive).</>}
        />
      ) : null}
      {operator && plan.blockers.length === 0 ? (
        <ConfirmActionButton
          action={startRotationAction}
          label="Rotate key"
          confirmLabel="Confirm rotation"
          confirmValue="rotate"
          fields={{ repo: plan.repository }}
          tone="primary"
          goToRotation
          consequence={
            <>
              A new key is created and written into GitHub&apos;s secrets; after the canary passes, {old ? <span className="font-mono">{old.accessKeyId}</span> : "no key"} is deactivated and deleted in {plan.graceDays} days.
            </>
          }
        />
      ) : null}
      {!operator ? <p className="text-sm text-slate-600">Only operators can rotate keys.</p> : null}
    </div>
  );
}
