import type { SandboxContext, SeedContext } from "../context";
import { setMeta } from "../store";
import { DAY_MS, seedInlinePolicy, seedKey, seedManagedPolicies, seedUser } from "./seed-iam";
import { DRIFTED_PUSH_ACTIONS, GUIDE_PUSH_ACTIONS, policyDocumentText } from "./guide-policy";
import { findUser, userArn } from "./iam-store";
import { seedEcrHistory } from "./seed-ecr-history";
import { seedLargeAccount } from "./seed-large";
import { SANDBOX_FLEET_PUSH_USERS } from "../constants";

export const PUSH_USER = "github-ecr-push";
export const WORKER_USER = "deckhand-worker";
export const SEED_REGION = "us-east-1";

/**
 * Seed the AWS account for a scenario. Every timestamp is relative to now so "created 97 days ago"
 * stays true whenever the sandbox is seeded.
 *  - default: drifted github-ecr-push (key held by GitHub), deckhand-worker with the guide's policy,
 *    two repositories with real images, 90 days of CloudTrail history.
 *  - partial: github-ecr-push without any policy and one key GitHub does not hold.
 *  - empty: none of the guide's steps: no github-ecr-push, no repositories.
 * Every scenario has deckhand-worker with the guide's policy (Deckhand's own worker identity).
 */
export async function seedAws(ctx: SandboxContext, seed: SeedContext): Promise<void> {
  const db = ctx.db;
  const now = Date.now();
  const accountCreated = now - 400 * DAY_MS;
  const shared = seed.shared;
  db.transaction(() => {
    setMeta(db, "aws_account_created", String(accountCreated));
    seedManagedPolicies(db, accountCreated);
    // "organization" and "fleet" are the default account; only GitHub's side of it differs (where the key is held).
    if (seed.scenario === "default" || seed.scenario === "organization" || seed.scenario === "fleet") {
      seedUser(db, PUSH_USER, now - 120 * DAY_MS);
      seedInlinePolicy(db, PUSH_USER, "ecr-push-policy", policyDocumentText(DRIFTED_PUSH_ACTIONS));
      const lastUsed = now - 2 * DAY_MS;
      const pushKey = seedKey(db, PUSH_USER, now - 97 * DAY_MS, { ms: lastUsed, service: "ecr", region: SEED_REGION });
      shared.pushUserKey = pushKey;
      const user = findUser(db, PUSH_USER)!;
      seedEcrHistory(ctx, {
        region: SEED_REGION,
        repos: ["mcp-server-tcp", "mcp-server-http"],
        principal: { kind: "user", accessKeyId: pushKey.accessKeyId, userName: user.user_name, userId: user.user_id, arn: userArn(user) },
        now,
        driftMs: now - 9 * DAY_MS,
        lastRunMs: lastUsed,
      });
    } else if (seed.scenario === "partial") {
      seedUser(db, PUSH_USER, now - 14 * DAY_MS);
      seedKey(db, PUSH_USER, now - 14 * DAY_MS);
      // GitHub's secrets do not hold this key: the half-done setup the dashboard must detect.
      shared.partialKeyNotHeld = true;
    }
    // Deckhand's own push identity (a worker host's credentials) is not one of the guide's steps: every
    // scenario has it, so Deckhand can push even into an account where the guide was never followed.
    seedUser(db, WORKER_USER, now - 30 * DAY_MS);
    seedInlinePolicy(db, WORKER_USER, "ecr-push-policy", policyDocumentText(GUIDE_PUSH_ACTIONS));
    shared.workerKey = seedKey(db, WORKER_USER, now - 30 * DAY_MS);
    if (seed.scale === "large") seedLargeAccount(ctx, { now, region: SEED_REGION });
    if (seed.scale === "large" && seed.scenario === "fleet") shared.fleetUserKeys = seedFleetPushUsers(db, now);
  })();
  setMeta(db, "aws_seed_shared", JSON.stringify({ pushUserKey: shared.pushUserKey, workerKey: shared.workerKey, partialKeyNotHeld: shared.partialKeyNotHeld ?? false }));
}

/**
 * The large fleet's other push users (SANDBOX_FLEET_PUSH_USERS after github-ecr-push): each with the guide's policy
 * and one active key used a day ago. Returns every push user's key by user name (the GitHub half stores them).
 */
function seedFleetPushUsers(db: SandboxContext["db"], now: number): Record<string, { accessKeyId: string; secretAccessKey: string }> {
  const keys: Record<string, { accessKeyId: string; secretAccessKey: string }> = {};
  for (const [i, name] of SANDBOX_FLEET_PUSH_USERS.entries()) {
    if (name === PUSH_USER) continue;
    seedUser(db, name, now - (150 - i * 10) * DAY_MS);
    seedInlinePolicy(db, name, "ecr-push-policy", policyDocumentText(GUIDE_PUSH_ACTIONS));
    keys[name] = seedKey(db, name, now - (20 + i * 15) * DAY_MS, { ms: now - DAY_MS, service: "ecr", region: SEED_REGION });
  }
  return keys;
}
