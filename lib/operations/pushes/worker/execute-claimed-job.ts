import fs from "node:fs/promises";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Isolation } from "../../../integrations/build/isolation/detect-isolation";
import type { Builder, BuilderPreference } from "../../../integrations/build/detect-builder";
import { detectBuilder } from "../../../integrations/build/detect-builder";
import { runPushJob, type PushJobResult } from "../run-push-job";
import type { ServiceRecord } from "../job-store";
import type { ServiceOutcome } from "../../../judgements/push/service-outcome";
import { waitingReason } from "../../../judgements/push/job-parts";
import { addKnownSecrets, redact } from "../../../errors";
import type { ClaimedJob, JobChannel } from "./job-channel";
import type { BuildCache } from "../../../integrations/build/build-cache";

const MAX_PENDING_LOG_LINES = 20_000;

export interface WorkerEnvironment {
  ecr: ECRClient;
  /** Cached bare mirrors, kept between jobs so fetches are incremental. */
  mirrorsDir: string;
  /** Scratch space; each job uses and removes a subdirectory. */
  workDir: string;
  builder?: BuilderPreference;
  composePath?: string;
  /** DECKHAND_COMPOSE_PROFILES: active Compose profiles; unset, the repository's COMPOSE_PROFILES applies. */
  composeProfiles?: string[];
  repositoryPrefix?: string;
  /** The host's build isolation (isolationOnce); unset: buildImage detects it, never unisolated. */
  isolate?: (builder: Builder) => Promise<Isolation>;
  /** DECKHAND_BUILD_TIMEOUT in milliseconds. */
  buildTimeoutMs?: number;
  /** This worker's own read-only git token; wins over the one the claim carries. */
  gitToken?: string;
  /** The worker's kept build cache (DECKHAND_BUILD_CACHE_BYTES > 0); unset: every build starts cold. */
  cache?: BuildCache;
  /** DECKHAND_BUILD_CACHE_REPOSITORY: cached steps shared by every worker through ECR. */
  registryCacheRepository?: string;
  /**
   * The platforms this worker builds (detectBuildPlatforms, the channel's). Set: a service for another platform's
   * RUN steps is left waiting for a worker that reports it (issue 14). Unset: such a service fails here.
   */
  platforms?: readonly string[];
}

/**
 * Runs a claimed job through the push pipeline (lib/operations/pushes/run-push-job) and reports through the channel:
 * live log lines, each service's record, the result. A heartbeat keeps the lease; when it is lost or the
 * job is cancelled, the build is aborted and nothing more is reported (the lease holder's word only counts).
 */
