/**
 * `npm run worker`: a standalone push worker on any host. It talks to Deckhand over HTTP
 * (DECKHAND_URL, DECKHAND_WORKER_TOKEN), uses this host's AWS credentials (standard chain) and builder.
 * `--embedded` is how `npm start` runs the app's own worker: same loop, straight to the store.
 * `--drop-cache` empties the worker's kept build cache before it starts serving.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { createAwsClients } from "../../../integrations/clients/aws-clients";
import { ConfigError, getConfig } from "../../../infra/config/env";
import { openDb } from "../../../infra/db/open-db";
import { exitWithParent } from "../../../infra/exit-with-parent";
import { addKnownSecrets } from "../../../errors";
import { getClients } from "../../../integrations/clients";
import { isolationOnce, IsolationUnavailableError, UNISOLATED_WARNING } from "../../../integrations/build/isolation/detect-isolation";
import { detectBuilder } from "../../../integrations/build/detect-builder";
import { HttpChannel } from "./http-channel";
import { prepareWorkerDir } from "./prepare-worker-dir";
import { startWorkerLoop } from "./worker-loop";
import { LIVE_EMBEDDED_WARNING, startEmbeddedWorker } from "./start-embedded-worker";
import { parseWorkerConfig, resolveWorkerDir } from "./worker-config";
import { BuildCache } from "../../../integrations/build/build-cache";
import { detectBuildPlatforms } from "../../../integrations/build/check-platform";

function fail(message: string): never {
  console.error(`Deckhand worker cannot start: ${message}`);
  process.exit(1);
}

async function main() {
  let env;
  try {
    env = parseWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
    throw err;
  }
  addKnownSecrets([env.workerToken, env.gitToken]);
  const embedded = process.argv.includes("--embedded");
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const say = (line: string) => console.log(`[worker ${workerId}] ${line}`);
  const build = { builder: env.builder, composePath: env.composePath, composeProfiles: env.composeProfiles, repositoryPrefix: env.repositoryPrefix };
  const isolation = { network: env.buildNetwork, allowUnisolated: env.allowUnisolated };
  let loop: { stop(): Promise<void> };

  let config;
  if (embedded) {
    try {
      config = getConfig();
    } catch (err) {
      if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
      throw err;
    }
  }
  let baseDir: string;
  try {
    baseDir = resolveWorkerDir(env, config?.dataDir);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
    throw err;
  }
  const prepared = await prepareWorkerDir(baseDir).catch((err: Error) => fail(err.message));
  if (prepared.removed.length) say(`removed what a stopped worker left in ${baseDir}: ${prepared.removed.length} item(s)`);
  await reportIsolation(isolationOnce(isolation), env.builder, say);
  const cache = env.buildCacheBytes > 0 ? new BuildCache(prepared.dirs.buildCacheDir, env.buildCacheBytes, env.baseRefreshMs) : undefined;
  if (process.argv.includes("--drop-cache")) {
    // The worker directory is this process's (prepareWorkerDir): no build of another worker uses the cache.
    await new BuildCache(prepared.dirs.buildCacheDir).drop();
    say(`dropped the build cache in ${prepared.dirs.buildCacheDir}`);
  }
  // Reported with every claim and heartbeat: a service for another platform's RUN steps goes to a worker that builds it.
  const platforms = detectBuildPlatforms({ declared: env.declaredPlatforms });
  say(`builds ${platforms.join(", ")}${env.declaredPlatforms.length ? ` (DECKHAND_WORKER_PLATFORMS declares ${env.declaredPlatforms.join(", ")})` : ""}`);
  say(cache ? `build cache in ${prepared.dirs.buildCacheDir}, budget ${env.buildCacheBytes} bytes (DECKHAND_BUILD_CACHE_BYTES), ${cache.driver()} storage, base images pulled again ${env.baseRefreshMs ? `after ${env.baseRefreshMs / 3600_000} h` : "only on request"} (DECKHAND_BASE_REFRESH_HOURS)` : "no build cache (DECKHAND_BUILD_CACHE_BYTES=0): every build starts cold");

  if (embedded && config) {
    if (config.mode === "live") console.error(`[worker ${workerId}] WARNING: ${LIVE_EMBEDDED_WARNING}`);
    const ctx = { clients: getClients(), db: openDb(config.dataDir), config };
    loop = startEmbeddedWorker(ctx, {
      workerId,
      leaseMs: env.leaseMs,
      baseDir,
      ...build,
      buildTimeoutMs: env.buildTimeoutMs,
      buildNetwork: env.buildNetwork,
      allowUnisolated: env.allowUnisolated,
      buildCacheBytes: env.buildCacheBytes,
      baseRefreshMs: env.baseRefreshMs,
      buildCacheRepository: env.buildCacheRepository,
      declaredPlatforms: env.declaredPlatforms,
    });
  } else {
    if (!env.url) fail("DECKHAND_URL is required: the URL of the Deckhand app this worker serves");
    if (!env.workerToken) fail("DECKHAND_WORKER_TOKEN is required: the same token the app has in DECKHAND_WORKER_TOKEN");
    const channel = new HttpChannel(workerId, env.url, env.workerToken, platforms);
    loop = startWorkerLoop(channel, {
      ecr: createAwsClients({ region: env.region }).ecr,
      ...prepared.dirs,
      ...build,
      isolate: isolationOnce(isolation),
      buildTimeoutMs: env.buildTimeoutMs,
      gitToken: env.gitToken,
      cache,
      registryCacheRepository: env.buildCacheRepository,
      platforms,
    });
  }

  say(`${embedded ? "embedded" : `serving ${env.url}`}; scratch and mirrors in ${baseDir}; waiting for push jobs`);
  const stop = async () => {
    await loop.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Embedded in npm start: never outlive it.
  if (embedded) exitWithParent(() => void stop());
}

/** Says at start how RUN steps will be isolated here, or loudly that they will not be (or cannot run at all). */
async function reportIsolation(isolate: ReturnType<typeof isolationOnce>, preference: "auto" | "buildah" | "docker", say: (line: string) => void) {
  const builder = await detectBuilder({ preference }).catch((err: Error) => {
    say(err.message);
    return null;
  });
  if (!builder) return;
  try {
    const found = await isolate(builder);
    if (found.kind === "isolated") {
      say(`RUN steps isolated: ${found.runtime.name}, own PID/mount namespaces, network ${found.network === "none" ? "none" : "outbound only (slirp4netns; host, link-local and metadata addresses blocked)"}`);
    } else {
      console.error(`${UNISOLATED_WARNING} (missing: ${found.missing.join("; ")})`);
    }
  } catch (err) {
    if (err instanceof IsolationUnavailableError) console.error(`Deckhand worker: every job will fail: ${err.message}`);
    else throw err;
  }
}

main().catch((err) => fail((err as Error).message));
