import { randomUUID } from "node:crypto";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { generationOf, stillCurrent, track } from "./background";
import { isoSeconds } from "./ecr-job";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { linkHeader, pageOf, paginate } from "./pagination";
import { repoFor, type Repo } from "./repos";
import type { Router } from "./router";
import { signPayload, signPayloadSha1 } from "./webhook-signature";

interface HookRow {
  id: number;
  repo_id: number;
  active: number;
  events: string;
  url: string;
  content_type: string;
  secret: string | null;
  insecure_ssl: string;
  created_at: string;
  updated_at: string;
  last_code: number | null;
  last_status: string;
  last_message: string | null;
}

interface DeliveryRow {
  id: number;
  hook_id: number;
  guid: string;
  delivered_at: string;
  redelivery: number;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  repository_id: number | null;
  request_headers: string;
  request_body: string;
  response_headers: string;
  response_body: string;
}

const DELIVERY_TIMEOUT_MS = 10_000;
const HOOK_ID_BASE = 498_765_000;
const DELIVERY_ID_BASE = 88_123_000_000;

function hookJson(ctx: SandboxContext, repo: Repo, h: HookRow) {
  const api = `${ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/hooks/${h.id}`;
  return {
    type: "Repository",
    id: h.id,
    name: "web",
    active: Boolean(h.active),
    events: JSON.parse(h.events) as string[],
    // GitHub never returns the secret itself, only that one is set.
    config: { content_type: h.content_type, insecure_ssl: h.insecure_ssl, url: h.url, ...(h.secret ? { secret: "********" } : {}) },
    updated_at: h.updated_at,
    created_at: h.created_at,
    url: api,
    test_url: `${api}/test`,
    ping_url: `${api}/pings`,
    deliveries_url: `${api}/deliveries`,
    last_response: { code: h.last_code, status: h.last_status, message: h.last_message },
  };
}

function deliveryItem(d: DeliveryRow) {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.delivered_at,
    redelivery: Boolean(d.redelivery),
    duration: d.duration,
    status: d.status,
    status_code: d.status_code,
    event: d.event,
    action: d.action,
    installation_id: null,
    repository_id: d.repository_id,
    throttled_at: null,
  };
}

function deliveryJson(d: DeliveryRow) {
  const body = d.request_body;
  let payload: unknown = null;
  try {
    payload = JSON.parse(body.startsWith("payload=") ? decodeURIComponent(body.slice(8).replace(/\+/g, " ")) : body);
  } catch {
    payload = null;
  }
  return {
    ...deliveryItem(d),
    url: "",
    request: { headers: JSON.parse(d.request_headers) as Record<string, string>, payload },
    response: { headers: JSON.parse(d.response_headers) as Record<string, string>, payload: d.response_body },
  };
}

export function hooksOf(ctx: SandboxContext, repoId: number): HookRow[] {
  return ctx.db.prepare(`SELECT * FROM gh_hooks WHERE repo_id = ? ORDER BY id`).all(repoId) as HookRow[];
}

function nextId(ctx: SandboxContext, table: string, base: number): number {
  const m = (ctx.db.prepare(`SELECT max(id) AS m FROM ${table}`).get() as { m: number | null }).m;
  return Math.max(m ?? 0, base) + 1;
}

/**
 * POST one event to one hook and record the delivery, as GitHub's Hookshot does: the exact body bytes are
 * signed, the response (status, headers, body) and the duration are kept for the deliveries API.
 */
