// The Pushes pages and the Overview's pushes card: Deckhand's own push jobs, their services and logs, and
// the webhook deliveries, all from the store (no AWS or GitHub call, so these never wait).

import { getJob, jobOutcomesSince, lastPushPerService, listJobs, listServiceResults, readJobLog, type PushJob, type RepositoryFilter, type ServicePushSummary } from "../operations/pushes/job-store";
import { listDeliveries, type DeliveryRow } from "../operations/pushes/receive-github-delivery";
import { isTerminal } from "../judgements/push/job-states";
import { lastBuildCacheDrop } from "../operations/pushes/build-records";
import type { ReadContext } from "./context";

type StoreContext = Pick<ReadContext, "db">;

/**
 * The newest push jobs and webhook deliveries (50 of each), of one repository when `repository` says which (several
 * configured), and the last request to drop the workers' build caches.
 */
export function readPushes(
  ctx: StoreContext,
  limit = 50,
  repository?: RepositoryFilter,
): { jobs: PushJob[]; deliveries: DeliveryRow[]; lastCacheDrop: ReturnType<typeof lastBuildCacheDrop> } {
  return { jobs: listJobs(ctx.db, { limit, repository }), deliveries: listDeliveries(ctx.db, limit, repository), lastCacheDrop: lastBuildCacheDrop(ctx.db) };
}

export type JobLogLine = ReturnType<typeof readJobLog>[number];

export interface PushJobView {
  job: PushJob;
  running: boolean;
  /** The services of the job's latest attempt. */
  services: ReturnType<typeof listServiceResults>;
  log: JobLogLine[];
}

/** One job with its latest attempt's services and its log so far; null when there is no such job. */
export function readPushJob(ctx: StoreContext, jobId: string): PushJobView | null {
  const job = getJob(ctx.db, jobId);
  if (!job) return null;
  const all = listServiceResults(ctx.db, jobId);
  const latest = Math.max(...all.map((x) => x.attempt));
  return { job, running: !isTerminal(job.state), services: all.filter((s) => s.attempt === latest), log: readJobLog(ctx.db, jobId) };
}

/** Log lines after `afterId`, for the live log's polling; null when there is no such job. */
export function readJobLogSince(ctx: StoreContext, jobId: string, afterId: number): { state: PushJob["state"]; finished: boolean; lines: JobLogLine[] } | null {
  const job = getJob(ctx.db, jobId);
  if (!job) return null;
  return { state: job.state, finished: isTerminal(job.state), lines: readJobLog(ctx.db, job.id, afterId) };
}

/** For each compose service, what Deckhand's latest finished job decided. */
export function readLastPushPerService(ctx: StoreContext): ServicePushSummary[] {
  return lastPushPerService(ctx.db);
}

/** Finished jobs of the last `days` days, for the Overview's chart. */
export function readJobOutcomes(ctx: StoreContext & Pick<ReadContext, "now">, days = 30) {
  return jobOutcomesSince(ctx.db, days, ctx.now?.() ?? new Date());
}
