import { readBody, sendJson } from "../http-util";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { ORG_VARIABLES_FORBIDDEN, orgFor } from "./orgs";
import { paginate } from "./pagination";
import { findRepoById, minimalRepoJson, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import {
  addSelectedRepo,
  deleteScoped,
  ensureScopeKey,
  openForScope,
  orgRowsForRepo,
  orgScope,
  readScoped,
  removeSelectedRepo,
  renameScoped,
  selectedRepoIds,
  setSelectedRepos,
  storeScoped,
  type ScopeKind,
  type ScopedRow,
  type Visibility,
} from "./scoped-store";
import { acceptSealed, answerStored, invalidActionsName } from "./secrets";

/**
 * Organization secrets and variables (GitHub REST "Actions secrets" / "Actions variables", organization level):
 * `/orgs/{org}/actions/secrets[/public-key|/{secret_name}[/repositories[/{repository_id}]]]` and the same under
 * `variables` (`{name}`), plus what a repository sees of them: `/repos/{owner}/{repo}/actions/organization-secrets`
 * and `organization-variables`. Owners only (orgs.ts). A selection is kept only while the visibility is `selected`;
 * the repositories routes answer 409 otherwise, as GitHub does.
 */

const VISIBILITIES: Visibility[] = ["all", "private", "selected"];
const noContent = (r: ApiRequest) => {
  r.res.writeHead(204);
  r.res.end();
};

function orgRowJson(r: ApiRequest, kind: ScopeKind, row: ScopedRow) {
  const base = kind === "secret" ? { name: row.name } : { name: row.name, value: row.value };
  const url = `${r.ctx.baseUrl()}/api/v3/orgs/${r.params.org}/actions/${kind === "secret" ? "secrets" : "variables"}/${row.name}/repositories`;
  return { ...base, created_at: row.created_at, updated_at: row.updated_at, visibility: row.visibility ?? "all", ...(row.visibility === "selected" ? { selected_repositories_url: url } : {}) };
}

/** Repositories of the organization among `ids`; the ids that are not are returned in `unknown`. */
function orgRepos(r: ApiRequest, ids: unknown): { repos: Repo[]; invalid: boolean } {
  if (!Array.isArray(ids) || ids.some((id) => !Number.isInteger(id))) return { repos: [], invalid: true };
  const repos = (ids as number[]).map((id) => findRepoById(r.ctx, id));
  if (repos.some((repo) => !repo || repo.owner.toLowerCase() !== r.params.org.toLowerCase())) return { repos: [], invalid: true };
  return { repos: repos as Repo[], invalid: false };
}

function registerSelection(router: Router, kind: ScopeKind, base: string, param: "secret_name" | "name", forbidden?: string) {
  const rowOr404 = (r: ApiRequest) => {
    if (!orgFor(r, forbidden)) return undefined;
    const row = readScoped(r.ctx, kind, orgScope(r.params.org), r.params[param]);
    if (!row) ghError(r.res, 404, "Not Found");
    return row;
  };
  router.add("GET", `${base}/{${param}}/repositories`, (r) => {
    const row = rowOr404(r);
    if (!row) return;
    if (row.visibility !== "selected") return ghError(r.res, 409, "Conflict");
    const repos = selectedRepoIds(r.ctx, kind, orgScope(r.params.org), row.name).map((id) => findRepoById(r.ctx, id)).filter((x): x is Repo => Boolean(x));
    const page = paginate(r, repos);
    sendJson(r.res, 200, { total_count: repos.length, repositories: page.items.map((repo) => minimalRepoJson(r.ctx, repo)) }, page.headers);
  });
  router.add("PUT", `${base}/{${param}}/repositories`, async (r) => {
    const row = rowOr404(r);
    if (!row) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    if (row.visibility !== "selected") return ghError(r.res, 409, "Conflict");
    const { repos, invalid } = orgRepos(r, body.selected_repository_ids);
    if (invalid) return validationFailed(r.res, [{ resource: "Secret", field: "selected_repository_ids", code: "invalid" }]);
    setSelectedRepos(r.ctx, kind, orgScope(r.params.org), row.name, repos.map((x) => x.id));
    noContent(r);
  });
  router.add("PUT", `${base}/{${param}}/repositories/{repository_id}`, (r) => {
    const row = rowOr404(r);
    if (!row) return;
    if (row.visibility !== "selected") return ghError(r.res, 409, "Conflict");
    const { repos, invalid } = orgRepos(r, [Number(r.params.repository_id)]);
    if (invalid) return ghError(r.res, 404, "Not Found");
    addSelectedRepo(r.ctx, kind, orgScope(r.params.org), row.name, repos[0].id);
    noContent(r);
  });
  router.add("DELETE", `${base}/{${param}}/repositories/{repository_id}`, (r) => {
    const row = rowOr404(r);
    if (!row) return;
    if (row.visibility !== "selected") return ghError(r.res, 409, "Conflict");
    removeSelectedRepo(r.ctx, kind, orgScope(r.params.org), row.name, Number(r.params.repository_id));
    noContent(r);
  });
}

/** `visibility` and `selected_repository_ids` of a create/update body; sends the 422 and returns null when bad. */
function visibilityOf(r: ApiRequest, body: Record<string, unknown>, required: boolean, resource: string): { visibility: Visibility | null; repos: Repo[] | null } | null {
  const v = body.visibility;
  if (v === undefined && !required) {
    if (body.selected_repository_ids !== undefined) {
      validationFailed(r.res, [{ resource, field: "selected_repository_ids", code: "invalid" }]);
      return null;
    }
    return { visibility: null, repos: null };
  }
  if (typeof v !== "string" || !VISIBILITIES.includes(v as Visibility)) {
    validationFailed(r.res, [{ resource, field: "visibility", code: v === undefined ? "missing_field" : "invalid" }]);
    return null;
  }
  // Without ids an update keeps the selection (a new secret starts with none).
  if (body.selected_repository_ids === undefined) return { visibility: v as Visibility, repos: null };
  if (v !== "selected") {
    validationFailed(r.res, [{ resource, field: "selected_repository_ids", code: "invalid", message: "selected_repository_ids can only be set when visibility is selected" }]);
    return null;
  }
  const { repos, invalid } = orgRepos(r, body.selected_repository_ids);
  if (invalid) {
    validationFailed(r.res, [{ resource, field: "selected_repository_ids", code: "invalid" }]);
    return null;
  }
  return { visibility: "selected", repos };
}

/** Keep the stored selection in step with a new visibility (cleared unless selected; replaced when given). */
function applySelection(r: ApiRequest, kind: ScopeKind, name: string, vis: { visibility: Visibility | null; repos: Repo[] | null }) {
  const scope = orgScope(r.params.org);
  if (vis.visibility !== null && vis.visibility !== "selected") setSelectedRepos(r.ctx, kind, scope, name, []);
  else if (vis.repos) setSelectedRepos(r.ctx, kind, scope, name, vis.repos.map((x) => x.id));
}

export function registerOrgSecretRoutes(router: Router): void {
  const secrets = "/orgs/{org}/actions/secrets";
  router.add("GET", `${secrets}/public-key`, async (r) => {
    if (!orgFor(r)) return;
    const k = await ensureScopeKey(r.ctx, orgScope(r.params.org));
    sendJson(r.res, 200, { key_id: k.key_id, key: k.public_key });
  });
  router.add("GET", secrets, (r) => {
    if (!orgFor(r)) return;
    const rows = r.ctx.db.prepare(`SELECT name, value, visibility, created_at, updated_at FROM gh_scoped_secrets WHERE scope = ? ORDER BY name`).all(orgScope(r.params.org)) as ScopedRow[];
    const page = paginate(r, rows);
    sendJson(r.res, 200, { total_count: rows.length, secrets: page.items.map((row) => orgRowJson(r, "secret", row)) }, page.headers);
  });
  registerSelection(router, "secret", secrets, "secret_name");
  router.add("GET", `${secrets}/{secret_name}`, (r) => {
    if (!orgFor(r)) return;
    const row = readScoped(r.ctx, "secret", orgScope(r.params.org), r.params.secret_name);
    if (!row) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, orgRowJson(r, "secret", row));
  });
  router.add("PUT", `${secrets}/{secret_name}`, async (r) => {
    if (!orgFor(r)) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const scope = orgScope(r.params.org);
    const name = r.params.secret_name;
    const existing = readScoped(r.ctx, "secret", scope, name);
    // GitHub requires visibility on every write (create or update), even when the value alone changes.
    const vis = visibilityOf(r, body, true, "Secret");
    if (!vis) return;
    const key = await ensureScopeKey(r.ctx, scope);
    const value = await acceptSealed(r, body, name, key.key_id, (v) => openForScope(key, v), "this organization's");
    if (value === null) return;
    const outcome = storeScoped(r.ctx, "secret", scope, existing?.name ?? name, value, vis.visibility);
    applySelection(r, "secret", existing?.name ?? name.toUpperCase(), vis);
    answerStored(r, outcome);
  });
  router.add("DELETE", `${secrets}/{secret_name}`, (r) => {
    if (!orgFor(r)) return;
    if (!deleteScoped(r.ctx, "secret", orgScope(r.params.org), r.params.secret_name)) return ghError(r.res, 404, "Not Found");
    noContent(r);
  });

  const variables = "/orgs/{org}/actions/variables";
  router.add("GET", variables, (r) => {
    if (!orgFor(r, ORG_VARIABLES_FORBIDDEN)) return;
    const rows = r.ctx.db.prepare(`SELECT name, value, visibility, created_at, updated_at FROM gh_scoped_variables WHERE scope = ? ORDER BY name`).all(orgScope(r.params.org)) as ScopedRow[];
    // As for repositories: 10 per page unless asked, at most 30.
    const page = paginate(r, rows, 10, 30);
    sendJson(r.res, 200, { total_count: rows.length, variables: page.items.map((row) => orgRowJson(r, "variable", row)) }, page.headers);
  });
  registerSelection(router, "variable", variables, "name", ORG_VARIABLES_FORBIDDEN);
  router.add("GET", `${variables}/{name}`, (r) => {
    if (!orgFor(r, ORG_VARIABLES_FORBIDDEN)) return;
    const row = readScoped(r.ctx, "variable", orgScope(r.params.org), r.params.name);
    if (!row) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, orgRowJson(r, "variable", row));
  });
  router.add("POST", variables, async (r) => {
    if (!orgFor(r, ORG_VARIABLES_FORBIDDEN)) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const { name, value } = body;
    if (typeof name !== "string" || name === "") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "missing_field" }]);
    if (typeof value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "missing_field" }]);
    const bad = invalidActionsName(name);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    const vis = visibilityOf(r, body, true, "ActionsVariable");
    if (!vis) return;
    const scope = orgScope(r.params.org);
    if (readScoped(r.ctx, "variable", scope, name)) {
      return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "already_exists", message: "Already exists - Variable already exists" }]);
    }
    storeScoped(r.ctx, "variable", scope, name, value, vis.visibility);
    applySelection(r, "variable", name.toUpperCase(), vis);
    sendJson(r.res, 201, {});
  });
  router.add("PATCH", `${variables}/{name}`, async (r) => {
    if (!orgFor(r, ORG_VARIABLES_FORBIDDEN)) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const scope = orgScope(r.params.org);
    const existing = readScoped(r.ctx, "variable", scope, r.params.name);
    if (!existing) return ghError(r.res, 404, "Not Found");
    const vis = visibilityOf(r, body, false, "ActionsVariable");
    if (!vis) return;
    const newName = typeof body.name === "string" && body.name !== "" ? body.name : existing.name;
    const bad = invalidActionsName(newName);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    if (body.value !== undefined && typeof body.value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "invalid" }]);
    if (newName.toUpperCase() !== existing.name.toUpperCase()) renameScoped(r.ctx, "variable", scope, existing.name, newName);
    storeScoped(r.ctx, "variable", scope, newName, typeof body.value === "string" ? body.value : existing.value, vis.visibility);
    applySelection(r, "variable", newName.toUpperCase(), vis);
    noContent(r);
  });
  router.add("DELETE", `${variables}/{name}`, (r) => {
    if (!orgFor(r, ORG_VARIABLES_FORBIDDEN)) return;
    if (!deleteScoped(r.ctx, "variable", orgScope(r.params.org), r.params.name)) return ghError(r.res, 404, "Not Found");
    noContent(r);
  });

  // What one repository is given by its organization (names and dates; variables with their values).
  const forbidden = "Must have admin rights to Repository.";
  router.add("GET", "/repos/{owner}/{repo}/actions/organization-secrets", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const rows = orgRowsForRepo(r.ctx, "secret", repo);
    const page = paginate(r, rows);
    sendJson(r.res, 200, { total_count: rows.length, secrets: page.items.map((s) => ({ name: s.name, created_at: s.created_at, updated_at: s.updated_at })) }, page.headers);
  });
  router.add("GET", "/repos/{owner}/{repo}/actions/organization-variables", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const rows = orgRowsForRepo(r.ctx, "variable", repo);
    const page = paginate(r, rows, 10, 30);
    sendJson(r.res, 200, { total_count: rows.length, variables: page.items.map((v) => ({ name: v.name, value: v.value, created_at: v.created_at, updated_at: v.updated_at })) }, page.headers);
  });
}
