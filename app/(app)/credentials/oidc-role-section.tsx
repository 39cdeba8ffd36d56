import Link from "next/link";
import { toUserFacing } from "@/lib/errors";
import type { ReadContext } from "@/lib/read/context";
import { readRoleSummary } from "@/lib/read/oidc";

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
        <Link href="/credentials/oidc" className="font-medium underline">
          Plan the move to a role
        </Link>
        .
      </p>
    );
  return (
    <div className="space-y-2 text-sm" data-testid="oidc-role-summary">
      <p>
        <code>{role.arn}</code> — last used {role.lastUsed ?? "never"}. A role has no key to age; what matters is whom it trusts and what it may do.
      </p>
      {role.findings.length ? (
        <ul className="list-disc pl-5 text-red-800" data-testid="oidc-role-findings">
          {role.findings.map((f) => (
            <li key={f.message}>{f.message}</li>
          ))}
        </ul>
      ) : (
        <p className="text-emerald-800">Its trust admits no pull request, other branch, tag, environment or repository beyond what it names.</p>
      )}
      {role.policy ? (
        role.policy.present ? (
          role.policy.matches ? (
            <p className="text-emerald-800">Its push policy equals the expected one.</p>
          ) : (
            <p className="text-amber-900">
              Its push policy drifted: {role.policy.addedActions.length ? `missing ${role.policy.addedActions.join(", ")}` : ""}
              {role.policy.addedActions.length && role.policy.removedActions.length ? "; " : ""}
              {role.policy.removedActions.length ? `extra ${role.policy.removedActions.join(", ")}` : ""}.
            </p>
          )
        ) : (
          <p className="text-red-800">It has no push policy: runs assuming it cannot push.</p>
        )
      ) : null}
      <Link href="/credentials/oidc" className="font-medium underline">
        The move to the role
      </Link>
    </div>
  );
}
