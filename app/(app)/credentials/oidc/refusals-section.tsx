import { toUserFacing } from "@/lib/errors";
import type { ReadContext } from "@/lib/read/context";
import { readOidcRefusals } from "@/lib/read/oidc-doctor";
import type { PlannedSubject } from "@/lib/judgements/oidc/workflow-subjects";

/** The doctor's OIDC mode: each refused AssumeRoleWithWebIdentity of the last 7 days, what refused it, the fix. */
export async function RefusalsSection({ ctx, planned }: { ctx: ReadContext; planned: PlannedSubject[] }) {
  let refusals;
  try {
    refusals = await readOidcRefusals(ctx, planned);
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
        <p className="text-sm text-slate-600">None: no GitHub run was refused by STS.</p>
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
    </section>
  );
}
