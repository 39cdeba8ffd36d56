import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { BodyTooLargeError, sendJson, sleep } from "../http-util";
import { answerConditionally } from "./conditional";
import { Router, type ApiRequest } from "./router";
import { findUser, privateUserJson } from "./users";
import { BadJsonError, ghError } from "./errors";
import { registerRepoRoutes } from "./repos";
import { registerRepoListRoutes } from "./repo-lists";
import { registerStatusRoutes } from "./statuses";
import { registerCommitRoutes } from "./commits";
import { registerBranchAndCompareRoutes } from "./compare";
import { registerSecretRoutes } from "./secrets";
import { registerVariableRoutes } from "./variables";
import { registerOrgSecretRoutes } from "./org-secrets";
import { registerEnvironmentRoutes } from "./environments";
import { registerContentRoutes } from "./contents";
import { registerRefRoutes } from "./refs";
import { registerPullRoutes } from "./pulls";
import { registerWorkflowRoutes } from "./workflows";
import { registerRunRoutes } from "./runs-routes";
import { registerHookRoutes } from "./hooks";
import { registerOidcCustomizationRoutes } from "./oidc-customization";
import { payloadParts } from "./push-event";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../constants";
import { findFineGrainedToken, refuseByGrant, requiredPermission, type TokenGrant } from "./fine-grained-tokens";

export const ADMIN_TOKEN = SANDBOX_GITHUB_ADMIN_TOKEN;
/** The administrator token acts as this user (owner/admin of the seeded repository). */
export const ADMIN_TOKEN_LOGIN = "octo-operator";

export { ghError };

/** Rate-limit accounting per token, in GitHub's headers, on every response. */
const rateWindows = new Map<string, { used: number; reset: number }>();
function rateHeaders(key: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  let w = rateWindows.get(key);
  if (!w || w.reset <= now) {
    w = { used: 0, reset: now + 3600 };
    rateWindows.set(key, w);
  }
  w.used += 1;
  const limit = key === "anonymous" ? 60 : 5000;
  return {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.max(0, limit - w.used)),
    "x-ratelimit-reset": String(w.reset),
    "x-ratelimit-used": String(w.used),
    "x-ratelimit-resource": "core",
  };
}

/** A 304 to a conditional request does not count against the primary rate limit (GitHub's best-practices page). */
function refundRateLimit(key: string): void {
  const w = rateWindows.get(key);
  if (w && w.used > 0) w.used -= 1;
}

function tokenFrom(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(h);
  if (m) return m[1];
  if (/^basic\s+/i.test(h)) {
    const [, password] = Buffer.from(h.replace(/^basic\s+/i, ""), "base64").toString("utf8").split(":");
    return password ?? null;
  }
  return "";
}

export interface TokenIdentity {
  login: string;
  /** OAuth scopes; a fine-grained token counts as "repo" for the selected repositories only (its grant). */
  scopes: string[];
  isAdmin: boolean;
  /** Fine-grained personal access tokens: the repositories and permissions they are limited to. */
  grant?: TokenGrant;
}

export function resolveToken(ctx: SandboxContext, token: string): TokenIdentity | null {
  if (token === ADMIN_TOKEN) return { login: ADMIN_TOKEN_LOGIN, scopes: ["repo", "workflow", "admin:repo_hook", "admin:org", "read:user", "user:email"], isAdmin: true };
  const fine = findFineGrainedToken(ctx.db, token);
  if (fine) return { login: fine.login, scopes: ["repo"], isAdmin: false, grant: fine.grant };
  const row = ctx.db.prepare(`SELECT login, scopes FROM gh_tokens WHERE token = ?`).get(token) as { login: string; scopes: string } | undefined;
  if (!row) return null;
  return { login: row.login, scopes: row.scopes.split(",").filter(Boolean), isAdmin: false };
}

export const router = new Router();

