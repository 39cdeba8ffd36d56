import type Database from "better-sqlite3";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { isoSeconds } from "./ecr-job";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { git, isAncestor, listRefs } from "./git";
import { commitTree, identityOf, mergeTree, updateRefAndNotify } from "./git-writes";
import { dispatchEvent } from "./hooks";
import { paginate } from "./pagination";
import { payloadParts } from "./payload-parts";
import { fullRepoJson, repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import { findUser, userJson } from "./users";

/**
 * Pull requests (GitHub REST "Pulls"), between branches of the same repository, over the real bare repository:
 * create, list, get, update (title/body/state/base), list files, merge (`merge` or `squash`: a real commit on
 * the base branch, with the push side effects). The head sha is the head branch's current commit while the pull
 * request is open (frozen when it closes or merges); `mergeable` is computed with `git merge-tree`.
 * Deliveries of the `pull_request` event (`opened`, `edited`, `closed`, `reopened`) go to hooks subscribed to it.
 */

export function migratePulls(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gh_pulls (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      number INTEGER NOT NULL,
      state TEXT NOT NULL,
      title TEXT NOT NULL,
      body TEXT,
      user_login TEXT NOT NULL,
      head_ref TEXT NOT NULL,
      head_sha TEXT NOT NULL,
      base_ref TEXT NOT NULL,
      base_sha TEXT NOT NULL,
      draft INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      closed_at TEXT,
      merged_at TEXT,
      merge_commit_sha TEXT,
      merged_by TEXT,
      UNIQUE (repo_id, number)
    );
  `);
}

export const PULL_TABLES = ["gh_pulls"];

interface PullRow {
  id: number;
  repo_id: number;
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  user_login: string;
  head_ref: string;
  head_sha: string;
  base_ref: string;
  base_sha: string;
  draft: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  merge_commit_sha: string | null;
  merged_by: string | null;
}

const PULL_ID_BASE = 1_900_000_000;

function branchSha(dir: string, branch: string): string | null {
  return listRefs(dir).get(`refs/heads/${branch}`) ?? null;
}

/** The row with live shas: an open pull request follows its branches. */
function live(ctx: SandboxContext, repo: Repo, p: PullRow): PullRow {
  if (p.state !== "open") return p;
  const dir = repoDir(ctx, repo);
  return { ...p, head_sha: branchSha(dir, p.head_ref) ?? p.head_sha, base_sha: branchSha(dir, p.base_ref) ?? p.base_sha };
}

function findPull(ctx: SandboxContext, repo: Repo, number: string): PullRow | undefined {
  if (!/^\d+$/.test(number)) return undefined;
  return ctx.db.prepare(`SELECT * FROM gh_pulls WHERE repo_id = ? AND number = ?`).get(repo.id, Number(number)) as PullRow | undefined;
}

function userOrGhost(ctx: SandboxContext, login: string) {
  const u = findUser(ctx.db, login);
  return u ? userJson(u, ctx.baseUrl()) : null;
}

function diffStats(dir: string, base: string, head: string) {
  let mergeBase = base;
  try {
    mergeBase = git(dir, ["merge-base", base, head]).trim();
  } catch {
    // unrelated histories: compare the trees directly
  }
  const numstat = git(dir, ["diff", "--numstat", "--no-renames", mergeBase, head]).trim();
  let additions = 0;
  let deletions = 0;
  const lines = numstat ? numstat.split("\n") : [];
  for (const l of lines) {
    const [a, d] = l.split("\t");
    additions += Number(a) || 0;
    deletions += Number(d) || 0;
  }
  const commits = Number(git(dir, ["rev-list", "--count", `${base}..${head}`]).trim());
  return { additions, deletions, changed_files: lines.length, commits, mergeBase };
}

/** GitHub's `pull-request` shape (`simple` for lists: without the diff counts and mergeability). */
function pullJson(ctx: SandboxContext, repo: Repo, row: PullRow, login: string, simple = false) {
  const p = live(ctx, repo, row);
  const web = ctx.baseUrl();
  const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
  const html = `${web}/${repo.owner}/${repo.name}/pull/${p.number}`;
  const repoJson = fullRepoJson(ctx, repo, login);
  const owner = repoJson.owner;
  const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: owner, repo: repoJson });
  const base = {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: Buffer.from(`011:PullRequest${p.id}`).toString("base64"),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${api}/pulls/${p.number}/commits`,
    review_comments_url: `${api}/pulls/${p.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.head_sha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userOrGhost(ctx, p.user_login),
    body: p.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.closed_at,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(p.head_ref, p.head_sha),
    base: side(p.base_ref, p.base_sha),
    _links: {
      self: { href: `${api}/pulls/${p.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${p.number}` },
      comments: { href: `${api}/issues/${p.number}/comments` },
      review_comments: { href: `${api}/pulls/${p.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${p.number}/commits` },
      statuses: { href: `${api}/statuses/${p.head_sha}` },
    },
    author_association: repo.owner === p.user_login ? "OWNER" : "MEMBER",
    auto_merge: null,
    draft: Boolean(p.draft),
  };
  if (simple) return base;
  const dir = repoDir(ctx, repo);
  const stats = diffStats(dir, p.base_sha, p.head_sha);
  const merged = p.merged_at !== null;
  const mergeable = p.state === "open" ? mergeTree(dir, p.base_sha, p.head_sha) !== null : null;
  return {
    ...base,
    merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: p.state !== "open" ? "unknown" : mergeable ? "clean" : "dirty",
    merged_by: p.merged_by ? userOrGhost(ctx, p.merged_by) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: stats.commits,
    additions: stats.additions,
    deletions: stats.deletions,
    changed_files: stats.changed_files,
  };
}

function notify(ctx: SandboxContext, repo: Repo, login: string, action: string, row: PullRow): void {
  const { repository, sender } = payloadParts(ctx, repo, login);
  dispatchEvent(ctx, repo.id, "pull_request", { action, number: row.number, pull_request: pullJson(ctx, repo, row, login), repository, sender });
}

/** `head` as GitHub takes it: `branch` or `owner:branch` (the same repository's owner only; no forks here). */
function headBranch(repo: Repo, head: string): string | null {
  const i = head.indexOf(":");
  if (i < 0) return head;
  return head.slice(0, i).toLowerCase() === repo.owner.toLowerCase() ? head.slice(i + 1) : null;
}

export function registerPullRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/pulls", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const q = r.url.searchParams;
    const state = q.get("state") ?? "open";
    let rows = r.ctx.db.prepare(`SELECT * FROM gh_pulls WHERE repo_id = ?`).all(repo.id) as PullRow[];
    if (state === "open" || state === "closed") rows = rows.filter((p) => p.state === state);
    const head = q.get("head");
    if (head) {
      const b = headBranch(repo, head);
      rows = rows.filter((p) => b !== null && p.head_ref === b);
    }
    const base = q.get("base");
    if (base) rows = rows.filter((p) => p.base_ref === base);
    const sort = q.get("sort") ?? "created";
    const key = (p: PullRow) => (sort === "updated" ? p.updated_at : p.created_at) + String(p.number).padStart(10, "0");
    rows.sort((a, b) => key(a).localeCompare(key(b)));
    if ((q.get("direction") ?? "desc") === "desc") rows.reverse();
    const page = paginate(r, rows);
    sendJson(r.res, 200, page.items.map((p) => pullJson(r.ctx, repo, p, r.login, true)), page.headers);
  });

  router.add("POST", "/repos/{owner}/{repo}/pulls", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const dir = repoDir(r.ctx, repo);
    if (typeof body.head !== "string") return ghError(r.res, 422, `Invalid request.\n\n"head" wasn't supplied.`);
    if (typeof body.base !== "string") return ghError(r.res, 422, `Invalid request.\n\n"base" wasn't supplied.`);
    if (typeof body.title !== "string" || body.title.trim() === "") {
      return validationFailed(r.res, [{ resource: "PullRequest", field: "title", code: "missing_field" }]);
    }
    const headRef = headBranch(repo, body.head);
    const headSha = headRef ? branchSha(dir, headRef) : null;
    const baseSha = branchSha(dir, body.base);
    if (!headSha) return validationFailed(r.res, [{ resource: "PullRequest", field: "head", code: "invalid" }]);
    if (!baseSha) return validationFailed(r.res, [{ resource: "PullRequest", field: "base", code: "invalid" }]);
    if (isAncestor(dir, headSha, baseSha)) {
      return validationFailed(r.res, [{ resource: "PullRequest", code: "custom", message: `No commits between ${body.base} and ${headRef}` }]);
    }
    const open = r.ctx.db.prepare(`SELECT number FROM gh_pulls WHERE repo_id = ? AND head_ref = ? AND base_ref = ? AND state = 'open'`).get(repo.id, headRef, body.base);
    if (open) {
      return validationFailed(r.res, [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${headRef}.` }]);
    }
    const now = isoSeconds(r.ctx.now());
    const number = ((r.ctx.db.prepare(`SELECT MAX(number) AS n FROM gh_pulls WHERE repo_id = ?`).get(repo.id) as { n: number | null }).n ?? 0) + 1;
    const id = ((r.ctx.db.prepare(`SELECT MAX(id) AS n FROM gh_pulls`).get() as { n: number | null }).n ?? PULL_ID_BASE) + 1;
    r.ctx.db
      .prepare(
        `INSERT INTO gh_pulls (id, repo_id, number, state, title, body, user_login, head_ref, head_sha, base_ref, base_sha, draft, created_at, updated_at)
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, repo.id, number, body.title, typeof body.body === "string" ? body.body : null, r.login, headRef, headSha, body.base, baseSha, body.draft === true ? 1 : 0, now, now);
    const row = findPull(r.ctx, repo, String(number))!;
    notify(r.ctx, repo, r.login, "opened", row);
    sendJson(r.res, 201, pullJson(r.ctx, repo, row, r.login), { location: `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/pulls/${number}` });
  });

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const row = findPull(r.ctx, repo, r.params.pull_number);
    if (!row) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, pullJson(r.ctx, repo, row, r.login));
  });

  router.add("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const row = findPull(r.ctx, repo, r.params.pull_number);
    if (!row) return ghError(r.res, 404, "Not Found");
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const dir = repoDir(r.ctx, repo);
    const now = isoSeconds(r.ctx.now());
    const next = live(r.ctx, repo, row);
    let action: string | null = null;
    if (typeof body.title === "string") next.title = body.title;
    if (typeof body.body === "string") next.body = body.body;
    if (typeof body.base === "string" && body.base !== row.base_ref) {
      const s = branchSha(dir, body.base);
      if (!s) return validationFailed(r.res, [{ resource: "PullRequest", field: "base", code: "invalid" }]);
      next.base_ref = body.base;
      next.base_sha = s;
    }
    if (typeof body.title === "string" || typeof body.body === "string" || body.base !== undefined) action = "edited";
    if (body.state !== undefined) {
      if (body.state !== "open" && body.state !== "closed") return validationFailed(r.res, [{ resource: "PullRequest", field: "state", code: "invalid" }]);
      if (body.state === "closed" && row.state === "open") {
        next.state = "closed";
        next.closed_at = now;
        action = "closed";
      } else if (body.state === "open" && row.state === "closed") {
        if (row.merged_at) return validationFailed(r.res, [{ resource: "PullRequest", code: "custom", message: "state cannot be changed. The pull request cannot be reopened because it was merged." }]);
        const head = branchSha(dir, row.head_ref);
        if (!head) return validationFailed(r.res, [{ resource: "PullRequest", code: "custom", message: "state cannot be changed. The head branch was deleted." }]);
        const dup = r.ctx.db.prepare(`SELECT number FROM gh_pulls WHERE repo_id = ? AND head_ref = ? AND base_ref = ? AND state = 'open'`).get(repo.id, row.head_ref, row.base_ref);
        if (dup) return validationFailed(r.res, [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${row.head_ref}.` }]);
        next.state = "open";
        next.closed_at = null;
        next.head_sha = head;
        action = "reopened";
      }
    }
    r.ctx.db
      .prepare(`UPDATE gh_pulls SET state = ?, title = ?, body = ?, base_ref = ?, base_sha = ?, head_sha = ?, closed_at = ?, updated_at = ? WHERE id = ?`)
      .run(next.state, next.title, next.body, next.base_ref, next.base_sha, next.head_sha, next.closed_at, now, row.id);
    const updated = findPull(r.ctx, repo, String(row.number))!;
    if (action) notify(r.ctx, repo, r.login, action, updated);
    sendJson(r.res, 200, pullJson(r.ctx, repo, updated, r.login));
  });

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const row = findPull(r.ctx, repo, r.params.pull_number);
    if (!row) return ghError(r.res, 404, "Not Found");
    const p = live(r.ctx, repo, row);
    const page = paginate(r, pullFiles(r, repo, p.base_sha, p.head_sha), 30, 100);
    sendJson(r.res, 200, page.items, page.headers);
  });

  router.add("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", async (r) => {
    await mergePull(r);
  });
}

/** The files a pull request changes, from the merge base to its head (GitHub's `diff-entry`, with `patch`). */
export function pullFiles(r: ApiRequest, repo: Repo, base: string, head: string) {
  const dir = repoDir(r.ctx, repo);
  const { mergeBase } = diffStats(dir, base, head);
  const web = r.ctx.baseUrl();
  const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
  const status = git(dir, ["diff", "--name-status", "--no-renames", mergeBase, head]).trim();
  const numstat = git(dir, ["diff", "--numstat", "--no-renames", mergeBase, head]).trim();
  const counts = new Map<string, [number, number]>();
  for (const line of numstat ? numstat.split("\n") : []) {
    const [a, d, f] = line.split("\t");
    counts.set(f, [Number(a) || 0, Number(d) || 0]);
  }
  return (status ? status.split("\n") : []).map((line) => {
    const [s, filename] = line.split("\t");
    const removed = s === "D";
    const [additions, deletions] = counts.get(filename) ?? [0, 0];
    const at = removed ? mergeBase : head;
    const sha = git(dir, ["rev-parse", `${at}:${filename}`]).trim();
    const patch = git(dir, ["diff", "--no-renames", mergeBase, head, "--", filename]).replace(/^[\s\S]*?(?=^@@)/m, "").replace(/\n$/, "");
    return {
      sha,
      filename,
      status: s === "A" ? "added" : removed ? "removed" : "modified",
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${web}/${repo.owner}/${repo.name}/blob/${at}/${filename}`,
      raw_url: `${web}/${repo.owner}/${repo.name}/raw/${at}/${filename}`,
      contents_url: `${api}/contents/${filename}?ref=${at}`,
      ...(patch ? { patch } : {}),
    };
  });
}

/**
 * `PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge` (`commit_title`, `commit_message`, `sha`, `merge_method`
 * `merge` | `squash`): 200 `{ sha, merged: true, message: "Pull Request successfully merged" }`; 405 `Pull Request
 * is not mergeable` (closed, merged, or conflicting); 409 `Head branch was modified. Review and try the merge
 * again.` when `sha` is not the head. The base branch moves like a push (webhooks, workflows on it).
 */
async function mergePull(r: ApiRequest): Promise<void> {
  const repo = repoFor(r, "write");
  if (!repo) return;
  const row = findPull(r.ctx, repo, r.params.pull_number);
  if (!row) return ghError(r.res, 404, "Not Found");
  const body = parseJsonBody(await readBody(r.req, 1 << 20));
  const method = body.merge_method ?? "merge";
  if (method !== "merge" && method !== "squash") {
    return validationFailed(r.res, [{ resource: "PullRequest", field: "merge_method", code: "invalid" }]);
  }
  const p = live(r.ctx, repo, row);
  const dir = repoDir(r.ctx, repo);
  if (p.state !== "open") return ghError(r.res, 405, "Pull Request is not mergeable");
  if (body.sha !== undefined && body.sha !== p.head_sha) return ghError(r.res, 409, "Head branch was modified. Review and try the merge again.");
  const tree = mergeTree(dir, p.base_sha, p.head_sha);
  if (!tree) return ghError(r.res, 405, "Pull Request is not mergeable");
  const me = identityOf(r.ctx, r.login);
  const title =
    typeof body.commit_title === "string" ? body.commit_title : method === "squash" ? `${p.title} (#${p.number})` : `Merge pull request #${p.number} from ${repo.owner}/${p.head_ref}`;
  const message = typeof body.commit_message === "string" ? body.commit_message : method === "squash" ? "" : p.title;
  const parents = method === "squash" ? [p.base_sha] : [p.base_sha, p.head_sha];
  const commit = commitTree(r.ctx, dir, { tree, parents, message: message ? `${title}\n\n${message}` : title, author: me, committer: me });
  if (!updateRefAndNotify(r.ctx, repo, r.login, `refs/heads/${p.base_ref}`, p.base_sha, commit)) {
    return ghError(r.res, 409, "Base branch was modified. Review and try the merge again.");
  }
  const now = isoSeconds(r.ctx.now());
  r.ctx.db
    .prepare(`UPDATE gh_pulls SET state = 'closed', head_sha = ?, base_sha = ?, closed_at = ?, merged_at = ?, merge_commit_sha = ?, merged_by = ?, updated_at = ? WHERE id = ?`)
    .run(p.head_sha, p.base_sha, now, now, commit, r.login, now, row.id);
  notify(r.ctx, repo, r.login, "closed", findPull(r.ctx, repo, String(row.number))!);
  sendJson(r.res, 200, { sha: commit, merged: true, message: "Pull Request successfully merged" });
}

