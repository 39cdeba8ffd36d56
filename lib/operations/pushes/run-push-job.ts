import fs from "node:fs/promises";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { UNISOLATED_WARNING, type Isolation } from "../../integrations/build/isolation/detect-isolation";
import { checkoutCommit, type Checkout } from "../../integrations/git/checkout-commit";
import { detectBuilder, type Builder } from "../../integrations/build/detect-builder";
import { outcomeWithoutBuild, type ServiceOutcome } from "../../judgements/push/service-outcome";
import { pushService } from "./push-service";
import { ComposeError, readCompose } from "../../integrations/git/read-compose";
import { summarizeOutcomes } from "../../judgements/push/summarize-outcomes";
import { mapLimit } from "../../infra/map-limit";
import type { BuildCache } from "../../integrations/build/build-cache";
import type { ImageInputs } from "./build-records";
import { openRegistryCache, type RegistryCache } from "../../integrations/aws/registry-cache";
import { platformBuiltElsewhere } from "../../integrations/build/check-platform";
import { waitingReason } from "../../judgements/push/job-parts";
import type { WaitingService } from "./job-store";
import type { PushServiceInput } from "./service-outcome-steps";

export interface PushJobResult {
  state: "succeeded" | "skipped" | "failed" | "cancelled";
  /** One line for the job list: the summary, or why the job failed as a whole. */
  message: string;
  commit?: string;
  composeFile?: string;
  services: ServiceOutcome[];
  /** Services left for a worker that can build their platform (only with `platforms`); not in `services`. */
  waiting: WaitingService[];
}

/**
 * What a worker does with one claimed job (issue 7, "What a job does"): check the commit out, read the compose file,
 * push every built service that changed. The app reports on the commit (deckhand/ecr-push status) when the worker
 * hands in the result. Job-level failures (no builder, fetch, compose file) come back as a failed result naming
 * the cause; each service's failure stays its own.
 */
