import fs from "node:fs";
import path from "node:path";
import type { SandboxContext, SeedContext } from "../context";
import { isoSeconds } from "./ecr-job";
import { git, logCommits, type CommitInfo } from "./git";
import { repoDir, type Repo } from "./repos";
import { completeJob, insertQueuedJob, insertRun } from "./runs-store";
import { composeServices } from "./runner";
import { createRepoKey, storeSecret } from "./secrets";
import { historicalJob, outcomeAt } from "./seed-history";
import { setVariable } from "./variables";
import { listWorkflows, syncWorkflows } from "./workflows";
import { SEEDED_USERS } from "./users";
import { seedOrgMembers } from "./orgs";
import { seedFineGrainedTokens } from "./fine-grained-tokens";
import { createEnvironment } from "./environments";
import { SANDBOX_FLEET_PUSH_USERS } from "../constants";
import { ensureScopeKey, envScope, orgScope, setSelectedRepos, storeScoped } from "./scoped-store";

export const SEED_REPO = { id: 812_345_670, owner: "acme", name: "mcp-servers" };
const FIXTURES = path.join(__dirname, "fixtures", "mcp-servers");
const DAY = 86_400_000;

/** Earlier contents of files that a later commit changes (the fixture holds the final version). */
const EARLY: Record<string, string> = {
  "README.md": "# mcp-servers\n\nTwo small MCP servers, pushed to AWS ECR by GitHub Actions.\n",
  "mcp-server-http/server.json": '{\n  "name": "mcp-server-http",\n  "transport": "streamable-http",\n  "listen": "0.0.0.0:3000",\n  "path": "/mcp"\n}\n',
};

/** The repository's history: which fixture files each commit brings (final content unless `early`), days ago. */
const HISTORY: Array<{ daysAgo: number; message: string; files: string[]; early?: string[] }> = [
  { daysAgo: 60, message: "Initial commit", files: ["README.md"], early: ["README.md"] },
  { daysAgo: 59, message: "Add mcp-server-tcp", files: ["mcp-server-tcp/Dockerfile", "mcp-server-tcp/server.json", "mcp-server-tcp/tools.json"] },
  { daysAgo: 58, message: "Add ECR build and push workflow", files: [".github/workflows/ecr.yml"] },
  { daysAgo: 50, message: "Add mcp-server-http", files: ["mcp-server-http/Dockerfile", "mcp-server-http/server.json", "mcp-server-http/tools.json"], early: ["mcp-server-http/server.json"] },
  { daysAgo: 45, message: "Add compose.yaml for both servers\n\nThe workflow builds every service with a build: context.", files: ["compose.yaml"] },
  { daysAgo: 20, message: "mcp-server-http: listen on 8080", files: ["mcp-server-http/server.json"] },
  { daysAgo: 3, message: "README: document offline builds", files: ["README.md"] },
];

