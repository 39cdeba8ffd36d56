import path from "node:path";
import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { ghError } from "./errors";
import type { ApiRequest } from "./router";
import { findUser, userJson } from "./users";

export interface Repo {
  id: number;
  owner: string;
  name: string;
  private: number;
  description: string | null;
  default_branch: string;
  created_at: string;
  updated_at: string;
  pushed_at: string;
}

export type Permission = "read" | "write" | "admin";
const RANK: Record<Permission, number> = { read: 1, write: 2, admin: 3 };

export function findRepo(ctx: SandboxContext, owner: string, name: string): Repo | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_repos WHERE owner = ? AND name = ?`).get(owner, name) as Repo | undefined;
}

export function findRepoById(ctx: SandboxContext, id: number): Repo | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_repos WHERE id = ?`).get(id) as Repo | undefined;
}

/** Bare git repository on disk; served by git http-backend under GIT_PROJECT_ROOT = gitRoot(ctx). */
export function gitRoot(ctx: SandboxContext): string {
  return path.join(ctx.root, "github", "git");
}

export function repoDir(ctx: SandboxContext, repo: Pick<Repo, "owner" | "name">): string {
  return path.join(gitRoot(ctx), repo.owner.toLowerCase(), `${repo.name.toLowerCase()}.git`);
}

export function permissionOf(ctx: SandboxContext, repo: Repo, login: string): Permission | null {
  const row = ctx.db.prepare(`SELECT permission FROM gh_repo_perms WHERE repo_id = ? AND login = ?`).get(repo.id, login) as
    | { permission: Permission }
    | undefined;
  if (row) return row.permission;
  return repo.private ? null : "read";
}

export function hasPermission(ctx: SandboxContext, repo: Repo, login: string, need: Permission): boolean {
  const p = permissionOf(ctx, repo, login);
  return p !== null && RANK[p] >= RANK[need];
}

/**
 * Resolve {owner}/{repo} for the caller, answering as GitHub does when it can't: 404 when the caller can't
 * see the repository (private repos are invisible, also to OAuth tokens without the `repo` scope), 403 when
 * they can see it but lack the permission the operation needs (or 404 when `hidden` — e.g. hooks are
 * invisible to non-admins). Returns undefined after sending the error.
 */
export function repoFor(r: ApiRequest, need: Permission, opts: { forbidden?: string; hidden?: boolean } = {}): Repo | undefined {
  const repo = findRepo(r.ctx, r.params.owner, r.params.repo);
  const scoped = r.isAdminToken || !repo?.private || r.scopes.includes("repo");
  if (!repo || !scoped || !hasPermission(r.ctx, repo, r.login, "read")) {
    ghError(r.res, 404, "Not Found");
    return undefined;
  }
  if (!hasPermission(r.ctx, repo, r.login, need)) {
    if (opts.hidden) ghError(r.res, 404, "Not Found");
    else ghError(r.res, 403, opts.forbidden ?? (need === "admin" ? "Must have admin rights to Repository." : "Must have push access to repository."));
    return undefined;
  }
  return repo;
}

export function ownerJson(ctx: SandboxContext, repo: Repo) {
  const u = findUser(ctx.db, repo.owner);
  if (!u) throw new Error(`owner ${repo.owner} missing`);
  return userJson(u, ctx.baseUrl());
}

/** GitHub's `minimal-repository` shape. */
export function minimalRepoJson(ctx: SandboxContext, repo: Repo) {
  const web = ctx.baseUrl();
  const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: full,
    private: Boolean(repo.private),
    owner: ownerJson(ctx, repo),
    html_url: `${web}/${full}`,
    description: repo.description,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  };
}

/** GitHub's `full-repository` shape, with the caller's permissions. */
export function fullRepoJson(ctx: SandboxContext, repo: Repo, login: string) {
  const web = ctx.baseUrl();
  const full = `${repo.owner}/${repo.name}`;
  const p = permissionOf(ctx, repo, login);
  const rank = p ? RANK[p] : 0;
  const org = findUser(ctx.db, repo.owner);
  return {
    ...minimalRepoJson(ctx, repo),
    git_url: `${web.replace(/^https?:/, "git:")}/${full}.git`,
    ssh_url: `git@${new URL(web).host}:${full}.git`,
    clone_url: `${web}/${full}.git`,
    svn_url: `${web}/${full}`,
    mirror_url: null,
    homepage: null,
    language: "Dockerfile",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 12,
    default_branch: repo.default_branch,
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? "private" : "public",
    pushed_at: repo.pushed_at,
    created_at: repo.created_at,
    updated_at: repo.updated_at,
    permissions: { admin: rank >= 3, maintain: rank >= 3, push: rank >= 2, triage: rank >= 2, pull: rank >= 1 },
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    subscribers_count: 3,
    network_count: 0,
    ...(org?.type === "Organization" ? { organization: userJson(org, web) } : {}),
  };
}

export function registerRepoRoutes(router: import("./router").Router): void {
  router.add("GET", "/repos/{owner}/{repo}", (r) => {
    const repo = repoFor(r, "read");
    if (repo) sendJson(r.res, 200, fullRepoJson(r.ctx, repo, r.login));
  });
}
