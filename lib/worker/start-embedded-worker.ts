import path from "node:path";
import { createAwsClients } from "../integrations/clients/aws-clients";
import type { Clients } from "../integrations/clients";
import type { DeckhandConfig } from "../infra/config/env";
import type { Db } from "../infra/db/open-db";
import type { BuilderPreference } from "../push/detect-builder";
import { sandboxWorkerCredentialProvider } from "./sandbox-credentials";
import { StoreChannel } from "./store-channel";
import { startWorkerLoop } from "./worker-loop";

/** Where a worker keeps its git mirrors (kept between jobs) and its scratch space, under one directory. */
export function workerDirs(baseDir: string): { mirrorsDir: string; workDir: string } {
  return { mirrorsDir: path.join(baseDir, "git-mirrors"), workDir: path.join(baseDir, "work") };
}

/**
 * A worker beside the app, straight on its store: what `npm start` runs (lib/worker/main.ts --embedded)
 * and what tests run in-process. In sandbox mode it pushes as the sandbox's deckhand-worker user, like a
 * real worker host with the guide's policy; in live mode with the app's own AWS credentials.
 */
export function startEmbeddedWorker(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: {
    workerId: string;
    leaseMs: number;
    baseDir: string;
    builder?: BuilderPreference;
    composePath?: string;
    repositoryPrefix?: string;
    idleMs?: number;
    log?: (line: string) => void;
  },
) {
  const { config } = ctx;
  const channel = new StoreChannel(opts.workerId, ctx, opts.leaseMs);
  const credentials = config.mode === "sandbox" ? sandboxWorkerCredentialProvider(config) : undefined;
  const ecr = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, credentials }).ecr;
  return startWorkerLoop(
    channel,
    {
      ecr,
      ...workerDirs(opts.baseDir),
      builder: opts.builder,
      composePath: opts.composePath,
      repositoryPrefix: opts.repositoryPrefix,
    },
    { idleMs: opts.idleMs, log: opts.log },
  );
}
