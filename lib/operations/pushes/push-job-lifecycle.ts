import type { Clients } from "../../integrations/clients";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { appendJobLog, claimNextJob, getJob, heartbeatJob, reportJobResult, type PushJob, type ServiceRecord } from "./job-store";
import { claimNextPart, heartbeatPart, listJobParts, recordWorkerSeen, reportPartResult, sweepJobParts, type FinishedByParts } from "./job-parts-store";
import { describeWaiting } from "../../judgements/push/job-parts";
import type { ClaimedJob, JobResult } from "./worker/job-channel";
import { setCommitStatus, STATUS_CONTEXT } from "../../integrations/github/set-commit-status";
import { processPendingDeliveries } from "./process-pending-deliveries";
import { lastBuildCacheDrop, recentImageInputs } from "./build-records";


/** The job's repository (owner/name): its own, or the default one for jobs that name none. */
function jobRepository(config: DeckhandConfig, job: { repository: string | null }): string {
  return job.repository ?? config.github.repository;
}

/** Where workers fetch commits from: the job's repository's git URL on the configured GitHub. */
function gitRemoteUrl(config: DeckhandConfig, repository: string): string {
  return `${config.github.webUrl}/${repository}.git`;
}

async function reportCommitStatus(
  { clients, db }: { clients: Clients; db: Db },
  job: { jobId: string; attempt: number; sha: string; repository: string },
  state: "pending" | "success" | "failure",
  description: string,
  targetUrl?: string,
): Promise<void> {
  try {
    await setCommitStatus({ octokit: clients.github, repository: job.repository, sha: job.sha, state, description, targetUrl });
  } catch (err) {
    // The push itself stands; say on the job that GitHub was not told.
    const status = (err as { status?: number }).status;
    appendJobLog(db, {
      jobId: job.jobId,
      attempt: job.attempt,
      lines: [{ stream: "stderr", line: `could not set the ${STATUS_CONTEXT} commit status on ${job.repository} (${status ?? "network error"})` }],
    });
  }
}

/**
 * An operator cancelled a job a worker had claimed: GitHub showed it pending since the claim, so the commit status
 * says it ended, and who ended it (a queued job never had a status and gets none).
 */
export async function reportCancelledJob(ctx: { clients: Clients; db: Db; config: DeckhandConfig }, job: PushJob, by: string): Promise<void> {
  if (job.attempts === 0) return;
  const target = { jobId: job.id, attempt: job.attempts, sha: job.sha, repository: jobRepository(ctx.config, job) };
  await reportCommitStatus(ctx, target, "failure", `cancelled by ${by}: nothing more is built or pushed for this commit`, `${ctx.config.url}/pushes/${job.id}`);
}

/**
 * The token a worker fetches commits with. A standalone worker (over HTTP) gets DECKHAND_WORKER_GIT_TOKEN only, a
 * token that can read the repository's contents and nothing else (none when unset: the worker then needs its own);
 * GITHUB_TOKEN, which can write secrets and variables, never leaves the app. The embedded worker is part of the app
 * on its host and falls back to GITHUB_TOKEN when no worker token is configured.
 */
export function workerGitToken(config: DeckhandConfig, worker: "standalone" | "embedded"): string | undefined {
  if (config.workerGitToken) return config.workerGitToken;
  return worker === "embedded" ? config.github.token : undefined;
}

/** Sets the final commit status of jobs their last part finished (or the sweep timed out). */
async function reportFinishedByParts(ctx: { clients: Clients; db: Db; config: DeckhandConfig }, finished: FinishedByParts[]): Promise<void> {
  for (const f of finished) {
    await reportCommitStatus(ctx, { jobId: f.job.id, attempt: f.job.attempts, sha: f.job.sha, repository: jobRepository(ctx.config, f.job) }, f.summary.status.state, f.summary.status.description, `${ctx.config.url}/pushes/${f.job.id}`);
  }
}

/**
 * A worker takes the next unit of work; GitHub shows the commit as pending while it runs. First a job part it can
 * build (a service another worker left for its platform), else the next job. Push deliveries still waiting for
 * the forward-only check are decided first (processPendingDeliveries), so a worker never waits on an app that was
 * restarted between answering a webhook and checking it; parts past their deadline are failed first too
 * (sweepJobParts), which is what ends a job nobody could finish.
 */