export async function deliver(ctx: SandboxContext, hook: HookRow, event: string, payload: unknown, opts: { guid?: string; redelivery?: boolean; action?: string | null } = {}): Promise<void> {
  const gen = generationOf(ctx);
  const guid = opts.guid ?? randomUUID();
  const json = JSON.stringify(payload);
  const body = hook.content_type === "form" ? `payload=${encodeURIComponent(json)}` : json;
  const headers: Record<string, string> = {
    Accept: "*/*",
    "Content-Type": hook.content_type === "form" ? "application/x-www-form-urlencoded" : "application/json",
    "User-Agent": "GitHub-Hookshot/sandbox",
    "X-GitHub-Delivery": guid,
    "X-GitHub-Event": event,
    "X-GitHub-Hook-ID": String(hook.id),
    "X-GitHub-Hook-Installation-Target-ID": String(hook.repo_id),
    "X-GitHub-Hook-Installation-Target-Type": "repository",
  };
  if (hook.secret) {
    headers["X-Hub-Signature"] = signPayloadSha1(hook.secret, body);
    headers["X-Hub-Signature-256"] = signPayload(hook.secret, body);
  }
  // Let overdue timers run first: a keep-alive socket the receiver already timed out must not be reused.
  await new Promise((r) => setTimeout(r, 0));
  const started = performance.now();
  let statusCode = 0;
  let status: string;
  let respHeaders: Record<string, string> = {};
  let respBody = "";
  try {
    const res = await fetch(hook.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
    statusCode = res.status;
    respHeaders = Object.fromEntries(res.headers.entries());
    respBody = (await res.text()).slice(0, 64 * 1024);
    status = res.status >= 200 && res.status < 300 ? "OK" : `Invalid HTTP Response: ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    status = (err as Error).name === "TimeoutError" ? "timed out" : cause === "ECONNREFUSED" ? "failed to connect to host" : `We couldn't deliver this payload: ${cause ?? (err as Error).message}`;
  }
  const duration = Math.round(performance.now() - started) / 1000;
  if (!stillCurrent(ctx, gen)) return;
  const at = isoSeconds(ctx.now());
  ctx.db
    .prepare(
      `INSERT INTO gh_deliveries (id, hook_id, guid, delivered_at, redelivery, duration, status, status_code, event, action, repository_id, request_headers, request_body, response_headers, response_body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(nextId(ctx, "gh_deliveries", DELIVERY_ID_BASE), hook.id, guid, at, opts.redelivery ? 1 : 0, duration, status, statusCode, event, opts.action ?? null, hook.repo_id, JSON.stringify(headers), body, JSON.stringify(respHeaders), respBody);
  ctx.db.prepare(`UPDATE gh_hooks SET last_code = ?, last_status = ?, last_message = ? WHERE id = ?`).run(statusCode || null, statusCode >= 200 && statusCode < 300 ? "active" : "failed", status, hook.id);
}

/** Deliver an event to every active hook of the repository subscribed to it, in the background. */
export function dispatchEvent(ctx: SandboxContext, repoId: number, event: string, payload: unknown): void {
  for (const h of hooksOf(ctx, repoId)) {
    const events = JSON.parse(h.events) as string[];
    if (!h.active || !(events.includes(event) || events.includes("*"))) continue;
    track(ctx, deliver(ctx, h, event, payload));
  }
}

const HOOK_EVENTS = new Set(["*", "push", "ping", "workflow_run", "workflow_job", "status", "check_run", "check_suite", "create", "delete", "release", "pull_request", "issues", "repository"]);

function validateHookConfig(body: Record<string, unknown>, existing?: HookRow): { error: string | null; url?: string; contentType?: string; secret?: string | null; insecure?: string; events?: string[]; active?: boolean } {
  const config = (body.config ?? {}) as Record<string, unknown>;
  const url = typeof config.url === "string" ? config.url : existing?.url;
  if (!url) return { error: "url" };
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return { error: "url" };
  } catch {
    return { error: "url" };
  }
  const contentType = typeof config.content_type === "string" ? config.content_type : existing?.content_type ?? "form";
  if (contentType !== "json" && contentType !== "form") return { error: "content_type" };
  const events = Array.isArray(body.events) ? body.events.map(String) : existing ? (JSON.parse(existing.events) as string[]) : ["push"];
  if (events.some((e) => !HOOK_EVENTS.has(e))) return { error: "events" };
  return {
    error: null,
    url,
    contentType,
    secret: typeof config.secret === "string" ? config.secret || null : existing?.secret ?? null,
    insecure: config.insecure_ssl !== undefined ? String(config.insecure_ssl) : existing?.insecure_ssl ?? "0",
    events,
    active: typeof body.active === "boolean" ? body.active : existing ? Boolean(existing.active) : true,
  };
}

export function pingPayload(ctx: SandboxContext, repo: Repo, hook: HookRow, sender: unknown, repository: unknown) {
  return { zen: "Keep it logically awesome.", hook_id: hook.id, hook: hookJson(ctx, repo, hook), repository, sender };
}

export function registerHookRoutes(router: Router, payloadParts: (ctx: SandboxContext, repo: Repo, login: string) => { repository: unknown; sender: unknown }): void {
  const hookFor = (r: import("./router").ApiRequest, repo: Repo): HookRow | undefined => {
    const h = r.ctx.db.prepare(`SELECT * FROM gh_hooks WHERE repo_id = ? AND id = ?`).get(repo.id, Number(r.params.hook_id)) as HookRow | undefined;
    if (!h) ghError(r.res, 404, "Not Found");
    return h;
  };
  const ping = (ctx: SandboxContext, repo: Repo, h: HookRow, login: string) => {
    const parts = payloadParts(ctx, repo, login);
    track(ctx, deliver(ctx, h, "ping", pingPayload(ctx, repo, h, parts.sender, parts.repository)));
  };

  router.add("GET", "/repos/{owner}/{repo}/hooks", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    if (!repo) return;
    const page = paginate(r, hooksOf(r.ctx, repo.id));
    sendJson(r.res, 200, page.items.map((h) => hookJson(r.ctx, repo, h)), page.headers);
  });

  router.add("POST", "/repos/{owner}/{repo}/hooks", async (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    if (body.name !== undefined && body.name !== "web") return validationFailed(r.res, [{ resource: "Hook", code: "custom", field: "name", message: "Name must be 'web'" }]);
    const v = validateHookConfig(body);
    if (v.error) return validationFailed(r.res, [{ resource: "Hook", code: v.error === "url" ? "missing_field" : "invalid", field: v.error }]);
    const dup = hooksOf(r.ctx, repo.id).some((h) => h.url === v.url);
    if (dup) return validationFailed(r.res, [{ resource: "Hook", code: "custom", message: "Hook already exists on this repository" }]);
    const at = isoSeconds(r.ctx.now());
    const id = nextId(r.ctx, "gh_hooks", HOOK_ID_BASE);
    r.ctx.db
      .prepare(`INSERT INTO gh_hooks (id, repo_id, active, events, url, content_type, secret, insecure_ssl, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, repo.id, v.active ? 1 : 0, JSON.stringify(v.events), v.url, v.contentType, v.secret, v.insecure, at, at);
    const h = r.ctx.db.prepare(`SELECT * FROM gh_hooks WHERE id = ?`).get(id) as HookRow;
    sendJson(r.res, 201, hookJson(r.ctx, repo, h), { location: `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/hooks/${id}` });
    // GitHub pings a new hook right away.
    if (h.active) ping(r.ctx, repo, h, r.login);
  });

  router.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id}", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (repo && h) sendJson(r.res, 200, hookJson(r.ctx, repo, h));
  });

  router.add("PATCH", "/repos/{owner}/{repo}/hooks/{hook_id}", async (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    if (Array.isArray(body.add_events) || Array.isArray(body.remove_events)) {
      const ev = new Set(Array.isArray(body.events) ? body.events.map(String) : (JSON.parse(h.events) as string[]));
      for (const e of (body.add_events as unknown[] | undefined) ?? []) ev.add(String(e));
      for (const e of (body.remove_events as unknown[] | undefined) ?? []) ev.delete(String(e));
      body.events = [...ev];
    }
    const v = validateHookConfig(body, h);
    if (v.error) return validationFailed(r.res, [{ resource: "Hook", code: "invalid", field: v.error }]);
    r.ctx.db
      .prepare(`UPDATE gh_hooks SET active = ?, events = ?, url = ?, content_type = ?, secret = ?, insecure_ssl = ?, updated_at = ? WHERE id = ?`)
      .run(v.active ? 1 : 0, JSON.stringify(v.events), v.url, v.contentType, v.secret, v.insecure, isoSeconds(r.ctx.now()), h.id);
    sendJson(r.res, 200, hookJson(r.ctx, repo, r.ctx.db.prepare(`SELECT * FROM gh_hooks WHERE id = ?`).get(h.id) as HookRow));
  });

  router.add("DELETE", "/repos/{owner}/{repo}/hooks/{hook_id}", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    r.ctx.db.prepare(`DELETE FROM gh_hooks WHERE id = ?`).run(h.id);
    r.ctx.db.prepare(`DELETE FROM gh_deliveries WHERE hook_id = ?`).run(h.id);
    r.res.writeHead(204);
    r.res.end();
  });

  router.add("POST", "/repos/{owner}/{repo}/hooks/{hook_id}/pings", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    ping(r.ctx, repo, h, r.login);
    r.res.writeHead(204);
    r.res.end();
  });

  router.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    // GitHub pages deliveries with an opaque cursor; page numbers are accepted here as well.
    const p = pageOf(r);
    const cursor = Number(r.url.searchParams.get("cursor") ?? "") || null;
    const rows = r.ctx.db
      .prepare(`SELECT * FROM gh_deliveries WHERE hook_id = ? ${cursor ? "AND id < ?" : ""} ORDER BY id DESC`)
      .all(...(cursor ? [h.id, cursor] : [h.id])) as DeliveryRow[];
    const slice = cursor ? rows.slice(0, p.perPage) : rows.slice(p.offset, p.offset + p.perPage);
    const headers = cursor ? {} : linkHeader(r, p, rows.length);
    sendJson(r.res, 200, slice.map(deliveryItem), headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    const d = r.ctx.db.prepare(`SELECT * FROM gh_deliveries WHERE hook_id = ? AND id = ?`).get(h.id, Number(r.params.delivery_id)) as DeliveryRow | undefined;
    if (!d) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, deliveryJson(d));
  });

  router.add("POST", "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts", (r) => {
    const repo = repoFor(r, "admin", { hidden: true });
    const h = repo && hookFor(r, repo);
    if (!repo || !h) return;
    const d = r.ctx.db.prepare(`SELECT * FROM gh_deliveries WHERE hook_id = ? AND id = ?`).get(h.id, Number(r.params.delivery_id)) as DeliveryRow | undefined;
    if (!d) return ghError(r.res, 404, "Not Found");
    const payload = deliveryJson(d).request.payload;
    // A redelivery keeps the original GUID (X-GitHub-Delivery) and is re-signed with the hook's current secret.
    track(r.ctx, deliver(r.ctx, h, d.event, payload, { guid: d.guid, redelivery: true, action: d.action }));
    sendJson(r.res, 202, {});
  });
}

