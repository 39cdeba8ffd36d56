import type { SandboxContext } from "../context";
import { ghError } from "./errors";
import type { ApiRequest } from "./router";
import { findUser, type SandboxUser } from "./users";

/**
 * Organizations and their members. A member's role is `admin` (an owner) or `member`, as GitHub's organization
 * membership says. Organization secrets and variables need an owner ("Users with admin access to an organization
 * can use the REST API to manage secrets for that organization") and, for OAuth tokens, the `admin:org` scope.
 */

export type OrgRole = "admin" | "member";

/** acme's people: the operator owns the organization, the viewer is a plain member, mallory is outside. */
export const SEEDED_ORG_MEMBERS: Array<{ org: string; login: string; role: OrgRole }> = [
  { org: "acme", login: "octo-operator", role: "admin" },
  { org: "acme", login: "octo-viewer", role: "member" },
];

export function seedOrgMembers(ctx: SandboxContext): void {
  const insert = ctx.db.prepare(`INSERT OR REPLACE INTO gh_org_members (org, login, role) VALUES (?, ?, ?)`);
  for (const m of SEEDED_ORG_MEMBERS) insert.run(m.org, m.login, m.role);
}

export function orgRole(ctx: SandboxContext, org: string, login: string): OrgRole | null {
  const row = ctx.db.prepare(`SELECT role FROM gh_org_members WHERE org = ? AND login = ?`).get(org, login) as { role: OrgRole } | undefined;
  return row?.role ?? null;
}

/** GitHub's answer to a member, an outsider or a token without the right, on organization secrets and variables. */
export const ORG_ADMIN_FORBIDDEN = "You must be an org admin or have the actions secrets fine-grained permission.";
export const ORG_VARIABLES_FORBIDDEN = "You must be an org admin or have the actions variables fine-grained permission.";

/**
 * Resolve {org} for an organization secrets/variables route: 404 for an unknown organization (or a user account),
 * 403 with `message` for anyone who is not an owner or an OAuth token without `admin:org` (GitHub names the scope it
 * wanted in `X-Accepted-OAuth-Scopes`). Fine-grained tokens were already checked for the organization permission.
 */
export function orgFor(r: ApiRequest, message = ORG_ADMIN_FORBIDDEN): SandboxUser | undefined {
  const org = findUser(r.ctx.db, r.params.org);
  if (!org || org.type !== "Organization") {
    ghError(r.res, 404, "Not Found");
    return undefined;
  }
  r.res.setHeader("x-accepted-oauth-scopes", "admin:org");
  const scoped = r.isAdminToken || r.scopes.includes("admin:org") || r.fineGrained === true;
  if (!scoped || orgRole(r.ctx, org.login, r.login) !== "admin") {
    ghError(r.res, 403, message);
    return undefined;
  }
  return org;
}