/** Build the sample project's real git history (fixed dates relative to now) into a bare repository. */
export function buildRepoHistory(ctx: SandboxContext, repo: Repo, now: Date, edit: (file: string, content: string) => string = (_f, c) => c): CommitInfo[] {
  const bare = repoDir(ctx, repo);
  const work = path.join(ctx.root, "github", "tmp", `seed-${process.pid}-${Date.now()}`);
  fs.rmSync(bare, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const operator = SEEDED_USERS.find((u) => u.login === "octo-operator")!;
  try {
    git(work, ["init", "--quiet", "-b", "main"]);
    for (const [i, step] of HISTORY.entries()) {
      for (const f of step.files) {
        const target = path.join(work, f);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, edit(f, step.early?.includes(f) ? EARLY[f] : fs.readFileSync(path.join(FIXTURES, f), "utf8")));
      }
      // Commits land at a fixed hour of their day so every reset yields the same shape of history.
      const when = new Date(now.getTime() - step.daysAgo * DAY + (i % 3) * 3_600_000);
      when.setUTCHours(9 + i, 15, 0, 0);
      if (when > now) when.setTime(now.getTime() - 60_000);
      const date = when.toISOString();
      git(work, ["add", "-A"]);
      git(work, ["-c", "commit.gpgsign=false", "commit", "--quiet", "-m", step.message], {
        GIT_AUTHOR_NAME: operator.name,
        GIT_AUTHOR_EMAIL: operator.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: operator.name,
        GIT_COMMITTER_EMAIL: operator.email,
        GIT_COMMITTER_DATE: date,
      });
    }
    fs.mkdirSync(path.dirname(bare), { recursive: true });
    git(path.dirname(bare), ["clone", "--quiet", "--bare", work, bare]);
    git(bare, ["remote", "remove", "origin"]);
    git(bare, ["config", "http.receivepack", "true"]);
    // GitHub refuses to delete the default branch and keeps pushes atomic per ref; git's defaults match.
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return logCommits(bare, { from: ["main"] }).reverse();
}

/** When the AWS half's seeded push policy lost ecr:CompleteLayerUpload, and when the push key was last used. */
const DRIFT_DAYS_AGO = 9;
const LAST_RUN_DAYS_AGO = 2;

/** Insert `count` past runs; returns when the secrets were re-saved (just before the first good run after the bad-token ones). */
function seedRuns(ctx: SandboxContext, repo: Repo, commits: CommitInfo[], count: number, seed: SeedContext, now: Date): Date | null {
  const workflow = listWorkflows(ctx, repo.id)[0];
  if (!workflow) return null;
  const firstAt = new Date(workflow.created_at).getTime() + DAY / 2;
  const lastAt = now.getTime() - LAST_RUN_DAYS_AGO * DAY - 5 * 60_000;
  const driftAt = now.getTime() - DRIFT_DAYS_AGO * DAY;
  let lastBadToken: Date | null = null;
  let resavedAt: Date | null = null;
  const services = composeServices(fs.readFileSync(path.join(FIXTURES, "compose.yaml"), "utf8"));
  let lastHead = "";
  const insertAll = ctx.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = new Date(firstAt + ((lastAt - firstAt) * i) / Math.max(1, count - 1));
      const head = [...commits].reverse().find((c) => new Date(c.committer.date) <= at) ?? commits[0];
      // The first run after a commit is that commit's push; the others were started by hand.
      const event = head.sha !== lastHead ? "push" : "workflow_dispatch";
      lastHead = head.sha;
      const outcome = outcomeAt(i, count, at.getTime(), driftAt);
      if (outcome === "bad-token") lastBadToken = at;
      else if (lastBadToken && !resavedAt) resavedAt = new Date(at.getTime() - 10 * 60_000);
      const result = historicalJob(outcome, {
        repoFull: `${repo.owner}/${repo.name}`,
        sha: head.sha,
        region: seed.shared.region,
        accountId: seed.shared.accountId,
        services,
        seq: i,
      });
      const started = new Date(at.getTime() + 4_000 + (i % 7) * 1000);
      const ended = new Date(started.getTime() + (outcome === "success" ? 55_000 + (i % 11) * 4000 : 9_000 + (i % 5) * 1000));
      const run = insertRun(
        ctx,
        { repo, workflow, event, branch: "main", commit: head, actor: "octo-operator", createdAt: at },
        { status: "completed", conclusion: result.conclusion, startedAt: at, updatedAt: ended },
      );
      const job = insertQueuedJob(ctx, run, at);
      completeJob(ctx, job.id, result, started, ended, `GitHub Actions ${1000 + (i % 40)}`);
    }
  });
  insertAll();
  return resavedAt;
}

/** A private repository of acme with the sample project's history (the operator admin, the viewer reading). */
async function seedProject(
  ctx: SandboxContext,
  identity: { id: number; owner: string; name: string },
  description: string,
  edit?: (file: string, content: string) => string,
): Promise<{ repo: Repo; commits: CommitInfo[]; wfCommit: CommitInfo }> {
  const now = ctx.now();
  const created = isoSeconds(new Date(now.getTime() - 60 * DAY - 3_600_000));
  const repo: Repo = { ...identity, private: 1, description, default_branch: "main", created_at: created, updated_at: created, pushed_at: created };
  ctx.db
    .prepare(`INSERT INTO gh_repos (id, owner, name, private, description, default_branch, created_at, updated_at, pushed_at) VALUES (@id, @owner, @name, @private, @description, @default_branch, @created_at, @updated_at, @pushed_at)`)
    .run(repo);
  const perm = ctx.db.prepare(`INSERT INTO gh_repo_perms (repo_id, login, permission) VALUES (?, ?, ?)`);
  perm.run(repo.id, "octo-operator", "admin");
  perm.run(repo.id, "octo-viewer", "read");

  const commits = buildRepoHistory(ctx, repo, now, edit);
  const head = commits[commits.length - 1];
  const wfCommit = commits.find((c) => c.message.startsWith("Add ECR build"))!;
  syncWorkflows(ctx, repo, wfCommit.sha, isoSeconds(new Date(wfCommit.committer.date)));
  ctx.db.prepare(`UPDATE gh_repos SET pushed_at = ?, updated_at = ? WHERE id = ?`).run(isoSeconds(new Date(head.committer.date)), isoSeconds(new Date(head.committer.date)), repo.id);
  await createRepoKey(ctx, repo.id);
  return { repo, commits, wfCommit };
}

