import type { AdminHooks } from "../admin";
import type { SandboxModule } from "../context";
import { migrateUsers, seedUsers } from "./users";
import { handleFineGrainedTokenAdmin, migrateFineGrainedTokens, seedFineGrainedTokens } from "./fine-grained-tokens";
import { handleOAuth, migrateOAuth, seedOAuth } from "./oauth";
import { handleApi } from "./api";
import { migrateRepos, REPO_TABLES } from "./db";
import { seedRepository } from "./seed";
import { handleSecretAdmin } from "./secrets";
import { handleScopedSecretAdmin } from "./scoped-admin";
import { handleGitHttp } from "./git-http";
import { handleLogDownload } from "./runs-routes";
import { orphanBackground, startBackground, stopBackground } from "./background";
import { gitRoot } from "./repos";
import { scheduleRun } from "./runner";
import { handleIdTokenAdmin, handleOidcIssuer } from "./oidc-issuer";
import { migrateOidcCustomization, OIDC_CUSTOMIZATION_TABLES } from "./oidc-customization";
import { migratePulls, PULL_TABLES } from "./pulls";
import fs from "node:fs";
import { GITHUB_AGED_TABLES } from "./age";
import { recordGitAging } from "./git-aging";

const TABLES = ["gh_users", "gh_tokens", "gh_fine_grained_tokens", "gh_oauth_codes", "gh_oauth_apps", ...REPO_TABLES, ...OIDC_CUSTOMIZATION_TABLES, ...PULL_TABLES];

/** GitHub half of the sandbox: OAuth, REST API under /api/v3, git over HTTP, webhooks, Actions runs. */
export const githubModule: SandboxModule & { admin(hooks: AdminHooks): void } = {
  name: "github",
  agedTables: GITHUB_AGED_TABLES,
  age(ctx, days) {
    recordGitAging(gitRoot(ctx), days, ctx.now().getTime());
  },
  migrate(db) {
    migrateUsers(db);
    migrateFineGrainedTokens(db);
    migrateOAuth(db);
    migrateRepos(db);
    migrateOidcCustomization(db);
    migratePulls(db);
  },
  wipe(ctx) {
    orphanBackground(ctx);
    for (const t of TABLES) ctx.db.exec(`DROP TABLE IF EXISTS ${t}`);
    fs.rmSync(gitRoot(ctx), { recursive: true, force: true });
  },
  async seed(ctx, seed) {
    seedUsers(ctx.db);
    seedFineGrainedTokens(ctx.db);
    seedOAuth(ctx.db);
    await seedRepository(ctx, seed);
  },
  async handle(req, res, ctx, url) {
    if (url.pathname.startsWith("/login/oauth/")) return handleOAuth(req, res, ctx, url);
    if (url.pathname.startsWith("/api/v3")) return handleApi(req, res, ctx, url);
    if (url.pathname.startsWith("/actions-logs/")) return handleLogDownload(req, res, ctx, url);
    if (url.pathname.startsWith("/.well-known/") && (await handleOidcIssuer(req, res, ctx, url))) return true;
    return handleGitHttp(req, res, ctx, url);
  },
  start(ctx) {
    startBackground(ctx);
    // Runs left queued or in progress by a previous process are picked up again, as GitHub's runners would.
    const unfinished = ctx.db.prepare(`SELECT id, repo_id FROM gh_runs WHERE status != 'completed'`).all() as Array<{ id: number; repo_id: number }>;
    for (const r of unfinished) scheduleRun(ctx, r.id, r.repo_id);
  },
  async stop() {
    await stopBackground();
  },
  admin(hooks) {
    hooks.extra.push(handleSecretAdmin, handleScopedSecretAdmin, handleFineGrainedTokenAdmin, handleIdTokenAdmin);
  },
};