export async function claimPushJob(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: { workerId: string; leaseMs: number; worker: "standalone" | "embedded"; platforms?: readonly string[] },
): Promise<ClaimedJob | null> {
  const platforms = opts.platforms ?? [];
  recordWorkerSeen(ctx.db, { workerId: opts.workerId, kind: opts.worker, platforms });
  await processPendingDeliveries({ db: ctx.db, github: ctx.clients.github, repo: ctx.clients.repo }).catch((err: Error) =>
    console.error(`[deckhand] checking webhook deliveries: ${err.message}`),
  );
  await reportFinishedByParts(ctx, sweepJobParts(ctx.db, { waitMinutes: ctx.config.platformWaitMinutes }));
  const common = (job: { id: string; sha: string; branch: string | null; freshBases: boolean; repository: string | null }, attempt: number): ClaimedJob & { repository: string } => {
    const repository = jobRepository(ctx.config, job);
    return {
      jobId: job.id,
      attempt,
      sha: job.sha,
      branch: job.branch,
      git: { url: gitRemoteUrl(ctx.config, repository), token: workerGitToken(ctx.config, opts.worker) },
      repository,
      leaseMs: opts.leaseMs,
      freshBases: job.freshBases,
      cacheDropRequestedAt: lastBuildCacheDrop(ctx.db)?.requestedAt,
      knownInputs: recentImageInputs(ctx.db),
    };
  };
  const part = platforms.length ? claimNextPart(ctx.db, { workerId: opts.workerId, platforms, leaseMs: opts.leaseMs }) : null;
  if (part) {
    const job = { ...common(part.job, part.attempt), part: { service: part.part.service, platform: part.part.platform } };
    appendJobLog(ctx.db, {
      jobId: part.job.id,
      attempt: part.job.attempts,
      lines: [{ stream: "stdout", line: `worker ${opts.workerId} (${platforms.join(", ")}) took ${part.part.service} for ${part.part.platform}, part attempt ${part.attempt}` }],
    });
    await reportCommitStatus(ctx, job, "pending", describeWaiting(listJobParts(ctx.db, part.job.id)), `${ctx.config.url}/pushes/${job.jobId}`);
    return job;
  }
  const claim = claimNextJob(ctx.db, { workerId: opts.workerId, leaseMs: opts.leaseMs });
  if (!claim) return null;
  const job = common(claim.job, claim.attempt);
  await reportCommitStatus(ctx, job, "pending", `building (attempt ${claim.attempt})`, `${ctx.config.url}/pushes/${job.jobId}`);
  return job;
}

/** A heartbeat for a job or a job part; it also says the worker is alive and which platforms it builds. */
export function heartbeatPushJob(
  db: Db,
  opts: { workerId: string; attempt: number; jobId: string; service?: string; leaseMs: number; worker: "standalone" | "embedded"; platforms?: readonly string[] },
): { ok: true } | { ok: false; reason: string } {
  recordWorkerSeen(db, { workerId: opts.workerId, kind: opts.worker, platforms: opts.platforms ?? [] });
  const d = opts.service
    ? heartbeatPart(db, { jobId: opts.jobId, service: opts.service, workerId: opts.workerId, attempt: opts.attempt, leaseMs: opts.leaseMs })
    : heartbeatJob(db, { jobId: opts.jobId, workerId: opts.workerId, attempt: opts.attempt, leaseMs: opts.leaseMs });
  return d.ok ? { ok: true } : { ok: false, reason: d.reason };
}

/**
 * A job part's result (its one service record): the part ends, and when it was the job's last open part the job
 * finishes and GitHub gets the final commit status. Only the part's holder (worker id and part attempt) counts.
 */
export async function finishJobPart(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: { workerId: string; job: Pick<ClaimedJob, "jobId" | "attempt">; record: ServiceRecord },
): Promise<boolean> {
  const out = reportPartResult(ctx.db, { jobId: opts.job.jobId, service: opts.record.service, workerId: opts.workerId, attempt: opts.job.attempt, result: opts.record });
  if (!out.decision.ok) return false;
  if (out.finished) await reportFinishedByParts(ctx, [out.finished]);
  else {
    const job = getJob(ctx.db, opts.job.jobId)!;
    await reportCommitStatus(ctx, { jobId: job.id, attempt: job.attempts, sha: job.sha, repository: jobRepository(ctx.config, job) }, "pending", describeWaiting(listJobParts(ctx.db, job.id)), `${ctx.config.url}/pushes/${job.id}`);
  }
  return true;
}

/**
 * A worker's final word: the job's state, then the commit status on GitHub. Only the lease holder's counts. With
 * services left waiting for another platform's worker, the job waits (its parts) and the status stays pending,
 * saying which service waits for which platform.
 */
export async function finishPushJob(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: { workerId: string; job: Pick<ClaimedJob, "jobId" | "attempt">; result: JobResult },
): Promise<boolean> {
  const decision = reportJobResult(ctx.db, {
    jobId: opts.job.jobId,
    workerId: opts.workerId,
    attempt: opts.job.attempt,
    result: opts.result.result,
    summary: { ...opts.result.summary, text: opts.result.status.description },
    error: opts.result.error ?? null,
    waiting: opts.result.waiting,
    waitMinutes: ctx.config.platformWaitMinutes,
  });
  if (!decision.ok) return false;
  const job = getJob(ctx.db, opts.job.jobId)!;
  const url = `${ctx.config.url}/pushes/${job.id}`;
  const target = { jobId: job.id, attempt: opts.job.attempt, sha: job.sha, repository: jobRepository(ctx.config, job) };
  if (job.state === "waiting") await reportCommitStatus(ctx, target, "pending", describeWaiting(listJobParts(ctx.db, job.id)), url);
  else await reportCommitStatus(ctx, target, opts.result.status.state, opts.result.status.description, url);
  return true;
}
