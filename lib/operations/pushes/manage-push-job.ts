import { SafeError } from "../../errors";
import { cancelJob, enqueueJob, getJob, type PushJob } from "./job-store";
import type { OperationContext } from "../context";
import { askFreshBases, requestBuildCacheDrop } from "./build-records";
import { reportCancelledJob } from "./push-job-lifecycle";

/**
 * Cancel a queued job, or ask a running or waiting one to stop (its worker learns it on the next heartbeat). A job a
 * worker had claimed gets a final `deckhand/ecr-push` commit status naming who cancelled it, so GitHub does not show
 * the commit pending for ever. Throws SafeError `not-found` or `conflict` (already finished).
 */
export async function cancelPushJob(ctx: Pick<OperationContext, "db" | "clients" | "config" | "actor">, jobId: string): Promise<{ workerMustStop: boolean }> {
  const out = cancelJob(ctx.db, jobId);
  if (!out.ok) throw new SafeError(out.reason === "not-found" ? "No such push job." : "That job has already finished.", out.reason);
  const job = getJob(ctx.db, jobId);
  if (job) await reportCancelledJob(ctx, job, ctx.actor.login);
  return { workerMustStop: out.workerMustStop };
}

/**
 * Run a finished job's commit again as a new job (the old one keeps its history). It carries no branch:
 * re-running an old commit must not supersede newer pushes queued for that branch. `freshBases`: the new job pulls
 * every base image again ("rebuild with fresh base images") and never decides "unchanged" without building.
 */
export function rerunPushJob({ db, actor }: Pick<OperationContext, "db" | "actor">, jobId: string, opts: { freshBases?: boolean } = {}): PushJob {
  const job = getJob(db, jobId);
  if (!job) throw new SafeError("No such push job.", "not-found");
  if (job.state === "queued" || job.state === "running" || job.state === "waiting") throw new SafeError("That job has not finished yet.", "conflict");
  const out = enqueueJob(db, { sha: job.sha, branch: null, ref: job.ref, trigger: "rerun", requestedBy: actor.login, repository: job.repository });
  if (opts.freshBases) askFreshBases(db, out.job.id);
  return getJob(db, out.job.id)!;
}

/** Every worker drops its kept build cache once, before its next job (each worker reads the request at its claim). */
export function dropBuildCaches({ db, actor }: Pick<OperationContext, "db" | "actor">): { requestedAt: string } {
  return requestBuildCacheDrop(db, actor.login);
}
