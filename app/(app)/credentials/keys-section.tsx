import type { ReadContext } from "@/lib/read/context";
import { readKeyVerdicts } from "@/lib/read/credentials";
import { formatDay, formatUtc } from "@/lib/format";
import { CallsMade } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { StatusBadge } from "@/components/posture/status-badge";
import { KeyActions } from "@/components/key-actions/key-actions";
import { getConfig } from "@/lib/infra/config/env";
import { otherRepositoriesOfPushUser, servedRepositories } from "@/lib/infra/config/served-repositories";

export async function KeysSection({ ctx, operator = false }: { ctx: ReadContext; operator?: boolean }) {
  const keys = await readKeyVerdicts(ctx);
  if (!keys.ok) return <PartFailure failure={keys.failure} what="the access keys" />;
  const judged = keys.data;
  const thresholds = judged.thresholds;
  // The other served repositories of the same push user (IAM compares user names case-insensitively): a key action here
  // acts on their key too, and the confirmation names them.
  const sharedWith = operator ? otherRepositoriesOfPushUser(servedRepositories(getConfig(), ctx.db), ctx.github.repository, ctx.userName).map((r) => r.repository) : [];
  return (
    <>
      <p className="mb-3 text-xs text-slate-500">
        Thresholds (Settings): rotate at {thresholds.rotateAfterDays} days, warn from {thresholds.warnAfterDays}, unused after {thresholds.unusedAfterDays}.
      </p>
      {judged.account.length > 0 ? (
        <ul className="mb-3 space-y-1 text-sm">
          {judged.account.map((a) => (
            <li key={a.code}>
              <StatusBadge status={a.severity} /> {a.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div tabIndex={0} className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="keys-table">
          <thead className="bg-slate-50 text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2">Access key</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Age</th>
              <th className="px-3 py-2">Created</th>
              <th className="px-3 py-2">Last used</th>
              <th className="px-3 py-2">Verdict</th>
              {operator ? <th className="px-3 py-2">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {judged.keys.map((k) => (
              <tr key={k.accessKeyId} className="border-t border-slate-100 align-top" data-testid={`key-${k.accessKeyId}`}>
                <td className="px-3 py-2 font-mono">{k.accessKeyId}</td>
                <td className="px-3 py-2">{k.status}</td>
                <td className="px-3 py-2">{k.ageDays === null ? "—" : `${k.ageDays} days`}</td>
                <td className="px-3 py-2">{formatDay(k.createDate)}</td>
                <td className="px-3 py-2">
                  {k.lastUsed?.date ? (
                    <>
                      {formatUtc(k.lastUsed.date)}
                      <br />
                      <span className="text-xs text-slate-500">
                        {k.lastUsed.service ?? "?"} · {k.lastUsed.region ?? "?"}
                      </span>
                    </>
                  ) : (
                    "never"
                  )}
                </td>
                <td className="px-3 py-2">
                  <StatusBadge status={k.severity} text={k.verdict} />
                  <p className="mt-1 text-xs text-slate-600">{k.reason}</p>
                </td>
                {operator ? (
                  <td className="px-3 py-2">
                    <KeyActions accessKeyId={k.accessKeyId} status={k.status} repo={ctx.github.repository} userName={ctx.userName} sharedWith={sharedWith} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {judged.keys.length === 0 ? <p className="text-sm text-slate-600">The user has no access keys.</p> : null}
      <CallsMade calls={keys.calls} />
    </>
  );
}
