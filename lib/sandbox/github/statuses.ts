import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { isoSeconds } from "./ecr-job";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { resolveRef } from "./git";
import { linkHeader, pageOf, paginate } from "./pagination";
import { minimalRepoJson, repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import { findUser, userJson } from "./users";

interface StatusRow {
  id: number;
  repo_id: number;
  sha: string;
  state: string;
  target_url: string | null;
  description: string | null;
  context: string;
  creator: string;
  created_at: string;
  updated_at: string;
}

const STATES = new Set(["error", "failure", "pending", "success"]);

function statusJson(ctx: SandboxContext, repo: Repo, s: StatusRow) {
  const creator = findUser(ctx.db, s.creator);
  const creatorJson = creator ? userJson(creator, ctx.baseUrl()) : null;
  return {
    url: `${ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    avatar_url: creatorJson?.avatar_url ?? null,
    id: s.id,
    node_id: Buffer.from(`011:StatusContext${s.id}`).toString("base64"),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.created_at,
    updated_at: s.updated_at,
    creator: creatorJson,
  };
}

function statusesFor(r: ApiRequest, repo: Repo): { sha: string; rows: StatusRow[] } | undefined {
  const sha = resolveRef(repoDir(r.ctx, repo), r.params.ref);
  if (!sha) {
    ghError(r.res, 404, `No commit found for SHA: ${r.params.ref}`);
    return undefined;
  }
  const rows = r.ctx.db.prepare(`SELECT * FROM gh_statuses WHERE repo_id = ? AND sha = ? ORDER BY id DESC`).all(repo.id, sha) as StatusRow[];
  return { sha, rows };
}

export function registerStatusRoutes(router: Router): void {
  router.add("POST", "/repos/{owner}/{repo}/statuses/{sha}", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const sha = resolveRef(repoDir(r.ctx, repo), r.params.sha);
    if (!sha || !/^[0-9a-f]{40}$/.test(r.params.sha)) return validationFailed(r.res, [], `No commit found for SHA: ${r.params.sha}`);
    if (typeof body.state !== "string" || !STATES.has(body.state)) return validationFailed(r.res, [{ resource: "Status", field: "state", code: "custom", message: "state is not included in the list" }]);
    const context = typeof body.context === "string" && body.context ? body.context : "default";
    const description = typeof body.description === "string" ? body.description : null;
    if (description && description.length > 140) return validationFailed(r.res, [{ resource: "Status", field: "description", code: "custom", message: "description is too long (maximum is 140 characters)" }]);
    const targetUrl = typeof body.target_url === "string" && body.target_url ? body.target_url : null;
    const count = (r.ctx.db.prepare(`SELECT count(*) AS n FROM gh_statuses WHERE repo_id = ? AND sha = ? AND context = ?`).get(repo.id, sha, context) as { n: number }).n;
    if (count >= 1000) return validationFailed(r.res, [{ resource: "Status", code: "custom", message: "This SHA and context has reached the maximum number of statuses." }]);
    const at = isoSeconds(r.ctx.now());
    const info = r.ctx.db
      .prepare(`INSERT INTO gh_statuses (id, repo_id, sha, state, target_url, description, context, creator, created_at, updated_at) VALUES ((SELECT max(coalesce(max(id), 0), 36000000000) + 1 FROM gh_statuses), ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(repo.id, sha, body.state, targetUrl, description, context, r.login, at, at);
    const row = r.ctx.db.prepare(`SELECT * FROM gh_statuses WHERE rowid = ?`).get(info.lastInsertRowid) as StatusRow;
    sendJson(r.res, 201, statusJson(r.ctx, repo, row), { location: statusJson(r.ctx, repo, row).url });
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", (r) => {
    const repo = repoFor(r, "read");
    const found = repo && statusesFor(r, repo);
    if (!repo || !found) return;
    const page = paginate(r, found.rows);
    sendJson(r.res, 200, page.items.map((s) => statusJson(r.ctx, repo, s)), page.headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}/status", (r) => {
    const repo = repoFor(r, "read");
    const found = repo && statusesFor(r, repo);
    if (!repo || !found) return;
    const latest = new Map<string, StatusRow>();
    for (const s of found.rows) if (!latest.has(s.context)) latest.set(s.context, s);
    const all = [...latest.values()];
    const state = all.some((s) => s.state === "error" || s.state === "failure") ? "failure" : all.length === 0 || all.some((s) => s.state === "pending") ? "pending" : "success";
    const p = pageOf(r, 100);
    const api = `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
    sendJson(
      r.res,
      200,
      {
        state,
        statuses: all.slice(p.offset, p.offset + p.perPage).map((s) => {
          const { creator: _c, ...rest } = statusJson(r.ctx, repo, s);
          return rest;
        }),
        sha: found.sha,
        total_count: all.length,
        repository: minimalRepoJson(r.ctx, repo),
        commit_url: `${api}/commits/${found.sha}`,
        url: `${api}/commits/${found.sha}/status`,
      },
      linkHeader(r, p, all.length),
    );
  });
}
