import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { ghError, validationFailed } from "./errors";
import { commitChanges, countCommits, logCommits, readCommit, resolveRef, type CommitInfo } from "./git";
import { linkHeader, pageOf } from "./pagination";
import { repoDir, repoFor, type Repo } from "./repos";
import type { Router } from "./router";
import { userJson, type SandboxUser } from "./users";

function userByEmail(ctx: SandboxContext, email: string) {
  const u = ctx.db.prepare(`SELECT * FROM gh_users WHERE email = ? COLLATE NOCASE`).get(email) as SandboxUser | undefined;
  return u ? userJson(u, ctx.baseUrl()) : null;
}

/** GitHub's `commit` shape (files and stats only for a single commit). */
export function commitJson(ctx: SandboxContext, repo: Repo, c: CommitInfo, withFiles = false) {
  const web = ctx.baseUrl();
  const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
  const html = `${web}/${repo.owner}/${repo.name}`;
  const base = {
    sha: c.sha,
    node_id: Buffer.from(`04:Commit${repo.id}:${c.sha}`).toString("base64"),
    commit: {
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      url: `${api}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    url: `${api}/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    author: userByEmail(ctx, c.author.email),
    committer: userByEmail(ctx, c.committer.email),
    parents: c.parents.map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${html}/commit/${p}` })),
  };
  if (!withFiles) return base;
  const files = commitChanges(repoDir(ctx, repo), c.sha).map((f) => ({
    sha: null,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${html}/blob/${c.sha}/${f.filename}`,
    raw_url: `${html}/raw/${c.sha}/${f.filename}`,
    contents_url: `${api}/contents/${f.filename}?ref=${c.sha}`,
  }));
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { ...base, stats: { total: additions + deletions, additions, deletions }, files };
}

function isoParam(v: string | null): string | undefined | false {
  if (v === null || v === "") return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? false : d.toISOString();
}

export function registerCommitRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/commits", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const q = r.url.searchParams;
    const ref = q.get("sha") || repo.default_branch;
    const from = resolveRef(dir, ref);
    if (!from) return ghError(r.res, 404, `No commit found for SHA: ${ref}`);
    const since = isoParam(q.get("since"));
    const until = isoParam(q.get("until"));
    if (since === false || until === false) {
      return validationFailed(r.res, [{ resource: "Commit", field: since === false ? "since" : "until", code: "invalid" }]);
    }
    const p = pageOf(r);
    const path = q.get("path") || undefined;
    // GitHub's `author` is a login or an email address.
    const authorParam = q.get("author");
    const author = authorParam ? (authorParam.includes("@") ? authorParam : r.ctx.db.prepare(`SELECT email FROM gh_users WHERE login = ?`).pluck().get(authorParam) as string | undefined) ?? `<unknown:${authorParam}>` : undefined;
    const total = countCommits(dir, { from: [from], since, until, path, author });
    const commits = logCommits(dir, { from: [from], skip: p.offset, max: p.perPage, since, until, path, author });
    sendJson(r.res, 200, commits.map((c) => commitJson(r.ctx, repo, c)), linkHeader(r, p, total));
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const sha = resolveRef(dir, r.params.ref);
    if (!sha) return validationFailed(r.res, [], `No commit found for SHA: ${r.params.ref}`);
    const c = readCommit(dir, sha);
    if (!c) return ghError(r.res, 404, `No commit found for SHA: ${r.params.ref}`);
    sendJson(r.res, 200, commitJson(r.ctx, repo, c, true));
  });
}
