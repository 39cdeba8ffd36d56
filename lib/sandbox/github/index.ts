import type { SandboxModule } from "../context";
import { migrateUsers, seedUsers } from "./users";
import { handleOAuth, migrateOAuth, seedOAuth } from "./oauth";
import { handleApi } from "./api";

const TABLES = ["gh_users", "gh_tokens", "gh_oauth_codes", "gh_oauth_apps"];

/** GitHub half of the sandbox: OAuth, REST API under /api/v3, git over HTTP, webhooks. */
export const githubModule: SandboxModule = {
  name: "github",
  migrate(db) {
    migrateUsers(db);
    migrateOAuth(db);
  },
  wipe(ctx) {
    for (const t of TABLES) ctx.db.exec(`DROP TABLE IF EXISTS ${t}`);
  },
  async seed(ctx) {
    seedUsers(ctx.db);
    seedOAuth(ctx.db);
  },
  async handle(req, res, ctx, url) {
    if (url.pathname.startsWith("/login/oauth/")) return handleOAuth(req, res, ctx, url);
    if (url.pathname.startsWith("/api/v3")) return handleApi(req, res, ctx, url);
    return false;
  },
};
