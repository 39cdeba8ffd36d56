import { withRepo } from "@/components/fleet/repo-href";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { readRoleSummaryPart } from "@/lib/read/oidc";
import { RoleFacts } from "@/components/oidc/role-facts";
import { Card, CardFailure } from "./card";

/**
 * In place of the key cards when the ECR workflow assumes GitHub's OIDC role: no key age, but the role's trust
 * breadth, its last session (CloudTrail) and its permission drift.
 */
export async function RoleCard({ ctx, roleToAssume }: { ctx: ReadContext; roleToAssume: string }) {
  const href = withRepo("/credentials", repoParamOf(ctx));
  const role = await readRoleSummaryPart(ctx);
  if (!role.ok) return <CardFailure title="Push role (OIDC)" href={href} testId="card-role" failure={role.failure} />;
  if (!role.data)
    return (
      <Card title="Push role (OIDC)" href={href} tone="fail" testId="card-role" asOf={role.asOf}>
        <p>
          The workflow assumes <code className="break-all text-xs">{roleToAssume}</code>, but the role Deckhand manages does not exist: runs are refused.
        </p>
      </Card>
    );
  const r = role.data;
  const tone = r.findings.length || (r.policy && !(r.policy.present && r.policy.matches)) ? (r.policy && !r.policy.present ? "fail" : "warn") : "ok";
  return (
    <Card title="Push role (OIDC)" href={href} tone={tone} testId="card-role" asOf={role.asOf}>
      <p className="mb-1">
        <code className="break-all text-xs">{r.arn}</code>
      </p>
      <p className="mb-1 text-xs text-slate-600">The workflow pushes with this role, not the key: there is no key age to watch.</p>
      <RoleFacts role={r} compact />
    </Card>
  );
}