router.add("GET", "/user", ({ res, ctx, login }) => {
  const user = findUser(ctx.db, login);
  if (!user) return ghError(res, 404, "Not Found");
  sendJson(res, 200, privateUserJson(user, ctx.baseUrl()));
});

// Order matters where templates overlap: /commits/{ref}/status before /commits/{ref}, public-key before {secret_name}.
registerRepoRoutes(router);
registerRepoListRoutes(router);
registerStatusRoutes(router);
registerCommitRoutes(router);
registerBranchAndCompareRoutes(router);
registerSecretRoutes(router);
registerVariableRoutes(router);
registerOrgSecretRoutes(router);
registerEnvironmentRoutes(router);
registerContentRoutes(router);
registerRefRoutes(router);
registerPullRoutes(router);
registerWorkflowRoutes(router);
registerRunRoutes(router);
registerOidcCustomizationRoutes(router);
registerHookRoutes(router, payloadParts);

/** Routes under /api/v3: authentication, rate-limit headers, faults, then the route's handler. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith("/api/v3")) return false;
  const path = url.pathname.slice("/api/v3".length) || "/";
  const token = tokenFrom(req);
  const who = token ? resolveToken(ctx, token) : null;
  const headers = {
    ...rateHeaders(who ? (token as string) : "anonymous"),
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
    "x-github-request-id": `SANDBOX:${Math.random().toString(16).slice(2, 10).toUpperCase()}`,
  };
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (token !== null && !who) {
    ghError(res, 401, "Bad credentials");
    return true;
  }
  const found = router.match(req.method ?? "GET", path);
  if (!found) {
    ghError(res, 404, "Not Found");
    return true;
  }
  if ("allowed" in found) {
    ghError(res, 404, "Not Found");
    return true;
  }
  if (!who) {
    ghError(res, 401, "Requires authentication");
    return true;
  }
  const routeName = `${found.route.method} ${found.route.template}`;
  const fault = ctx.faults.take("github", routeName);
  if (fault.latencyMs) await sleep(fault.latencyMs);
  if (fault.failure) {
    const k = fault.failure.kind;
    if (k === "secondary-rate-limit") {
      ghError(res, 403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", {}, { "retry-after": "1" });
    } else if (k === "access-denied") {
      ghError(res, 403, "Resource not accessible by integration");
    } else if (k === "throttle") {
      // A primary rate limit: remaining 0 and the window's reset (epoch seconds), "you should not retry your request
      // until after the time specified by x-ratelimit-reset" (docs.github.com, "Rate limits for the REST API"). One
      // second away, so a test's wait stays short.
      const reset = Math.floor(Date.now() / 1000) + 1;
      ghError(res, 429, "API rate limit exceeded", {}, { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core" });
    } else {
      const status = k === "500" ? 500 : k === "502" ? 502 : 503;
      sendJson(res, status, { message: status === 502 ? "Server Error" : "Service Unavailable" });
    }
    return true;
  }
  if (who.grant) {
    // Fine-grained tokens: the selected repositories and granted permissions bound whatever the owner may do.
    const repository = found.params.owner && found.params.repo ? `${found.params.owner}/${found.params.repo}` : null;
    if (refuseByGrant(res, who.grant, repository, requiredPermission(found.route.method, found.route.template))) return true;
  } else {
    res.setHeader("x-oauth-scopes", who.scopes.join(", "));
  }
  const r: ApiRequest = { req, res, ctx, url, params: found.params, login: who.login, isAdminToken: who.isAdmin, scopes: who.scopes, fineGrained: Boolean(who.grant), grant: who.grant, route: routeName };
  try {
    const key = who ? (token as string) : "anonymous";
    await answerConditionally(req, res, async () => found.route.handler(r), () => refundRateLimit(key));
  } catch (err) {
    if (err instanceof BadJsonError) ghError(res, 400, "Problems parsing JSON");
    else if (err instanceof BodyTooLargeError) ghError(res, 413, "Request body too large");
    else throw err;
  }
  return true;
}
