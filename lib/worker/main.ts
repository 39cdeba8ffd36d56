/**
 * `npm run worker`: a standalone push worker on any host. It talks to Deckhand over HTTP
 * (DECKHAND_URL, DECKHAND_WORKER_TOKEN), uses this host's AWS credentials (standard chain) and builder.
 * `--embedded` is how `npm start` runs the app's own worker: same loop, straight to the store.
 */
import { hostname } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { createAwsClients } from "../integrations/clients/aws-clients";
import { ConfigError, getConfig } from "../infra/config/env";
import { openDb } from "../infra/db/open-db";
import { getClients } from "../integrations/clients";
import { HttpChannel } from "./http-channel";
import { startWorkerLoop } from "./worker-loop";
import { startEmbeddedWorker, workerDirs } from "./start-embedded-worker";

const workerEnv = z.object({
  DECKHAND_WORKER_LEASE_MS: z.coerce.number().int().min(3000).max(3_600_000).default(60_000),
  DECKHAND_WORKER_DIR: z.string().min(1).optional(),
  DECKHAND_BUILDER: z.enum(["auto", "buildah", "docker"]).default("auto"),
  DECKHAND_COMPOSE_FILE: z.string().min(1).optional(),
  DECKHAND_REPOSITORY_PREFIX: z.string().optional(),
  DECKHAND_URL: z.url().optional(),
  DECKHAND_WORKER_TOKEN: z.string().min(16).optional(),
  AWS_REGION: z.string().optional(),
});

function fail(message: string): never {
  console.error(`Deckhand worker cannot start: ${message}`);
  process.exit(1);
}

async function main() {
  const parsed = workerEnv.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${String(issue.path[0])}: ${issue.message}`);
  }
  const env = parsed.data;
  const embedded = process.argv.includes("--embedded");
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const build = { builder: env.DECKHAND_BUILDER, composePath: env.DECKHAND_COMPOSE_FILE, repositoryPrefix: env.DECKHAND_REPOSITORY_PREFIX };
  let loop: { stop(): Promise<void> };

  if (embedded) {
    let config;
    try {
      config = getConfig();
    } catch (err) {
      if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
      throw err;
    }
    const ctx = { clients: getClients(), db: openDb(config.dataDir), config };
    loop = startEmbeddedWorker(ctx, { workerId, leaseMs: env.DECKHAND_WORKER_LEASE_MS, baseDir: env.DECKHAND_WORKER_DIR ?? config.dataDir, ...build });
  } else {
    if (!env.DECKHAND_URL) fail("DECKHAND_URL is required: the URL of the Deckhand app this worker serves");
    if (!env.DECKHAND_WORKER_TOKEN) fail("DECKHAND_WORKER_TOKEN is required: the same token the app has in DECKHAND_WORKER_TOKEN");
    const channel = new HttpChannel(workerId, env.DECKHAND_URL.replace(/\/+$/, ""), env.DECKHAND_WORKER_TOKEN);
    const baseDir = env.DECKHAND_WORKER_DIR ?? path.resolve(".deckhand-worker");
    loop = startWorkerLoop(channel, { ecr: createAwsClients({ region: env.AWS_REGION }).ecr, ...workerDirs(baseDir), ...build });
  }

  console.log(`[worker ${workerId}] ${embedded ? "embedded" : `serving ${env.DECKHAND_URL}`}; waiting for push jobs`);
  const stop = async () => {
    await loop.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => fail((err as Error).message));
