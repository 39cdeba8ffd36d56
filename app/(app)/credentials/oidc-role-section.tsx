import Link from "next/link";
import { toUserFacing } from "@/lib/errors";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { readRoleSummary } from "@/lib/read/oidc";
import { RoleFacts } from "@/components/oidc/role-facts";

/** The GitHub OIDC role, when it exists: no key age, but trust breadth, last use and permission drift. */
export async function OidcRoleSection({ ctx }: { ctx: ReadContext }) {
  let role;
  try {
    role = await readRoleSummary(ctx);
  } catch (err) {
    const { message } = toUserFacing(err, "OIDC role");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not read the role: {message}
      </p>
    );
  }
  if (!role)
    return (
      <p className="text-sm text-slate-600">
        No OIDC role yet: the workflow signs in with the access key.{" "}
        <Link href={withRepo("/credentials/oidc", repoParamOf(ctx))} className="font-medium underline">
          Plan the move to a role
        </Link>
        .
      </p>
    );
  return (
    <div className="space-y-2 text-sm" data-testid="oidc-role-summary">
      <p>
        <code className="break-all">{role.arn}</code>. A role has no key to age; what matters is whom it trusts, when it was last assumed and what it may do.
      </p>
      <RoleFacts role={role} />
      <Link href={withRepo("/credentials/oidc", repoParamOf(ctx))} className="font-medium underline">
        The move to the role
      </Link>
    </div>
  );
}
