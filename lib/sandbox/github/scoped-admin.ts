import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { findRepo } from "./repos";
import { envScope, findEnvironment, orgScope, readScoped, selectedRepoIds } from "./scoped-store";

/**
 * Admin-only (sandbox): the decrypted value of an organization secret (`/_sandbox/github/orgs/{org}/secrets/{name}`,
 * with its visibility and selected repository ids) or an environment secret
 * (`/_sandbox/github/repos/{owner}/{repo}/environments/{env}/secrets/{name}`).
 */
export async function handleScopedSecretAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (req.method !== "GET") return false;
  const org = /^\/_sandbox\/github\/orgs\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
  const env = /^\/_sandbox\/github\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
  if (org) {
    const scope = orgScope(decodeURIComponent(org[1]));
    const row = readScoped(ctx, "secret", scope, decodeURIComponent(org[2]));
    if (!row) sendJson(res, 404, { message: "Not Found" });
    else sendJson(res, 200, { ...row, selected_repository_ids: selectedRepoIds(ctx, "secret", scope, row.name) });
    return true;
  }
  if (env) {
    const repo = findRepo(ctx, decodeURIComponent(env[1]), decodeURIComponent(env[2]));
    const e = repo ? findEnvironment(ctx, repo.id, decodeURIComponent(env[3])) : undefined;
    const row = e ? readScoped(ctx, "secret", envScope(e.id), decodeURIComponent(env[4])) : undefined;
    if (!row) sendJson(res, 404, { message: "Not Found" });
    else sendJson(res, 200, row);
    return true;
  }
  return false;
}
