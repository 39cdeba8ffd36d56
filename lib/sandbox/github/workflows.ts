import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { ghError } from "./errors";
import { listFilesAt, readFileAt } from "./git";
import { paginate } from "./pagination";
import { repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import { parseTriggers, type Triggers } from "./workflow-triggers";

export interface WorkflowRow {
  id: number;
  repo_id: number;
  name: string;
  path: string;
  state: string;
  created_at: string;
  updated_at: string;
}

/** Register the workflow files found at `sha` (GitHub discovers them from the default branch and pushes). */
export function syncWorkflows(ctx: SandboxContext, repo: Repo, sha: string, at = ctx.now().toISOString()): void {
  const dir = repoDir(ctx, repo);
  for (const path of listFilesAt(dir, sha, ".github/workflows").filter((f) => /\.ya?ml$/.test(f))) {
    const text = readFileAt(dir, sha, path);
    if (text === null) continue;
    let name = path;
    try {
      name = parseTriggers(text).name ?? path;
    } catch {
      // GitHub lists a workflow with a broken file under its path
    }
    const existing = ctx.db.prepare(`SELECT id, name FROM gh_workflows WHERE repo_id = ? AND path = ?`).get(repo.id, path) as { id: number; name: string } | undefined;
    if (!existing) {
      const max = (ctx.db.prepare(`SELECT max(id) AS m FROM gh_workflows`).get() as { m: number | null }).m;
      ctx.db
        .prepare(`INSERT INTO gh_workflows (id, repo_id, name, path, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)`)
        .run((max ?? 100_000_000) + 1, repo.id, name, path, at, at);
    } else if (existing.name !== name) {
      ctx.db.prepare(`UPDATE gh_workflows SET name = ?, updated_at = ? WHERE id = ?`).run(name, at, existing.id);
    }
  }
}

export function listWorkflows(ctx: SandboxContext, repoId: number): WorkflowRow[] {
  return ctx.db.prepare(`SELECT * FROM gh_workflows WHERE repo_id = ? ORDER BY id`).all(repoId) as WorkflowRow[];
}

/** {workflow_id} is the numeric id or the file name (e.g. "ecr.yml"). */
export function findWorkflow(ctx: SandboxContext, repoId: number, idOrFile: string): WorkflowRow | undefined {
  return listWorkflows(ctx, repoId).find((w) => String(w.id) === idOrFile || w.path.split("/").pop() === idOrFile);
}

export function workflowTriggersAt(ctx: SandboxContext, repo: Repo, w: WorkflowRow, sha: string): Triggers | null {
  const text = readFileAt(repoDir(ctx, repo), sha, w.path);
  if (text === null) return null;
  try {
    return parseTriggers(text).triggers;
  } catch {
    return null;
  }
}

export function workflowJson(ctx: SandboxContext, repo: Repo, w: WorkflowRow) {
  const web = ctx.baseUrl();
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: w.id,
    node_id: Buffer.from(`010:Workflow${w.id}`).toString("base64"),
    name: w.name,
    path: w.path,
    state: w.state,
    created_at: w.created_at,
    updated_at: w.updated_at,
    url: `${web}/api/v3/repos/${full}/actions/workflows/${w.id}`,
    html_url: `${web}/${full}/blob/${repo.default_branch}/${w.path}`,
    badge_url: `${web}/${full}/workflows/${encodeURIComponent(w.path.split("/").pop() ?? "")}/badge.svg`,
  };
}

export function workflowFor(r: ApiRequest, repo: Repo): WorkflowRow | undefined {
  const w = findWorkflow(r.ctx, repo.id, r.params.workflow_id);
  if (!w) ghError(r.res, 404, "Not Found");
  return w;
}

export function registerWorkflowRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/workflows", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const all = listWorkflows(r.ctx, repo.id);
    const page = paginate(r, all);
    sendJson(r.res, 200, { total_count: all.length, workflows: page.items.map((w) => workflowJson(r.ctx, repo, w)) }, page.headers);
  });
  router.add("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const w = workflowFor(r, repo);
    if (w) sendJson(r.res, 200, workflowJson(r.ctx, repo, w));
  });
}
