// Started once per server (instrumentation.ts): resumes a rotation whose process died, deletes old
// keys whose grace period has passed, and rotates automatically when that setting is on. Everything
// it needs is in the store, so it survives restarts by construction.

import { awsClientOptionsFrom, createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient, githubClientOptionsFrom } from "../../integrations/clients/github-client";
import { getConfig } from "../../infra/config/env";
import { getDb } from "../../infra/db";
import { describeFailure } from "../../failures";
import { appCache } from "../../infra/cache/ttl-cache";
import type { OperationContext } from "../context";
import { resumeInterruptedRotations, rotateIfDue, runDueDeletions } from "./rotate-access-key";

const g = globalThis as unknown as { deckhandRotationScheduler?: NodeJS.Timeout };

async function tick(ctx: OperationContext): Promise<void> {
  for (const [what, run] of [
    ["resume an interrupted rotation", () => resumeInterruptedRotations(ctx)],
    ["delete old keys past their grace period", () => runDueDeletions(ctx)],
    ["rotate automatically", () => rotateIfDue(ctx)],
  ] as const) {
    try {
      await run();
    } catch (err) {
      console.error(`[deckhand] rotation scheduler could not ${what}: ${describeFailure(err, "deckhand", what).message}`);
    }
  }
}

export function startRotationScheduler(intervalMs = 60_000): void {
  if (g.deckhandRotationScheduler) return;
  const config = getConfig();
  // Clients of its own, never getClients(): instrumentation is bundled apart from the pages, and the
  // SDK's paginators check `instanceof` against their own bundle's client class. Caching these in the
  // shared global would break every page's paginated call.
  const clients = {
    aws: createAwsClients(awsClientOptionsFrom(config)),
    github: createGitHubClient(githubClientOptionsFrom(config)),
    repo: { owner: config.github.owner, repo: config.github.repo },
  };
    // The cache is a plain object on globalThis, shared with the pages' bundle: what this deletes, they re-read.
  const ctx: OperationContext = { clients, actor: { login: "deckhand", role: "system" }, db: getDb(), config, cache: appCache() };
  void tick(ctx);
  g.deckhandRotationScheduler = setInterval(() => void tick(ctx), intervalMs);
  g.deckhandRotationScheduler.unref?.();
}
