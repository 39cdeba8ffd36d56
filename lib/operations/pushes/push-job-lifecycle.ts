import type { Clients } from "../../integrations/clients";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { appendJobLog, claimNextJob, getJob, reportJobResult } from "./job-store";
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
 * The token a worker fetches commits with. A standalone worker (over HTTP) gets DECKHAND_WORKER_GIT_TOKEN only, a
 * token that can read the repository's contents and nothing else (none when unset: the worker then needs its own);
 * GITHUB_TOKEN, which can write secrets and variables, never leaves the app. The embedded worker is part of the app
 * on its host and falls back to GITHUB_TOKEN when no worker token is configured.
 */
export function workerGitToken(config: DeckhandConfig, worker: "standalone" | "embedded"): string | undefined {
  if (config.workerGitToken) return config.workerGitToken;
  return worker === "embedded" ? config.github.token : undefined;
}

/**
 * A worker takes the next job; GitHub shows the commit as pending while it runs. Push deliveries still waiting for
 * the forward-only check are decided first (processPendingDeliveries), so a worker never waits on an app that was
 * restarted between answering a webhook and checking it.
 */
export async function claimPushJob(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: { workerId: string; leaseMs: number; worker: "standalone" | "embedded" },
): Promise<ClaimedJob | null> {
  await processPendingDeliveries({ db: ctx.db, github: ctx.clients.github, repo: ctx.clients.repo }).catch((err: Error) =>
    console.error(`[deckhand] checking webhook deliveries: ${err.message}`),
  );
  const claim = claimNextJob(ctx.db, { workerId: opts.workerId, leaseMs: opts.leaseMs });
  if (!claim) return null;
  const repository = jobRepository(ctx.config, claim.job);
  const job: ClaimedJob & { repository: string } = {
    jobId: claim.job.id,
    attempt: claim.attempt,
    sha: claim.job.sha,
    branch: claim.job.branch,
    git: { url: gitRemoteUrl(ctx.config, repository), token: workerGitToken(ctx.config, opts.worker) },
    repository,
    leaseMs: opts.leaseMs,
    freshBases: claim.job.freshBases,
    cacheDropRequestedAt: lastBuildCacheDrop(ctx.db)?.requestedAt,
    knownInputs: recentImageInputs(ctx.db),
  };
  await reportCommitStatus(ctx, job, "pending", `building (attempt ${claim.attempt})`, `${ctx.config.url}/pushes/${job.jobId}`);
  return job;
}

/** A worker's final word: the job's state, then the commit status on GitHub. Only the lease holder's counts. */
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
  });
  if (!decision.ok) return false;
  const job = getJob(ctx.db, opts.job.jobId)!;
  await reportCommitStatus(ctx, { jobId: job.id, attempt: opts.job.attempt, sha: job.sha, repository: jobRepository(ctx.config, job) }, opts.result.status.state, opts.result.status.description, `${ctx.config.url}/pushes/${job.id}`);
  return true;
}
