import { readBody, sendJson } from "../http-util";
import type { SandboxContext } from "../context";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { paginate } from "./pagination";
import { repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import { deleteScoped, ensureScopeKey, envScope, findEnvironment, listScoped, openForScope, readScoped, renameScoped, storeScoped, type EnvironmentRow } from "./scoped-store";
import { acceptSealed, answerStored, invalidActionsName } from "./secrets";
import { findUser, userJson } from "./users";

/**
 * Deployment environments of a repository (GitHub REST "Deployment environments") with their own Actions secrets
 * and variables ("Actions secrets/variables", environment level, each environment its own public key). Reading
 * environments needs read access; creating, updating or deleting them and anything about their secrets and
 * variables needs admin on the repository ("Must have admin rights to Repository.").
 */

const forbidden = "Must have admin rights to Repository.";
const isoNow = (ctx: SandboxContext) => ctx.now().toISOString().replace(/\.\d{3}Z$/, "Z");

export async function createEnvironment(ctx: SandboxContext, repo: Repo, name: string, opts: { waitTimer?: number; reviewers?: string[]; at?: string } = {}): Promise<EnvironmentRow> {
  const at = opts.at ?? isoNow(ctx);
  ctx.db
    .prepare(`INSERT INTO gh_environments (repo_id, name, wait_timer, reviewers, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(repo.id, name, opts.waitTimer ?? 0, JSON.stringify(opts.reviewers ?? []), at, at);
  const env = findEnvironment(ctx, repo.id, name)!;
  await ensureScopeKey(ctx, envScope(env.id));
  return env;
}

function environmentJson(r: ApiRequest, repo: Repo, env: EnvironmentRow) {
  const web = r.ctx.baseUrl();
  const reviewers = JSON.parse(env.reviewers) as string[];
  const rules: unknown[] = [];
  if (env.wait_timer > 0) rules.push({ id: env.id * 10 + 1, node_id: Buffer.from(`04:Gate${env.id}1`).toString("base64"), type: "wait_timer", wait_timer: env.wait_timer });
  if (reviewers.length > 0) {
    rules.push({
      id: env.id * 10 + 2,
      node_id: Buffer.from(`04:Gate${env.id}2`).toString("base64"),
      type: "required_reviewers",
      prevent_self_review: false,
      reviewers: reviewers.map((login) => findUser(r.ctx.db, login)).filter((u) => u !== undefined).map((u) => ({ type: "User", reviewer: userJson(u, web) })),
    });
  }
  return {
    id: env.id,
    node_id: Buffer.from(`010:Environment${env.id}`).toString("base64"),
    name: env.name,
    url: `${web}/api/v3/repos/${repo.owner}/${repo.name}/environments/${encodeURIComponent(env.name)}`,
    html_url: `${web}/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
    created_at: env.created_at,
    updated_at: env.updated_at,
    protection_rules: rules,
    deployment_branch_policy: null,
  };
}

/** The repository (admin) and its environment, or undefined after answering 404/403. */
function envFor(r: ApiRequest): { repo: Repo; env: EnvironmentRow } | undefined {
  const repo = repoFor(r, "admin", { forbidden });
  if (!repo) return undefined;
  const env = findEnvironment(r.ctx, repo.id, r.params.environment_name);
  if (!env) {
    ghError(r.res, 404, "Not Found");
    return undefined;
  }
  return { repo, env };
}

const noContent = (r: ApiRequest) => {
  r.res.writeHead(204);
  r.res.end();
};

export function registerEnvironmentRoutes(router: Router): void {
  const base = "/repos/{owner}/{repo}/environments";
  router.add("GET", base, (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const envs = r.ctx.db.prepare(`SELECT * FROM gh_environments WHERE repo_id = ? ORDER BY name`).all(repo.id) as EnvironmentRow[];
    const page = paginate(r, envs);
    sendJson(r.res, 200, { total_count: envs.length, environments: page.items.map((e) => environmentJson(r, repo, e)) }, page.headers);
  });
  router.add("GET", `${base}/{environment_name}`, (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const env = findEnvironment(r.ctx, repo.id, r.params.environment_name);
    if (!env) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, environmentJson(r, repo, env));
  });
  router.add("PUT", `${base}/{environment_name}`, async (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const wait = body.wait_timer;
    if (wait !== undefined && (!Number.isInteger(wait) || (wait as number) < 0 || (wait as number) > 43_200)) {
      return ghError(r.res, 422, "Invalid wait_timer: must be an integer between 0 and 43200");
    }
    const reviewerLogins = Array.isArray(body.reviewers)
      ? (body.reviewers as Array<{ type?: string; id?: number }>).map((x) => (x.type === "User" ? r.ctx.db.prepare(`SELECT login FROM gh_users WHERE id = ?`).get(x.id ?? -1) : undefined) as { login: string } | undefined)
      : undefined;
    if (reviewerLogins?.some((x) => !x)) return ghError(r.res, 422, "Reviewers must be users or teams with read access to the repository");
    const existing = findEnvironment(r.ctx, repo.id, r.params.environment_name);
    const env = existing ?? (await createEnvironment(r.ctx, repo, r.params.environment_name));
    r.ctx.db
      .prepare(`UPDATE gh_environments SET wait_timer = ?, reviewers = ?, updated_at = ? WHERE id = ?`)
      .run(typeof wait === "number" ? wait : env.wait_timer, reviewerLogins ? JSON.stringify(reviewerLogins.map((x) => x!.login)) : env.reviewers, isoNow(r.ctx), env.id);
    sendJson(r.res, 200, environmentJson(r, repo, findEnvironment(r.ctx, repo.id, env.name)!));
  });
  router.add("DELETE", `${base}/{environment_name}`, (r) => {
    const found = envFor(r);
    if (!found) return;
    const scope = envScope(found.env.id);
    r.ctx.db.prepare(`DELETE FROM gh_scoped_secrets WHERE scope = ?`).run(scope);
    r.ctx.db.prepare(`DELETE FROM gh_scoped_variables WHERE scope = ?`).run(scope);
    r.ctx.db.prepare(`DELETE FROM gh_environments WHERE id = ?`).run(found.env.id);
    noContent(r);
  });

  const secrets = `${base}/{environment_name}/secrets`;
  router.add("GET", `${secrets}/public-key`, async (r) => {
    const found = envFor(r);
    if (!found) return;
    const k = await ensureScopeKey(r.ctx, envScope(found.env.id));
    sendJson(r.res, 200, { key_id: k.key_id, key: k.public_key });
  });
  router.add("GET", secrets, (r) => {
    const found = envFor(r);
    if (!found) return;
    const rows = listScoped(r.ctx, "secret", envScope(found.env.id));
    const page = paginate(r, rows);
    sendJson(r.res, 200, { total_count: rows.length, secrets: page.items.map((s) => ({ name: s.name, created_at: s.created_at, updated_at: s.updated_at })) }, page.headers);
  });
  router.add("GET", `${secrets}/{secret_name}`, (r) => {
    const found = envFor(r);
    if (!found) return;
    const s = readScoped(r.ctx, "secret", envScope(found.env.id), r.params.secret_name);
    if (!s) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, { name: s.name, created_at: s.created_at, updated_at: s.updated_at });
  });
  router.add("PUT", `${secrets}/{secret_name}`, async (r) => {
    const found = envFor(r);
    if (!found) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const key = await ensureScopeKey(r.ctx, envScope(found.env.id));
    const value = await acceptSealed(r, body, r.params.secret_name, key.key_id, (v) => openForScope(key, v), "this environment's");
    if (value === null) return;
    answerStored(r, storeScoped(r.ctx, "secret", envScope(found.env.id), r.params.secret_name, value));
  });
  router.add("DELETE", `${secrets}/{secret_name}`, (r) => {
    const found = envFor(r);
    if (!found) return;
    if (!deleteScoped(r.ctx, "secret", envScope(found.env.id), r.params.secret_name)) return ghError(r.res, 404, "Not Found");
    noContent(r);
  });

  const variables = `${base}/{environment_name}/variables`;
  const variableJson = (v: { name: string; value: string; created_at: string; updated_at: string }) => ({ name: v.name, value: v.value, created_at: v.created_at, updated_at: v.updated_at });
  router.add("GET", variables, (r) => {
    const found = envFor(r);
    if (!found) return;
    const rows = listScoped(r.ctx, "variable", envScope(found.env.id));
    const page = paginate(r, rows, 10, 30);
    sendJson(r.res, 200, { total_count: rows.length, variables: page.items.map(variableJson) }, page.headers);
  });
  router.add("GET", `${variables}/{name}`, (r) => {
    const found = envFor(r);
    if (!found) return;
    const v = readScoped(r.ctx, "variable", envScope(found.env.id), r.params.name);
    if (!v) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, variableJson(v));
  });
  router.add("POST", variables, async (r) => {
    const found = envFor(r);
    if (!found) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const { name, value } = body;
    if (typeof name !== "string" || name === "") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "missing_field" }]);
    if (typeof value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "missing_field" }]);
    const bad = invalidActionsName(name);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    const scope = envScope(found.env.id);
    if (readScoped(r.ctx, "variable", scope, name)) {
      return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "already_exists", message: "Already exists - Variable already exists" }]);
    }
    storeScoped(r.ctx, "variable", scope, name, value);
    sendJson(r.res, 201, {});
  });
  router.add("PATCH", `${variables}/{name}`, async (r) => {
    const found = envFor(r);
    if (!found) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const scope = envScope(found.env.id);
    const existing = readScoped(r.ctx, "variable", scope, r.params.name);
    if (!existing) return ghError(r.res, 404, "Not Found");
    const newName = typeof body.name === "string" && body.name !== "" ? body.name : existing.name;
    const bad = invalidActionsName(newName);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    if (body.value !== undefined && typeof body.value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "invalid" }]);
    if (newName.toUpperCase() !== existing.name.toUpperCase()) renameScoped(r.ctx, "variable", scope, existing.name, newName);
    storeScoped(r.ctx, "variable", scope, newName, typeof body.value === "string" ? body.value : existing.value);
    noContent(r);
  });
  router.add("DELETE", `${variables}/{name}`, (r) => {
    const found = envFor(r);
    if (!found) return;
    if (!deleteScoped(r.ctx, "variable", envScope(found.env.id), r.params.name)) return ghError(r.res, 404, "Not Found");
    noContent(r);
  });
}
