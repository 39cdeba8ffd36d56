import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { SandboxContext } from "../context";
import { escapeHtml, readBody, sendJson, sendText } from "../http-util";
import { findUser, listPeople } from "./users";
import { SANDBOX_OAUTH_APP } from "../constants";

/**
 * GitHub's OAuth web application flow, as documented at
 * docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.
 */

export { SANDBOX_OAUTH_APP };

export function migrateOAuth(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS gh_oauth_apps (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, callback_url TEXT NOT NULL, name TEXT NOT NULL)`);
}

export function seedOAuth(db: Database.Database): void {
  db.prepare(`INSERT OR REPLACE INTO gh_oauth_apps (client_id, client_secret, callback_url, name) VALUES (?, ?, ?, ?)`).run(
    SANDBOX_OAUTH_APP.clientId,
    SANDBOX_OAUTH_APP.clientSecret,
    SANDBOX_OAUTH_APP.callbackUrl,
    SANDBOX_OAUTH_APP.name,
  );
}

interface OAuthApp {
  client_id: string;
  client_secret: string;
  callback_url: string;
  name: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * GitHub's redirect_uri rule: same host and port as the callback URL and a path under its path;
 * loopback redirect URLs may use any port.
 */
export function redirectAllowed(callbackUrl: string, redirectUri: string): boolean {
  let cb: URL, r: URL;
  try {
    cb = new URL(callbackUrl);
    r = new URL(redirectUri);
  } catch {
    return false;
  }
  if (cb.protocol !== r.protocol) return false;
  const loopback = LOOPBACK.has(cb.hostname) && LOOPBACK.has(r.hostname);
  if (!loopback && (cb.hostname !== r.hostname || cb.port !== r.port)) return false;
  const base = cb.pathname.endsWith("/") ? cb.pathname : `${cb.pathname}/`;
  return r.pathname === cb.pathname || r.pathname.startsWith(base);
}

function page(title: string, body: string, status = 200): [number, string] {
  return [
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f6f8fa;margin:0}main{max-width:420px;margin:64px auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px}
h1{font-size:20px}button{display:block;width:100%;margin:8px 0;padding:10px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;font-size:15px;cursor:pointer}
.note{color:#57606a;font-size:13px}.err{color:#cf222e}</style></head><body><main>${body}</main></body></html>`,
  ];
}