export async function executeClaimedJob(channel: JobChannel, job: ClaimedJob, env: WorkerEnvironment): Promise<"finished" | "abandoned"> {
  addKnownSecrets([job.git.token, env.gitToken]);
  // One batch in flight at a time; lines wait in `pending`, at most MAX_PENDING_LOG_LINES of them. A build that prints
  // faster than the log can be stored loses lines here (said in the log), never the worker's memory. The store keeps
  // a capped head and tail of what arrives (lib/operations/pushes/cap-job-log.ts).
  const pending: Array<{ stream: string; line: string; at: string }> = [];
  let dropped = 0;
  let inFlight: Promise<void> | null = null;
  const send = async () => {
    while (pending.length) await channel.log(job, pending.splice(0, 2000)).catch(() => undefined);
  };
  const flush = () => (inFlight ??= send().finally(() => (inFlight = null)));
  const sayDropped = (at: string) => {
    if (!dropped) return;
    pending.push({ stream: "stderr", line: `[deckhand] … ${dropped} lines dropped here: the build printed faster than its log could be stored …`, at });
    dropped = 0;
  };
  const drain = async () => {
    sayDropped(new Date().toISOString());
    while (pending.length || inFlight) await flush();
  };
  const log = (line: string) => {
    if (pending.length >= MAX_PENDING_LOG_LINES) {
      dropped++;
      return;
    }
    const at = new Date().toISOString();
    sayDropped(at);
    pending.push({ stream: "stdout", line: redact(line), at });
    if (pending.length >= 200) void flush();
  };
  const flusher = setInterval(() => void flush(), 250);

  const abort = new AbortController();
  let lostReason: string | null = null;
  const beat = setInterval(() => {
    channel.heartbeat(job).then(
      (answer) => {
        if (!answer.ok) {
          lostReason = answer.reason;
          abort.abort();
        }
      },
      // A heartbeat that cannot get through is retried at the next tick; the lease covers several.
      () => undefined,
    );
  }, Math.max(1000, Math.floor(job.leaseMs / 3)));

  const workRoot = path.join(env.workDir, `${job.jobId}-${job.attempt}`);
  try {
    log(
      job.part
        ? `worker ${channel.workerId} took ${job.part.service} for ${job.part.platform} (part attempt ${job.attempt}) of commit ${job.sha}`
        : `worker ${channel.workerId} took attempt ${job.attempt} of commit ${job.sha}`,
    );
    if (env.cache && (await env.cache.dropIfRequested(job.cacheDropRequestedAt))) log(`dropped this worker's build cache, as an operator asked at ${job.cacheDropRequestedAt}`);
    if (job.freshBases) log("pulling every base image again, as an operator asked (rebuild with fresh base images)");
    const out = await runPushJob({
      remoteUrl: job.git.url,
      token: env.gitToken ?? job.git.token,
      commit: job.sha,
      composePath: env.composePath,
      profiles: env.composeProfiles,
      prefix: env.repositoryPrefix,
      ecr: env.ecr,
      mirrorsDir: env.mirrorsDir,
      workRoot,
      detect: () => detectBuilder({ preference: env.builder }),
      isolate: env.isolate,
      buildTimeoutMs: env.buildTimeoutMs,
      cache: env.cache,
      pullAlways: job.freshBases,
      knownInputs: job.knownInputs,
      registryCacheRepository: env.registryCacheRepository,
      platforms: env.platforms,
      onlyServices: job.part ? [job.part.service] : undefined,
      // The app decides who owns an ECR repository (issue 16); the worker asks through its channel, fenced by its lease.
      // Only the worker knows its build cache repository, which no service may push into: it goes with the question.
      claimRepository: (ask) => channel.claimEcrRepository(job, { ...ask, buildCacheRepository: env.registryCacheRepository }),
      onLog: log,
      signal: abort.signal,
    });
    if (abort.signal.aborted || out.state === "cancelled") {
      log(`stopping: ${lostReason === "cancelled" ? "the job was cancelled" : `the lease was lost (${lostReason ?? "aborted"})`}`);
      return "abandoned";
    }
    if (job.part) return await finishPart(channel, job, out, drain);
    for (const w of out.waiting) {
      await channel.recordService(job, { service: w.service, repository: w.repository, decision: "waiting", detail: `waits-for-platform: ${waitingReason(w.platform)}` });
    }
    for (const o of out.services) {
      await channel.recordService(job, toRecord(o));
    }
    const failed = out.services.filter((s) => s.result === "failed");
    await drain();
    const accepted = await channel.finish(job, {
      result: out.state,
      status: { state: out.state === "failed" ? "failure" : "success", description: out.message },
      summary: { commit: out.commit, composeFile: out.composeFile, services: out.services.map((s) => ({ service: s.service, result: s.result, reason: s.reason })) },
      error: out.state === "failed" ? redact(failed.length ? failed.map((s) => `${s.service}: ${s.error ?? s.reason}`).join("; ") : out.message) : null,
      waiting: out.waiting.length ? out.waiting : undefined,
    });
    // Refused: the job was cancelled or another worker holds it now; its record stands as it is.
    return accepted ? "finished" : "abandoned";
  } finally {
    clearInterval(beat);
    clearInterval(flusher);
    await drain();
    await fs.rm(workRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * A job part's end: exactly one record for its service, which is the part's result. When the run never reached the
 * service (the checkout or the compose file failed, the service is gone), the record is a failure saying why.
 */
async function finishPart(channel: JobChannel, job: ClaimedJob, out: PushJobResult, drain: () => Promise<void>): Promise<"finished" | "abandoned"> {
  const service = job.part!.service;
  const o = out.services.find((s) => s.service === service);
  const record: ServiceRecord = o
    ? toRecord(o)
    : out.waiting.some((w) => w.service === service)
      ? { service, repository: out.waiting.find((w) => w.service === service)!.repository, decision: "failed", detail: `platform-unavailable: this worker reported ${job.part!.platform} but cannot build it` }
      : { service, repository: "-", decision: "failed", detail: redact(`part-failed: ${out.message}`) };
  await drain();
  return (await channel.recordService(job, record)) ? "finished" : "abandoned";
}

function toRecord(o: ServiceOutcome): ServiceRecord {
  return {
    service: o.service,
    repository: o.repositoryName || "-",
    decision: o.result,
    detail: o.error ? `${o.reason}: ${o.error}` : o.reason,
    localConfigDigest: o.localConfigDigest,
    localManifestDigest: o.localManifestDigest,
    remoteDigestBefore: o.remoteManifestDigestBefore,
    blobsUploaded: o.blobsUploaded,
    bytesUploaded: o.bytesUploaded,
    timings: o.timings,
    inputsDigest: o.inputsDigest ?? null,
    build: { imageBlobs: o.imageBlobs, imageBytes: o.imageBytes, steps: o.steps, baseImages: o.baseImages, freshBases: o.freshBases },
  };
}
