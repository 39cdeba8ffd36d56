// The Pushes pages and the Overview's pushes card: Deckhand's own push jobs, their services and logs, and
// the webhook deliveries, all from the store (no AWS or GitHub call, so these never wait).

import { getJob, jobOutcomesSince, lastPushPerService, listJobs, listServiceResults, readJobLog, type PushJob, type RepositoryFilter, type ServicePushSummary } from "../operations/pushes/job-store";
import { listDeliveries, type DeliveryRow } from "../operations/pushes/receive-github-delivery";
import { isTerminal } from "../judgements/push/job-states";
import { lastBuildCacheDrop } from "../operations/pushes/build-records";
import { listJobParts, listWorkers, type JobPart, type PushWorker } from "../operations/pushes/job-parts-store";
import { describeWaiting } from "../judgements/push/job-parts";
import type { ReadContext } from "./context";

type StoreContext = Pick<ReadContext, "db">;

/** A worker not heard from for this long (ms) is marked on the Pushes page: gone, or stuck. */
const WORKER_SILENT_MS = 5 * 60_000;

/** Workers seen in the last week are listed on the Pushes page. */
const WORKERS_SHOWN_MS = 7 * 86_400_000;

/**
 * The newest push jobs and webhook deliveries (50 of each), of one repository when `repository` says which (several
 * configured), the last request to drop the workers' build caches, the workers seen in the last week with their
 * platforms, and for each waiting job which service waits for which platform (by job id).
 */
export function readPushes(
  ctx: StoreContext & Partial<Pick<ReadContext, "now">>,
  limit = 50,
  repository?: RepositoryFilter,
): { jobs: PushJob[]; deliveries: DeliveryRow[]; lastCacheDrop: ReturnType<typeof lastBuildCacheDrop>; workers: Array<PushWorker & { silent: boolean }>; waiting: Record<string, string> } {
  const jobs = listJobs(ctx.db, { limit, repository });
  const now = ctx.now?.() ?? new Date();
  const waiting = Object.fromEntries(jobs.filter((j) => j.state === "waiting").map((j) => [j.id, describeWaiting(listJobParts(ctx.db, j.id))]));
  return {
    jobs,
    deliveries: listDeliveries(ctx.db, limit, repository),
    lastCacheDrop: lastBuildCacheDrop(ctx.db),
    // A worker asks every second when idle and heartbeats while building: minutes of silence mean it is gone or stuck.
    workers: listWorkers(ctx.db, { since: new Date(now.getTime() - WORKERS_SHOWN_MS).toISOString() }).map((w) => ({ ...w, silent: now.getTime() - Date.parse(w.lastSeen) > WORKER_SILENT_MS })),
    waiting,
  };
}

export type JobLogLine = ReturnType<typeof readJobLog>[number];

export interface PushJobView {
  job: PushJob;
  running: boolean;
  /** The services of the job's latest attempt. */
  services: ReturnType<typeof listServiceResults>;
  log: JobLogLine[];
  /** Services left for a worker that can build their platform (issue 14), with their state. */
  parts: JobPart[];
}

/** One job with its latest attempt's services and its log so far; null when there is no such job. */
export function readPushJob(ctx: StoreContext, jobId: string): PushJobView | null {
  const job = getJob(ctx.db, jobId);
  if (!job) return null;
  const all = listServiceResults(ctx.db, jobId);
  const latest = Math.max(...all.map((x) => x.attempt));
  return { job, running: !isTerminal(job.state), services: all.filter((s) => s.attempt === latest), log: readJobLog(ctx.db, jobId), parts: listJobParts(ctx.db, jobId) };
}

/** Log lines after `afterId`, for the live log's polling; null when there is no such job. */
export function readJobLogSince(ctx: StoreContext, jobId: string, afterId: number): { state: PushJob["state"]; finished: boolean; lines: JobLogLine[] } | null {
  const job = getJob(ctx.db, jobId);
  if (!job) return null;
  return { state: job.state, finished: isTerminal(job.state), lines: readJobLog(ctx.db, job.id, afterId) };
}

type PageRepository = Pick<ReadContext, "github" | "defaultRepository">;

/** The jobs of the repository a page shows (`ctx.github.repository`); the default one also owns jobs stored without one. */
function ownJobs(ctx: PageRepository): RepositoryFilter {
  return { name: ctx.github.repository, isDefault: ctx.github.repository.toLowerCase() === (ctx.defaultRepository ?? ctx.github.repository).toLowerCase() };
}

/** For each compose service of the page's repository, what Deckhand's latest finished job of it decided. */
export function readLastPushPerService(ctx: StoreContext & PageRepository): ServicePushSummary[] {
  return lastPushPerService(ctx.db, ownJobs(ctx));
}

/** The page's repository's finished jobs of the last `days` days, for the Overview's chart. */
export function readJobOutcomes(ctx: StoreContext & PageRepository & Pick<ReadContext, "now">, days = 30) {
  return jobOutcomesSince(ctx.db, days, ctx.now?.() ?? new Date(), ownJobs(ctx));
}