/** The other repositories of the `organization` scenario, sharing the push user's key with acme/mcp-servers. */
export const ORG_SCENARIO_REPOS = {
  /** Its ECR job runs in the `production` environment, whose secrets hold the key (shadowing the organization's). */
  webGateway: { id: 812_345_671, owner: "acme", name: "web-gateway" },
  /** Selected for the organization secrets, but a stale repository copy of the key shadows them. */
  billingWorker: { id: 812_345_672, owner: "acme", name: "billing-worker" },
};
/** The other repositories of the `fleet` scenario: one push user, three ways of holding its key. */
export const FLEET_SCENARIO_REPOS = {
  /** The key as organization secrets and AWS_REGION as an organization variable, both selected for it alone. */
  webGateway: { id: 812_345_681, owner: "acme", name: "web-gateway" },
  /** The key as repository secrets but no AWS_REGION anywhere: the guide's "Missing region" case. */
  billingWorker: { id: 812_345_682, owner: "acme", name: "billing-worker" },
};

/** A key github-ecr-push no longer has (deleted in IAM long ago): what the stale repository copy holds. */
export const STALE_KEY = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "staleSecretAccessKeyThatIAMNoLongerKnows0" };

/** acme/mcp-servers as each scenario wants it (and, in `organization`, the repositories sharing its key). */
export async function seedRepository(ctx: SandboxContext, seed: SeedContext): Promise<void> {
  const now = ctx.now();
  seedOrgMembers(ctx);
  await ensureScopeKey(ctx, orgScope(SEED_REPO.owner));
  const { repo, commits, wfCommit } = await seedProject(ctx, SEED_REPO, "MCP servers, built and pushed to AWS ECR");

  if (seed.scenario !== "empty") {
    ctx.db
      .prepare(`INSERT INTO gh_hooks (id, repo_id, active, events, url, content_type, secret, insecure_ssl, created_at, updated_at) VALUES (?, ?, 1, ?, ?, 'json', ?, '0', ?, ?)`)
      .run(498_765_432, repo.id, JSON.stringify(["push"]), `${ctx.options.deckhandUrl.replace(/\/$/, "")}/api/webhooks/github`, ctx.options.webhookSecret, isoSeconds(new Date(now.getTime() - 30 * DAY)), isoSeconds(new Date(now.getTime() - 30 * DAY)));
  }
  const early = isoSeconds(new Date(new Date(wfCommit.committer.date).getTime() + DAY / 2));
  if (seed.scenario === "partial") {
    // The classic slip the guide warns about: the region stored as a secret, and no key secrets at all.
    storeSecret(ctx, repo.id, "AWS_REGION", seed.shared.region, early);
  }
  if (seed.scenario === "organization") await seedOrganizationScopes(ctx, seed, repo, commits, early, now);
  if (seed.scenario === "default" || seed.scenario === "fleet") {
    const key = seed.shared.pushUserKey;
    // Set a little after the first run, which failed for want of it.
    setVariable(ctx, repo.id, "AWS_REGION", seed.shared.region, isoSeconds(new Date(Date.parse(early) + 2 * 3_600_000)));
    const resaved = seedRuns(ctx, repo, commits, 36 + (seed.scale === "large" ? 2000 : 0), seed, now);
    if (key) {
      storeSecret(ctx, repo.id, "AWS_ACCESS_KEY_ID", key.accessKeyId, early);
      storeSecret(ctx, repo.id, "AWS_SECRET_ACCESS_KEY", key.secretAccessKey, early);
      // Re-saved with the right key after the runs that failed on a mistyped one.
      if (resaved) ctx.db.prepare(`UPDATE gh_secrets SET updated_at = ? WHERE repo_id = ?`).run(isoSeconds(resaved), repo.id);
    }
  }
  if (seed.scenario === "fleet") await seedFleet(ctx, seed, early, now);
}

