/**
 * `npm run worker`: a standalone push worker on any host. It talks to Deckhand over HTTP
 * (DECKHAND_URL, DECKHAND_WORKER_TOKEN), uses this host's AWS credentials (standard chain) and builder.
 * `--embedded` is how `npm start` runs the app's own worker: same loop, straight to the store.
 */
import { hostname } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { createAwsClients } from "../clients/aws-clients";
import { ConfigError, getConfig } from "../config/env";
import { openDb } from "../db/open-db";
import { getClients } from "../clients";
import { HttpChannel } from "./http-channel";
import { StoreChannel } from "./store-channel";
import { startWorkerLoop } from "./worker-loop";
import { sandboxWorkerCredentialProvider } from "./sandbox-credentials";
import type { JobChannel } from "./job-channel";

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
  let channel: JobChannel;
  let ecr;
  let baseDir: string;

  if (embedded) {
    let config;
    try {
      config = getConfig();
    } catch (err) {
      if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
      throw err;
    }
    const db = openDb(config.dataDir);
    channel = new StoreChannel(workerId, { clients: getClients(), db, config }, env.DECKHAND_WORKER_LEASE_MS);
    // In sandbox mode the worker pushes as the sandbox's deckhand-worker user, like a real worker with the guide's policy.
    const credentials = config.mode === "sandbox" ? sandboxWorkerCredentialProvider(config) : undefined;
    ecr = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, credentials }).ecr;
    baseDir = env.DECKHAND_WORKER_DIR ?? config.dataDir;
  } else {
    if (!env.DECKHAND_URL) fail("DECKHAND_URL is required: the URL of the Deckhand app this worker serves");
    if (!env.DECKHAND_WORKER_TOKEN) fail("DECKHAND_WORKER_TOKEN is required: the same token the app has in DECKHAND_WORKER_TOKEN");
    channel = new HttpChannel(workerId, env.DECKHAND_URL.replace(/\/+$/, ""), env.DECKHAND_WORKER_TOKEN);
    ecr = createAwsClients({ region: env.AWS_REGION }).ecr;
    baseDir = env.DECKHAND_WORKER_DIR ?? path.resolve(".deckhand-worker");
  }

  const loop = startWorkerLoop(channel, {
    ecr,
    mirrorsDir: path.join(baseDir, "git-mirrors"),
    workDir: path.join(baseDir, "work"),
    builder: env.DECKHAND_BUILDER,
    composePath: env.DECKHAND_COMPOSE_FILE,
    repositoryPrefix: env.DECKHAND_REPOSITORY_PREFIX,
  });
  console.log(`[worker ${workerId}] ${embedded ? "embedded" : `serving ${env.DECKHAND_URL}`}; waiting for push jobs`);
  const stop = async () => {
    await loop.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => fail((err as Error).message));