function oauthError(res: ServerResponse, accept: string, error: string, description: string): void {
  const body = { error, error_description: description, error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" };
  respondToken(res, accept, body);
}

function respondToken(res: ServerResponse, accept: string, body: Record<string, string>): void {
  if (accept.includes("application/json")) return sendJson(res, 200, body);
  if (accept.includes("application/xml")) {
    const xml = `<OAuth>${Object.entries(body).map(([k, v]) => `<${k}>${escapeHtml(v)}</${k}>`).join("")}</OAuth>`;
    return sendText(res, 200, xml, "application/xml; charset=utf-8");
  }
  sendText(res, 200, new URLSearchParams(body).toString(), "application/x-www-form-urlencoded; charset=utf-8");
}

function parseParams(body: Buffer, contentType: string): URLSearchParams {
  const text = body.toString("utf8");
  if (contentType.includes("application/json")) {
    try {
      const obj = JSON.parse(text) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(obj).map(([k, v]) => [k, String(v)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(text);
}

export async function handleOAuth(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  const db = ctx.db;
  if (url.pathname === "/login/oauth/authorize") {
    const params = req.method === "POST" ? parseParams(await readBody(req, 1 << 20), String(req.headers["content-type"] ?? "")) : url.searchParams;
    const clientId = params.get("client_id") ?? "";
    const app = db.prepare(`SELECT * FROM gh_oauth_apps WHERE client_id = ?`).get(clientId) as OAuthApp | undefined;
    if (!app) {
      const [s, html] = page("Not Found", `<h1>404</h1><p class="err">No OAuth application with client_id <code>${escapeHtml(clientId)}</code>.</p>`, 404);
      sendText(res, s, html, "text/html; charset=utf-8");
      return true;
    }
    const redirectUri = params.get("redirect_uri") || app.callback_url;
    if (!redirectAllowed(app.callback_url, redirectUri)) {
      const [s, html] = page(
        "Redirect URI mismatch",
        `<h1>Be careful!</h1><p class="err">The redirect_uri is not associated with this application.</p><p class="note">The application that brought you here could be trying to access your data. Registered callback: <code>${escapeHtml(app.callback_url)}</code></p>`,
        400,
      );
      sendText(res, s, html, "text/html; charset=utf-8");
      return true;
    }
    const state = params.get("state") ?? "";
    const scope = params.get("scope") ?? "";
    if (req.method === "POST") {
      const login = params.get("login") ?? "";
      const user = findUser(db, login);
      const target = new URL(redirectUri);
      if (params.get("decision") === "cancel") {
        target.searchParams.set("error", "access_denied");
        target.searchParams.set("error_description", "The user has denied your application access.");
      } else if (!user || user.type !== "User") {
        const [s, html] = page("Unknown user", `<p class="err">No such user.</p>`, 422);
        sendText(res, s, html, "text/html; charset=utf-8");
        return true;
      } else {
        const code = randomBytes(10).toString("hex");
        db.prepare(
          `INSERT INTO gh_oauth_codes (code, client_id, login, redirect_uri, scopes, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(code, clientId, user.login, redirectUri, scope, Date.now() + 10 * 60_000);
        target.searchParams.set("code", code);
      }
      if (state) target.searchParams.set("state", state);
      res.writeHead(302, { location: target.toString() });
      res.end();
      return true;
    }
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
    const buttons = listPeople(db)
      .map(
        (u) =>
          `<form method="post" action="/login/oauth/authorize">${hidden("client_id", clientId)}${hidden("redirect_uri", redirectUri)}${hidden("state", state)}${hidden("scope", scope)}${hidden("login", u.login)}<button type="submit">Continue as ${escapeHtml(u.login)}</button></form>`,
      )
      .join("");
    const [s, html] = page(
      `Authorize ${app.name}`,
      `<h1>Authorize ${escapeHtml(app.name)}</h1><p class="note">GitHub sandbox: choose who you are. ${escapeHtml(app.name)} will receive your login${scope ? ` (scopes: ${escapeHtml(scope)})` : ""}.</p>${buttons}
<form method="post" action="/login/oauth/authorize">${hidden("client_id", clientId)}${hidden("redirect_uri", redirectUri)}${hidden("state", state)}${hidden("decision", "cancel")}<button type="submit" style="background:#f6f8fa;color:#24292f;border-color:#d0d7de">Cancel</button></form>`,
    );
    sendText(res, s, html, "text/html; charset=utf-8");
    return true;
  }

  if (url.pathname === "/login/oauth/access_token") {
    const accept = String(req.headers.accept ?? "");
    if (req.method !== "POST") {
      sendJson(res, 404, { message: "Not Found" });
      return true;
    }
    const params = parseParams(await readBody(req, 1 << 20), String(req.headers["content-type"] ?? ""));
    for (const [k, v] of url.searchParams) if (!params.has(k)) params.set(k, v);
    let clientId = params.get("client_id") ?? "";
    let clientSecret = params.get("client_secret") ?? "";
    const auth = req.headers.authorization ?? "";
    if (auth.startsWith("Basic ")) {
      const [id, secret] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
      clientId = decodeURIComponent(id ?? "");
      clientSecret = decodeURIComponent(secret ?? "");
    }
    const app = db.prepare(`SELECT * FROM gh_oauth_apps WHERE client_id = ?`).get(clientId) as OAuthApp | undefined;
    if (!app || app.client_secret !== clientSecret) {
      oauthError(res, accept, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
      return true;
    }
    const code = params.get("code") ?? "";
    const row = db.prepare(`SELECT * FROM gh_oauth_codes WHERE code = ?`).get(code) as
      | { code: string; client_id: string; login: string; redirect_uri: string; scopes: string; expires_at: number; used: number }
      | undefined;
    if (!row || row.used || row.expires_at < Date.now() || row.client_id !== clientId) {
      oauthError(res, accept, "bad_verification_code", "The code passed is incorrect or expired.");
      return true;
    }
    const redirectUri = params.get("redirect_uri");
    if (redirectUri && redirectUri !== row.redirect_uri) {
      oauthError(res, accept, "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
      return true;
    }
    db.prepare(`UPDATE gh_oauth_codes SET used = 1 WHERE code = ?`).run(code);
    const token = `gho_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    const scopes = row.scopes.split(/[\s,]+/).filter(Boolean).join(",");
    db.prepare(`INSERT INTO gh_tokens (token, login, scopes, client_id, created_at) VALUES (?, ?, ?, ?, ?)`).run(
      token,
      row.login,
      scopes,
      clientId,
      new Date().toISOString(),
    );
    respondToken(res, accept, { access_token: token, token_type: "bearer", scope: scopes });
    return true;
  }
  return false;
}
