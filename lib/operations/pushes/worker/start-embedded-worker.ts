import { createAwsClients } from "../../../integrations/clients/aws-clients";
import type { Clients } from "../../../integrations/clients";
import type { DeckhandConfig } from "../../../infra/config/env";
import type { Db } from "../../../infra/db/open-db";
import { isolationOnce, type BuildNetworkMode } from "../../../integrations/build/isolation/detect-isolation";
import type { BuilderPreference } from "../../../integrations/build/detect-builder";
import { workerDirs } from "./prepare-worker-dir";
import { detectBuildPlatforms } from "../../../integrations/build/check-platform";
import { BuildCache } from "../../../integrations/build/build-cache";
import { sandboxWorkerCredentialProvider } from "./sandbox-credentials";
import { StoreChannel } from "./store-channel";
import { startWorkerLoop } from "./worker-loop";

export { workerDirs };

/** Said at start by an embedded worker in live mode. */
export const LIVE_EMBEDDED_WARNING =
  "this embedded worker builds untrusted commits on the host that holds Deckhand's own AWS and GitHub credentials. " +
  "In live mode run builds on standalone workers (npm run worker on another host) and set DECKHAND_EMBEDDED_WORKER=0";

/**
 * A worker beside the app, straight on its store: what `npm start` runs (lib/operations/pushes/worker/main.ts --embedded)
 * and what tests run in-process. In sandbox mode it pushes as the sandbox's deckhand-worker user, like a
 * real worker host with the guide's policy; in live mode with the app's own AWS credentials.
 */
export function startEmbeddedWorker(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: {
    workerId: string;
    leaseMs: number;
    /** Mirrors and scratch: outside the data dir (resolveWorkerDir). */
    baseDir: string;
    builder?: BuilderPreference;
    composePath?: string;
    composeProfiles?: string[];
    repositoryPrefix?: string;
    buildTimeoutMs?: number;
    buildNetwork?: BuildNetworkMode;
    allowUnisolated?: boolean;
    /** DECKHAND_BUILD_CACHE_BYTES; 0: no kept build cache. Unset: the default budget. */
    buildCacheBytes?: number;
    /** DECKHAND_BASE_REFRESH_HOURS in ms. Unset: the default (24 h). */
    baseRefreshMs?: number;
    /** DECKHAND_BUILD_CACHE_REPOSITORY. */
    buildCacheRepository?: string;
    /** DECKHAND_WORKER_PLATFORMS: platforms this worker builds beyond those it detects. */
    declaredPlatforms?: string[];
    /** Where binfmt_misc handlers are listed (tests); default /proc/sys/fs/binfmt_misc. */
    binfmtDir?: string;
    idleMs?: number;
    log?: (line: string) => void;
  },
) {
  const { config } = ctx;
  const platforms = detectBuildPlatforms({ declared: opts.declaredPlatforms, binfmtDir: opts.binfmtDir });
  const channel = new StoreChannel(opts.workerId, ctx, opts.leaseMs, platforms);
  const credentials = config.mode === "sandbox" ? sandboxWorkerCredentialProvider(config) : undefined;
  const ecr = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, credentials }).ecr;
  const dirs = workerDirs(opts.baseDir);
  return startWorkerLoop(
    channel,
    {
      ecr,
      ...dirs,
      cache: opts.buildCacheBytes === 0 ? undefined : new BuildCache(dirs.buildCacheDir, opts.buildCacheBytes, opts.baseRefreshMs),
      registryCacheRepository: opts.buildCacheRepository,
      builder: opts.builder,
      composePath: opts.composePath,
      composeProfiles: opts.composeProfiles,
      repositoryPrefix: opts.repositoryPrefix,
      isolate: isolationOnce({ network: opts.buildNetwork ?? "outbound", allowUnisolated: opts.allowUnisolated ?? false }),
      buildTimeoutMs: opts.buildTimeoutMs,
      platforms,
    },
    { idleMs: opts.idleMs, log: opts.log },
  );
}
