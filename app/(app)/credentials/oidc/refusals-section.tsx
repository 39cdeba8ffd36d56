import { toUserFacing } from "@/lib/errors";
import type { ReadContext } from "@/lib/read/context";
import { readOidcRefusals } from "@/lib/read/oidc-doctor";
import type { PlannedSubject } from "@/lib/judgements/oidc/workflow-subjects";
import { partitionRefusals } from "@/lib/judgements/oidc/diagnose-refusal";

/**
 * The doctor's OIDC mode: each refused AssumeRoleWithWebIdentity of the last 7 days from this repository's runs (its
 * subject prefix), what refused it, the fix; then how many other subjects this repository's role refused (the trust
 * working). Other repositories' refusals are on their own pages.
 */
export async function RefusalsSection({ ctx, planned, subjectPrefix, roleArn }: { ctx: ReadContext; planned: PlannedSubject[]; subjectPrefix: string | null; roleArn: string | null }) {
  let refusals;
  let outsiders;
  try {
    ({ ours: refusals, outsiders } = partitionRefusals(await readOidcRefusals(ctx, planned), subjectPrefix, roleArn));
  } catch (err) {
    const { message } = toUserFacing(err, "OIDC refusals");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not read CloudTrail: {message}
      </p>
    );
  }
  return (
    <section aria-labelledby="oidc-refusals">
      <h2 id="oidc-refusals" className="mb-2 text-lg font-semibold">
        Refused role assumptions (last 7 days)
      </h2>
      {refusals.length === 0 ? (
        <p className="text-sm text-slate-600">None: no run of {ctx.github.repository} was refused by STS.</p>
      ) : (
        <ul className="space-y-3 text-sm" data-testid="oidc-refusals">
          {refusals.map((r, i) => (
            <li key={`${r.time}-${i}`} className="rounded-md border border-red-200 bg-red-50 p-3">
              <p className="font-medium">
                {r.time}: {r.errorCode} for <code>{r.subject ?? "an unknown subject"}</code> (audience {r.audience ?? "?"}, role {r.roleArn ?? "?"})
              </p>
              <p>{r.cause}</p>
              <p className="text-slate-800">Fix: {r.fix}</p>
            </li>
          ))}
        </ul>
      )}
      {outsiders.length ? (
        <p className="mt-2 text-sm text-slate-600" data-testid="oidc-outsider-refusals">
          The role also refused {outsiders.length} token{outsiders.length === 1 ? "" : "s"} of other subjects ({[...new Set(outsiders.map((r) => r.subject ?? "unknown"))].slice(0, 3).join(", ")}), as its pinned trust should.
        </p>
      ) : null}
    </section>
  );
}
