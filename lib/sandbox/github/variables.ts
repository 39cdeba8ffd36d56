import { readBody, sendJson } from "../http-util";
import type { SandboxContext } from "../context";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { paginate } from "./pagination";
import { repoFor } from "./repos";
import type { Router } from "./router";
import { invalidActionsName } from "./secrets";

interface VariableRow {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

export function setVariable(ctx: SandboxContext, repoId: number, name: string, value: string, at = ctx.now().toISOString()): void {
  ctx.db
    .prepare(
      `INSERT INTO gh_variables (repo_id, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    )
    .run(repoId, name.toUpperCase(), value, at, at);
}

export function readVariable(ctx: SandboxContext, repoId: number, name: string): VariableRow | undefined {
  return ctx.db.prepare(`SELECT name, value, created_at, updated_at FROM gh_variables WHERE repo_id = ? AND name = ?`).get(repoId, name) as VariableRow | undefined;
}

const forbidden = "Must have admin rights to Repository.";

export function registerVariableRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/variables", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const rows = r.ctx.db.prepare(`SELECT name, value, created_at, updated_at FROM gh_variables WHERE repo_id = ? ORDER BY name`).all(repo.id) as VariableRow[];
    // GitHub lists variables 10 per page unless asked otherwise, and at most 30.
    const page = paginate(r, rows, 10, 30);
    sendJson(r.res, 200, { total_count: rows.length, variables: page.items }, page.headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/variables/{name}", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const v = readVariable(r.ctx, repo.id, r.params.name);
    if (!v) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, v);
  });

  router.add("POST", "/repos/{owner}/{repo}/actions/variables", async (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const { name, value } = body;
    if (typeof name !== "string" || name === "") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "missing_field" }]);
    if (typeof value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "missing_field" }]);
    const bad = invalidActionsName(name);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    if (readVariable(r.ctx, repo.id, name)) {
      return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "already_exists", message: "Already exists - Variable already exists" }]);
    }
    setVariable(r.ctx, repo.id, name, value);
    sendJson(r.res, 201, {});
  });

  router.add("PATCH", "/repos/{owner}/{repo}/actions/variables/{name}", async (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const existing = readVariable(r.ctx, repo.id, r.params.name);
    if (!existing) return ghError(r.res, 404, "Not Found");
    const newName = typeof body.name === "string" && body.name !== "" ? body.name : existing.name;
    const bad = invalidActionsName(newName);
    if (bad) return validationFailed(r.res, [{ resource: "ActionsVariable", field: "name", code: "invalid", message: `Variable names ${bad}.` }]);
    if (body.value !== undefined && typeof body.value !== "string") return validationFailed(r.res, [{ resource: "ActionsVariable", field: "value", code: "invalid" }]);
    const value = typeof body.value === "string" ? body.value : existing.value;
    const at = r.ctx.now().toISOString();
    r.ctx.db
      .prepare(`UPDATE gh_variables SET name = ?, value = ?, updated_at = ? WHERE repo_id = ? AND name = ?`)
      .run(newName.toUpperCase(), value, at, repo.id, existing.name);
    r.res.writeHead(204);
    r.res.end();
  });

  router.add("DELETE", "/repos/{owner}/{repo}/actions/variables/{name}", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const info = r.ctx.db.prepare(`DELETE FROM gh_variables WHERE repo_id = ? AND name = ?`).run(repo.id, r.params.name);
    if (info.changes === 0) return ghError(r.res, 404, "Not Found");
    r.res.writeHead(204);
    r.res.end();
  });
}