/** A push webhook to Deckhand on `repo`, as the guide's Deckhand section has the operator add it. */
function seedHook(ctx: SandboxContext, repo: Repo, id: number, now: Date): void {
  const at = isoSeconds(new Date(now.getTime() - 30 * DAY));
  ctx.db
    .prepare(`INSERT INTO gh_hooks (id, repo_id, active, events, url, content_type, secret, insecure_ssl, created_at, updated_at) VALUES (?, ?, 1, ?, ?, 'json', ?, '0', ?, ?)`)
    .run(id, repo.id, JSON.stringify(["push"]), `${ctx.options.deckhandUrl.replace(/\/$/, "")}/api/webhooks/github`, ctx.options.webhookSecret, at, at);
}

/**
 * The `fleet` scenario: acme/mcp-servers as in `default` (the key and AWS_REGION in repository secrets and
 * variables), acme/web-gateway holding the same push user's key through organization secrets and AWS_REGION through
 * an organization variable (both visible to it alone), and acme/billing-worker with the key as repository secrets but
 * no AWS_REGION at any scope (it cannot push). Each has the ECR workflow, a few runs and a push webhook to Deckhand.
 */
async function seedFleet(ctx: SandboxContext, seed: SeedContext, early: string, now: Date): Promise<void> {
  const key = seed.shared.pushUserKey;
  const gateway = await seedProject(ctx, FLEET_SCENARIO_REPOS.webGateway, "Public API gateway images");
  const billing = await seedProject(ctx, FLEET_SCENARIO_REPOS.billingWorker, "Billing worker images");
  // The workers' read-only token reads every repository of the fleet, as one fine-grained token can select several.
  seedFineGrainedTokens(ctx.db, [SEED_REPO, gateway.repo, billing.repo].map((r) => `${r.owner}/${r.name}`));
  seedHook(ctx, gateway.repo, 498_765_481, now);
  seedHook(ctx, billing.repo, 498_765_482, now);
  const org = orgScope(gateway.repo.owner);
  const at = isoSeconds(new Date(Date.parse(early) + 3_600_000));
  storeScoped(ctx, "variable", org, "AWS_REGION", seed.shared.region, "selected", at);
  setSelectedRepos(ctx, "variable", org, "AWS_REGION", [gateway.repo.id]);
  if (key) {
    for (const [name, value] of [["AWS_ACCESS_KEY_ID", key.accessKeyId], ["AWS_SECRET_ACCESS_KEY", key.secretAccessKey]]) {
      storeScoped(ctx, "secret", org, name, value, "selected", at);
      setSelectedRepos(ctx, "secret", org, name, [gateway.repo.id]);
      storeSecret(ctx, billing.repo.id, name, value, early);
    }
  }
  seedRuns(ctx, gateway.repo, gateway.commits, 8, seed, now);
  seedRuns(ctx, billing.repo, billing.commits, 4, seed, now);
  if (seed.scale === "large") await seedFleetCopies(ctx, seed, gateway, early, now);
}

/** `--scale large` of the `fleet` scenario: this many more repositories (200 in all), for the Fleet page's bench. */
export const LARGE_FLEET_EXTRA = 197;

/** The name of the i-th (1-based) extra repository of a large fleet: acme/service-001 … */
export const fleetCopyName = (i: number) => `service-${String(i).padStart(3, "0")}`;

/**
 * The push user of the i-th (1-based) extra repository of a large fleet: the copies take SANDBOX_FLEET_PUSH_USERS in
 * turn (i % 5), so each user holds ~40 repositories; the first three repositories are github-ecr-push's.
 */
export const fleetCopyPushUser = (i: number): string => SANDBOX_FLEET_PUSH_USERS[i % SANDBOX_FLEET_PUSH_USERS.length];

/**
 * LARGE_FLEET_EXTRA copies of acme/web-gateway's git repository (copied on disk, not rebuilt: a large seed stays
 * seconds), each with the ECR workflow and its push user's key (fleetCopyPushUser): github-ecr-push's copies every
 * other one through the organization secrets (selected), the rest as repository secrets; the other users' copies as
 * repository secrets (an organization holds one AWS_ACCESS_KEY_ID); every tenth has no AWS_REGION (cannot push).
 * No run history.
 */
