import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { SANDBOX_GITHUB_WORKER_TOKEN, SANDBOX_REPOSITORY } from "../constants";
import { ghError } from "./errors";

/**
 * Fine-grained personal access tokens (`github_pat_…`), as GitHub enforces them: a token acts as its owner, only on
 * the repositories selected for it, and only with the permissions granted to it (each `read` or `write`; write
 * implies read; `metadata: read` always). A repository outside the selection is 404 (GitHub does not disclose it);
 * a missing permission is 403 "Resource not accessible by personal access token" with `X-Accepted-GitHub-Permissions`
 * naming what the endpoint needs (GitHub docs: "Permissions required for fine-grained personal access tokens",
 * "Troubleshooting the REST API"). Git over HTTP needs Contents: read to fetch, Contents: write to push.
 *
 * GitHub creates these tokens in its web UI only; the sandbox seeds one (SANDBOX_GITHUB_WORKER_TOKEN: octo-operator,
 * acme/mcp-servers, Contents: read) and mints others on its admin route `POST /_sandbox/github/fine-grained-tokens`.
 */

export type Access = "read" | "write";

export interface TokenGrant {
  kind: "fine-grained";
  /** "owner/name", lower case. */
  repositories: string[];
  permissions: Record<string, Access>;
}

export function migrateFineGrainedTokens(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gh_fine_grained_tokens (
      token TEXT PRIMARY KEY,
      login TEXT NOT NULL,
      repositories TEXT NOT NULL,
      permissions TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
  `);
}

export function seedFineGrainedTokens(db: Database.Database): void {
  insertToken(db, SANDBOX_GITHUB_WORKER_TOKEN, "octo-operator", [SANDBOX_REPOSITORY], { contents: "read" });
}

function insertToken(db: Database.Database, token: string, login: string, repositories: string[], permissions: Record<string, Access>) {
  db.prepare(`INSERT OR REPLACE INTO gh_fine_grained_tokens (token, login, repositories, permissions, created_at) VALUES (?, ?, ?, ?, ?)`).run(
    token,
    login,
    JSON.stringify(repositories.map((r) => r.toLowerCase())),
    JSON.stringify({ metadata: "read", ...permissions }),
    new Date().toISOString(),
  );
}

export function findFineGrainedToken(db: Database.Database, token: string): { login: string; grant: TokenGrant } | null {
  if (!token.startsWith("github_pat_")) return null;
  const row = db.prepare(`SELECT login, repositories, permissions FROM gh_fine_grained_tokens WHERE token = ?`).get(token) as
    | { login: string; repositories: string; permissions: string }
    | undefined;
  if (!row) return null;
  return { login: row.login, grant: { kind: "fine-grained", repositories: JSON.parse(row.repositories), permissions: JSON.parse(row.permissions) } };
}

/**
 * The permission a REST route needs from a fine-grained token, from its template (GitHub's table of permissions
 * per endpoint, for the endpoints the sandbox serves); null for user endpoints, which act on the owner.
 */
export function requiredPermission(method: string, template: string): { name: string; access: Access } | null {
  const access: Access = method === "GET" || method === "HEAD" ? "read" : "write";
  if (template.startsWith("/orgs/{org}/actions/secrets")) return { name: "organization_secrets", access };
  if (template.startsWith("/orgs/{org}/actions/variables")) return { name: "organization_actions_variables", access };
  if (!template.startsWith("/repos/{owner}/{repo}")) return null;
  const rest = template.slice("/repos/{owner}/{repo}".length);
  if (rest === "") return { name: "metadata", access: "read" };
  if (rest.startsWith("/actions/secrets") || rest.startsWith("/actions/organization-secrets") || /^\/environments\/\{environment_name\}\/secrets/.test(rest)) {
    return { name: "secrets", access };
  }
  if (rest.startsWith("/actions/variables") || rest.startsWith("/actions/organization-variables")) return { name: "actions_variables", access };
  if (rest.startsWith("/environments")) return { name: "environments", access };
  if (rest.startsWith("/statuses") || /^\/commits\/\{ref\}\/status(es)?$/.test(rest)) return { name: "statuses", access };
  if (rest.startsWith("/actions")) return { name: "actions", access };
  if (rest.startsWith("/hooks")) return { name: "repository_hooks", access };
  // Merging writes the base branch: GitHub asks for Contents: write there, Pull requests elsewhere.
  if (/^\/pulls\/\{pull_number\}\/merge$/.test(rest)) return { name: "contents", access };
  if (rest.startsWith("/pulls")) return { name: "pull_requests", access };
  if (rest.startsWith("/commits") || rest.startsWith("/compare") || rest.startsWith("/branches") || rest.startsWith("/git/") || rest.startsWith("/contents")) {
    return { name: "contents", access };
  }
  return { name: "metadata", access: "read" };
}

export type GrantVerdict = { ok: true } | { ok: false; status: 403 | 404; message: string; accepted?: string };

/** Whether a grant allows `need` on `repository` ("owner/name"). */
export function checkGrant(grant: TokenGrant, repository: string | null, need: { name: string; access: Access } | null): GrantVerdict {
  if (repository !== null && !grant.repositories.includes(repository.toLowerCase())) return { ok: false, status: 404, message: "Not Found" };
  if (!need) return { ok: true };
  const have = grant.permissions[need.name];
  if (have === "write" || (have === "read" && need.access === "read")) return { ok: true };
  return { ok: false, status: 403, message: "Resource not accessible by personal access token", accepted: `${need.name}=${need.access}` };
}

/** Answers a refusal the way GitHub does; returns false when the grant allows the call. */
export function refuseByGrant(res: ServerResponse, grant: TokenGrant, repository: string | null, need: { name: string; access: Access } | null): boolean {
  const verdict = checkGrant(grant, repository, need);
  if (need) res.setHeader("x-accepted-github-permissions", `${need.name}=${need.access}`);
  if (verdict.ok) return false;
  ghError(res, verdict.status, verdict.message);
  return true;
}

/**
 * Sandbox admin (not GitHub): `POST /_sandbox/github/fine-grained-tokens` `{ login, repositories: ["owner/name"],
 * permissions: { contents: "read", ... } }` → 201 `{ token }`, a new `github_pat_` token with exactly that grant.
 */
export async function handleFineGrainedTokenAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (url.pathname !== "/_sandbox/github/fine-grained-tokens" || req.method !== "POST") return false;
  const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as { login?: string; repositories?: string[]; permissions?: Record<string, Access> };
  if (!body.login || !Array.isArray(body.repositories) || typeof body.permissions !== "object" || body.permissions === null) {
    sendJson(res, 400, { error: "login, repositories and permissions are required" });
    return true;
  }
  const token = `github_pat_${randomBytes(11).toString("hex").toUpperCase()}_${randomBytes(45).toString("base64url").replace(/[-_]/g, "0").slice(0, 59)}`;
  insertToken(ctx.db, token, body.login, body.repositories, body.permissions);
  sendJson(res, 201, { token });
  return true;
}
