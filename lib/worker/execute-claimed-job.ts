import fs from "node:fs/promises";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { BuilderPreference } from "../push/detect-builder";
import { detectBuilder } from "../push/detect-builder";
import { runPushJob } from "../push/run-push-job";
import { redact } from "../errors";
import type { ClaimedJob, JobChannel } from "./job-channel";

export interface WorkerEnvironment {
  ecr: ECRClient;
  /** Cached bare mirrors, kept between jobs so fetches are incremental. */
  mirrorsDir: string;
  /** Scratch space; each job uses and removes a subdirectory. */
  workDir: string;
  builder?: BuilderPreference;
  composePath?: string;
  repositoryPrefix?: string;
}

/**
 * Runs a claimed job through the push pipeline (lib/push/run-push-job) and reports through the channel:
 * live log lines, each service's record, the result. A heartbeat keeps the lease; when it is lost or the
 * job is cancelled, the build is aborted and nothing more is reported (the lease holder's word only counts).
 */
export async function executeClaimedJob(channel: JobChannel, job: ClaimedJob, env: WorkerEnvironment): Promise<"finished" | "abandoned"> {
  const pending: Array<{ stream: string; line: string; at: string }> = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    if (pending.length) {
      const batch = pending.splice(0);
      flushing = flushing.then(() => channel.log(job, batch)).catch(() => undefined);
    }
    return flushing;
  };
  const log = (line: string) => {
    pending.push({ stream: "stdout", line: redact(line), at: new Date().toISOString() });
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
    log(`worker ${channel.workerId} took attempt ${job.attempt} of commit ${job.sha}`);
    const out = await runPushJob({
      remoteUrl: job.git.url,
      token: job.git.token,
      commit: job.sha,
      composePath: env.composePath,
      prefix: env.repositoryPrefix,
      ecr: env.ecr,
      mirrorsDir: env.mirrorsDir,
      workRoot,
      detect: () => detectBuilder({ preference: env.builder }),
      onLog: log,
      signal: abort.signal,
    });
    if (abort.signal.aborted || out.state === "cancelled") {
      log(`stopping: ${lostReason === "cancelled" ? "the job was cancelled" : `the lease was lost (${lostReason ?? "aborted"})`}`);
      return "abandoned";
    }
    for (const o of out.services) {
      await channel.recordService(job, {
        service: o.service,
        repository: o.repositoryName,
        decision: o.result,
        detail: o.error ? `${o.reason}: ${o.error}` : o.reason,
        localConfigDigest: o.localConfigDigest,
        localManifestDigest: o.localManifestDigest,
        remoteDigestBefore: o.remoteManifestDigestBefore,
        blobsUploaded: o.blobsUploaded,
        bytesUploaded: o.bytesUploaded,
        timings: o.timings,
      });
    }
    const failed = out.services.filter((s) => s.result === "failed");
    await flush();
    const accepted = await channel.finish(job, {
      result: out.state,
      status: { state: out.state === "failed" ? "failure" : "success", description: out.message },
      summary: { commit: out.commit, composeFile: out.composeFile, services: out.services.map((s) => ({ service: s.service, result: s.result, reason: s.reason })) },
      error: out.state === "failed" ? redact(failed.length ? failed.map((s) => `${s.service}: ${s.error ?? s.reason}`).join("; ") : out.message) : null,
    });
    // Refused: the job was cancelled or another worker holds it now; its record stands as it is.
    return accepted ? "finished" : "abandoned";
  } finally {
    clearInterval(beat);
    clearInterval(flusher);
    await flush();
    await fs.rm(workRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}