async function seedFleetCopies(ctx: SandboxContext, seed: SeedContext, from: { repo: Repo; wfCommit: CommitInfo }, early: string, now: Date): Promise<void> {
  const key = seed.shared.pushUserKey;
  const userKeys = (seed.shared.fleetUserKeys ?? {}) as Record<string, { accessKeyId: string; secretAccessKey: string }>;
  const org = orgScope(from.repo.owner);
  const wfAt = isoSeconds(new Date(from.wfCommit.committer.date));
  const viaOrg: number[] = [from.repo.id];
  const regionVia: number[] = [from.repo.id];
  const insert = ctx.db.prepare(
    `INSERT INTO gh_repos (id, owner, name, private, description, default_branch, created_at, updated_at, pushed_at) VALUES (@id, @owner, @name, @private, @description, @default_branch, @created_at, @updated_at, @pushed_at)`,
  );
  const perm = ctx.db.prepare(`INSERT INTO gh_repo_perms (repo_id, login, permission) VALUES (?, ?, ?)`);
  for (let i = 1; i <= LARGE_FLEET_EXTRA; i++) {
    const repo: Repo = { ...from.repo, id: 812_346_000 + i, name: fleetCopyName(i), description: `Service ${i} images` };
    insert.run(repo);
    perm.run(repo.id, "octo-operator", "admin");
    perm.run(repo.id, "octo-viewer", "read");
    fs.cpSync(repoDir(ctx, from.repo), repoDir(ctx, repo), { recursive: true });
    syncWorkflows(ctx, repo, from.wfCommit.sha, wfAt);
    await createRepoKey(ctx, repo.id);
    const own = fleetCopyPushUser(i) === SANDBOX_FLEET_PUSH_USERS[0] ? key : userKeys[fleetCopyPushUser(i)];
    if (own === key && i % 2 === 0) viaOrg.push(repo.id);
    else if (own) {
      // The other users' keys are younger than `early` (20–80 days): their copies were saved after the key was made.
      const at = own === key ? early : isoSeconds(new Date(now.getTime() - 10 * DAY));
      storeSecret(ctx, repo.id, "AWS_ACCESS_KEY_ID", own.accessKeyId, at);
      storeSecret(ctx, repo.id, "AWS_SECRET_ACCESS_KEY", own.secretAccessKey, at);
    }
    if (i % 10 !== 0) regionVia.push(repo.id);
  }
  if (key) for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) setSelectedRepos(ctx, "secret", org, name, viaOrg);
  setSelectedRepos(ctx, "variable", org, "AWS_REGION", regionVia);
}

/**
 * The `organization` scenario: the push key in organization secrets (visibility selected: the three repositories),
 * AWS_REGION an organization variable for all repositories; acme/web-gateway's job deploys to `production`, whose
 * environment secrets hold the same key; acme/billing-worker keeps a stale repository copy that shadows the
 * organization's. acme/mcp-servers has no secrets of its own and the default scenario's run history.
 */
async function seedOrganizationScopes(ctx: SandboxContext, seed: SeedContext, repo: Repo, commits: CommitInfo[], early: string, now: Date): Promise<void> {
  const key = seed.shared.pushUserKey;
  const inEnvironment = (file: string, content: string) =>
    file === ".github/workflows/ecr.yml" ? content.replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    environment: production\n") : content;
  const gateway = await seedProject(ctx, ORG_SCENARIO_REPOS.webGateway, "Public API gateway, deployed from GitHub Actions", inEnvironment);
  const billing = await seedProject(ctx, ORG_SCENARIO_REPOS.billingWorker, "Billing worker images");
  const org = orgScope(repo.owner);
  const at = isoSeconds(new Date(Date.parse(early) + 3_600_000));
  storeScoped(ctx, "variable", org, "AWS_REGION", seed.shared.region, "all", at);
  const production = await createEnvironment(ctx, gateway.repo, "production", { reviewers: ["octo-operator"], at });
  if (key) {
    for (const [name, value] of [["AWS_ACCESS_KEY_ID", key.accessKeyId], ["AWS_SECRET_ACCESS_KEY", key.secretAccessKey]]) {
      storeScoped(ctx, "secret", org, name, value, "selected", at);
      setSelectedRepos(ctx, "secret", org, name, [repo.id, gateway.repo.id, billing.repo.id]);
      storeScoped(ctx, "secret", envScope(production.id), name, value, null, at);
    }
  }
  storeSecret(ctx, billing.repo.id, "AWS_ACCESS_KEY_ID", STALE_KEY.accessKeyId, early);
  storeSecret(ctx, billing.repo.id, "AWS_SECRET_ACCESS_KEY", STALE_KEY.secretAccessKey, early);
  seedRuns(ctx, repo, commits, 36 + (seed.scale === "large" ? 2000 : 0), seed, now);
}