export async function runPushJob({
  remoteUrl,
  commit,
  composePath,
  profiles,
  prefix,
  ecr,
  token,
  mirrorsDir,
  workRoot,
  detect = () => detectBuilder(),
  isolate,
  buildTimeoutMs,
  cache,
  pullAlways,
  knownInputs,
  registryCacheRepository,
  concurrency = 2,
  platforms,
  onlyServices,
  claimRepository,
  onLog = () => {},
  signal,
}: {
  remoteUrl: string;
  commit: string;
  composePath?: string;
  /** DECKHAND_COMPOSE_PROFILES; unset: COMPOSE_PROFILES from the repository's .env, as Compose does. */
  profiles?: string[];
  prefix?: string;
  ecr: ECRClient;
  token?: string;
  mirrorsDir: string;
  /** This job's scratch directory; removed at the end. */
  workRoot: string;
  detect?: () => Promise<Builder>;
  /** How this host isolates RUN steps (detectIsolation, once per worker); a rejection fails the job at once. Unset: buildImage detects. */
  isolate?: (builder: Builder) => Promise<Isolation>;
  /** Wall-clock limit of each service's build, in milliseconds (DECKHAND_BUILD_TIMEOUT). */
  buildTimeoutMs?: number;
  /** The worker's kept build cache (shared by the services built at the same time); unset: each build's own store. */
  cache?: BuildCache;
  /** Pull every base image again ("rebuild with fresh base images"). */
  pullAlways?: boolean;
  /** Recent images' build inputs (from the claim): lets a service be decided "unchanged" without building. */
  knownInputs?: ImageInputs[];
  /** DECKHAND_BUILD_CACHE_REPOSITORY: an ECR repository holding cached build steps for every worker. */
  registryCacheRepository?: string;
  /** Services built at the same time. */
  concurrency?: number;
  /**
   * The platforms this worker builds (detectBuildPlatforms). Set: a service needing RUN steps for another platform
   * is not built here but returned in `waiting` (issue 14). Unset: such a service fails, naming what to install.
   */
  platforms?: readonly string[];
  /** A job part: build only these services (the rest of the job was done by another worker). */
  onlyServices?: readonly string[];
  /** Asks the app whether a service may push into its ECR repository (issue 16; see checkEcrOwner). */
  claimRepository?: PushServiceInput["claimRepository"];
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<PushJobResult> {
  const fail = async (message: string, sha?: string, extra: Partial<PushJobResult> = {}): Promise<PushJobResult> => {
    onLog(message);
    return { state: "failed", message, commit: sha, services: [], waiting: [], ...extra };
  };

  const isSha = /^[0-9a-f]{40}$/.test(commit);
  let builder: Builder;
  try {
    builder = await detect();
  } catch (err) {
    return fail((err as Error).message, isSha ? commit : undefined);
  }
  let isolation: Isolation | undefined;
  if (isolate) {
    try {
      isolation = await isolate(builder);
    } catch (err) {
      return fail((err as Error).message, isSha ? commit : undefined);
    }
    if (isolation.kind === "unisolated") onLog(`${UNISOLATED_WARNING} (missing: ${isolation.missing.join("; ")})`);
  }

  let checkout: Checkout | undefined;
  await fs.mkdir(workRoot, { recursive: true });
  try {
    try {
      checkout = await checkoutCommit({ mirrorsDir, remoteUrl, token, commit, into: path.join(workRoot, "checkout"), onLog });
    } catch (err) {
      return await fail(`cannot fetch ${commit}: ${(err as Error).message}`, isSha ? commit : undefined);
    }
    const sha = checkout.commit;

    let plan;
    try {
      plan = await readCompose({ root: checkout.dir, composePath, prefix, profiles });
    } catch (err) {
      if (err instanceof ComposeError) return await fail(err.message, sha, { composeFile: err.file });
      throw err;
    }
    if (onlyServices) {
      const only = (s: { service: string }) => onlyServices.includes(s.service);
      plan = { ...plan, builds: plan.builds.filter(only), failed: plan.failed.filter(only), notBuilt: plan.notBuilt.filter(only) };
    }
    // Routing (issue 14): a service whose RUN steps need a platform this worker does not build waits for one that does.
    const waiting: WaitingService[] = [];
    if (platforms) {
      const here = [];
      for (const build of plan.builds) {
        const elsewhere = await platformBuiltElsewhere(build, checkout.dir, platforms).catch(() => undefined);
        if (elsewhere) {
          waiting.push({ service: build.service, repository: build.repositoryName, platform: elsewhere });
          onLog(
            `[${build.service}] ${waitingReason(elsewhere)}: this worker builds ${platforms.join(", ")}; a ${elsewhere} worker, one with qemu-user-static and binfmt-support, or DECKHAND_WORKER_PLATFORMS=${elsewhere} on one that can, will take it`,
          );
        } else here.push(build);
      }
      plan = { ...plan, builds: here };
    }
    onLog(`${plan.file}: building ${plan.builds.map((b) => `${b.service} → ${b.repositoryName}`).join(", ") || "nothing"}`);
    // Services that never reach the builder are outcomes too: each says why, in the log and in the job's record.
    const unbuilt: ServiceOutcome[] = [
      ...plan.failed.map((f) => outcomeWithoutBuild({ service: f.service, repositoryName: f.repositoryName, result: "failed", reason: f.reason, error: f.message })),
      ...plan.notBuilt.map((n) => outcomeWithoutBuild({ service: n.service, repositoryName: "", result: "not-built", reason: n.reason, error: n.message })),
    ];
    for (const o of unbuilt) onLog(`[${o.service}] ${o.result === "failed" ? "failed" : "not built"}: ${o.error}`);

    const checkoutDir = checkout.dir;
    let registryCache: RegistryCache | undefined;
    if (registryCacheRepository && builder.kind === "buildah") {
      // A cache that cannot be opened costs time, never the push: the job builds without it.
      registryCache = await openRegistryCache({ ecr, repositoryName: registryCacheRepository, dir: path.join(workRoot, "registry-cache") }).catch((err: Error) => {
        onLog(`building without the registry cache ${registryCacheRepository}: ${err.message}`);
        return undefined;
      });
    }
    // Builds mostly wait (process start, storage, I/O), so two at a time roughly halves a job on two cores.
    const services = (
      await mapLimit(plan.builds, concurrency, (build) =>
        signal?.aborted
          ? Promise.resolve(undefined)
          : pushService({
              ecr,
              builder,
              checkout: checkoutDir,
              commit: sha,
              build,
              workRoot: path.join(workRoot, "build"),
              isolation,
              buildTimeoutMs,
              cache,
              pullAlways,
              knownInputs,
              registryCache,
              platforms,
              claimRepository,
              onLog,
              signal,
            }),
      )
    ).filter((o): o is ServiceOutcome => o !== undefined);
    services.push(...unbuilt);
    const order = plan.resolution.services.map((p) => p.service);
    services.sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
    if (signal?.aborted) {
      onLog("cancelled");
      return { state: "cancelled", message: "cancelled", commit: sha, composeFile: plan.file, services, waiting };
    }
    if (waiting.length) {
      // Not the job's result yet: it is decided again, over every service, when the waiting ones end (job-parts.ts).
      const done = services.length ? summarizeOutcomes(services) : null;
      const full = `${done ? `${done.status.description}; ` : ""}waiting: ${waiting.map((w) => `${w.service} (${w.platform})`).join(", ")}`;
      // The result's status text is capped (GitHub's 140 characters), as summarizeOutcomes caps its own.
      const message = full.length > 140 ? full.slice(0, 139) + "…" : full;
      onLog(message);
      return { state: done?.state ?? "skipped", message, commit: sha, composeFile: plan.file, services, waiting };
    }
    const summary = summarizeOutcomes(services);
    onLog(summary.status.description);
    return { state: summary.state, message: summary.status.description, commit: sha, composeFile: plan.file, services, waiting };
  } finally {
    await checkout?.dispose().catch(() => undefined);
    await fs.rm(workRoot, { recursive: true, force: true });
  }
}
