import type { SandboxContext } from "../context";
import { isoSeconds } from "./ecr-job";
import { commitChanges, isAncestor, logCommits, readCommit, ZERO_SHA, type CommitInfo } from "./git";
import { dispatchEvent } from "./hooks";
import { fullRepoJson, repoDir, type Repo } from "./repos";
import { triggerRun } from "./runner";
import { findUser, type SandboxUser } from "./users";
import { payloadParts } from "./payload-parts";

export { payloadParts };
import { listWorkflows, syncWorkflows, workflowTriggersAt } from "./workflows";
import { pushTriggers } from "./workflow-triggers";

/** GitHub caps the commits listed in one push payload. */
const MAX_PAYLOAD_COMMITS = 2048;

export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}

/** Which refs a push changed, from snapshots taken before and after receive-pack. */
export function diffRefs(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const ref of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(ref) ?? ZERO_SHA;
    const a = after.get(ref) ?? ZERO_SHA;
    if (a !== b) updates.push({ ref, before: b, after: a });
  }
  return updates.sort((x, y) => x.ref.localeCompare(y.ref));
}

function userByEmail(ctx: SandboxContext, email: string): SandboxUser | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_users WHERE email = ? COLLATE NOCASE`).get(email) as SandboxUser | undefined;
}

function pushCommitJson(ctx: SandboxContext, repo: Repo, c: CommitInfo) {
  const changes = commitChanges(repoDir(ctx, repo), c.sha);
  const person = (p: CommitInfo["author"]) => {
    const u = userByEmail(ctx, p.email);
    return { name: p.name, email: p.email, ...(u ? { username: u.login } : {}) };
  };
  return {
    id: c.sha,
    tree_id: c.tree,
    distinct: true,
    message: c.message,
    timestamp: c.author.date,
    url: `${ctx.baseUrl()}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    author: person(c.author),
    committer: person(c.committer),
    added: changes.filter((f) => f.status === "added").map((f) => f.filename),
    removed: changes.filter((f) => f.status === "removed").map((f) => f.filename),
    modified: changes.filter((f) => f.status === "modified").map((f) => f.filename),
  };
}

/** The `repository` object of a push payload: like the REST one, but with Unix timestamps and the push-only fields. */
export function pushRepositoryJson(ctx: SandboxContext, repo: Repo, login: string) {
  const full = fullRepoJson(ctx, repo, login);
  const owner = findUser(ctx.db, repo.owner)!;
  const { permissions: _p, organization: _o, ...rest } = full as typeof full & { organization?: unknown };
  return {
    ...rest,
    owner: { name: owner.login, email: owner.email, ...full.owner },
    url: full.html_url,
    created_at: Math.floor(Date.parse(repo.created_at) / 1000),
    pushed_at: Math.floor(Date.parse(repo.pushed_at) / 1000),
    stargazers: 0,
    master_branch: repo.default_branch,
    ...(owner.type === "Organization" ? { organization: owner.login } : {}),
  };
}


/** GitHub's `push` webhook payload for one updated ref. */
export function pushPayload(ctx: SandboxContext, repo: Repo, login: string, u: RefUpdate, refsBefore: Map<string, string>) {
  const dir = repoDir(ctx, repo);
  const created = u.before === ZERO_SHA;
  const deleted = u.after === ZERO_SHA;
  let commits: CommitInfo[] = [];
  let baseRef: string | null = null;
  if (!deleted) {
    // New commits: reachable from `after` but from no ref as it was before the push.
    const others = [...refsBefore.entries()].filter(([ref]) => ref !== u.ref).map(([, sha]) => sha);
    const not = created ? others : [u.before];
    commits = logCommits(dir, { from: [u.after], not, max: MAX_PAYLOAD_COMMITS }).reverse();
    if (created) baseRef = [...refsBefore.entries()].find(([ref, sha]) => ref !== u.ref && sha === u.after)?.[0] ?? null;
  }
  const forced = !created && !deleted && !isAncestor(dir, u.before, u.after);
  const head = deleted ? null : readCommit(dir, u.after);
  const pusher = findUser(ctx.db, login);
  const owner = findUser(ctx.db, repo.owner);
  const web = `${ctx.baseUrl()}/${repo.owner}/${repo.name}`;
  const short = (s: string) => s.slice(0, 12);
  const branch = u.ref.replace(/^refs\/(heads|tags)\//, "");
  const { sender } = payloadParts(ctx, repo, login);
  const repository = pushRepositoryJson(ctx, repo, login);
  const api = `${ctx.baseUrl()}/api/v3`;
  return {
    ref: u.ref,
    before: u.before,
    after: u.after,
    repository,
    pusher: { name: login, email: pusher?.email ?? null },
    ...(owner?.type === "Organization"
      ? {
          organization: {
            login: owner.login,
            id: owner.id,
            node_id: Buffer.from(`04:Organization${owner.id}`).toString("base64"),
            url: `${api}/orgs/${owner.login}`,
            repos_url: `${api}/orgs/${owner.login}/repos`,
            events_url: `${api}/orgs/${owner.login}/events`,
            hooks_url: `${api}/orgs/${owner.login}/hooks`,
            issues_url: `${api}/orgs/${owner.login}/issues`,
            members_url: `${api}/orgs/${owner.login}/members{/member}`,
            public_members_url: `${api}/orgs/${owner.login}/public_members{/member}`,
            avatar_url: `${ctx.baseUrl()}/avatars/u/${owner.id}`,
            description: null,
          },
        }
      : {}),
    sender,
    created,
    deleted,
    forced,
    base_ref: baseRef,
    compare: created ? `${web}/compare/${encodeURIComponent(branch)}` : `${web}/compare/${short(u.before)}...${short(u.after)}`,
    commits: commits.map((c) => pushCommitJson(ctx, repo, c)),
    head_commit: head ? pushCommitJson(ctx, repo, head) : null,
  };
}

/**
 * What GitHub does after a push: bump pushed_at, deliver one `push` event per updated ref to the hooks,
 * pick up workflow files on the default branch, and start the workflows whose `on: push` matches.
 */
export function afterPush(ctx: SandboxContext, repo: Repo, login: string, refsBefore: Map<string, string>, updates: RefUpdate[]): void {
  if (updates.length === 0) return;
  const now = isoSeconds(ctx.now());
  ctx.db.prepare(`UPDATE gh_repos SET pushed_at = ?, updated_at = ? WHERE id = ?`).run(now, now, repo.id);
  const fresh = { ...repo, pushed_at: now, updated_at: now };
  for (const u of updates) {
    dispatchEvent(ctx, repo.id, "push", pushPayload(ctx, fresh, login, u, refsBefore));
    if (u.after === ZERO_SHA || !u.ref.startsWith("refs/heads/")) continue;
    const branch = u.ref.slice("refs/heads/".length);
    if (branch === repo.default_branch) syncWorkflows(ctx, fresh, u.after);
    const commit = readCommit(repoDir(ctx, repo), u.after);
    if (!commit) continue;
    for (const w of listWorkflows(ctx, repo.id)) {
      const t = workflowTriggersAt(ctx, fresh, w, u.after);
      if (t && pushTriggers(t, branch)) triggerRun(ctx, { repo: fresh, workflow: w, event: "push", branch, commit, actor: login });
    }
  }
}

