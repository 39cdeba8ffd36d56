import type { Clients } from "../../integrations/clients";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { appendJobLog, claimNextJob, getJob, reportJobResult } from "../../jobs/job-store";
import type { ClaimedJob, JobResult } from "../../worker/job-channel";
import { setCommitStatus, STATUS_CONTEXT } from "../../push/set-commit-status";


/** Where workers fetch commits from: the repository's git URL on the configured GitHub. */
function gitRemoteUrl(config: DeckhandConfig): string {
  return `${config.github.webUrl}/${config.github.repository}.git`;
}

async function reportCommitStatus(
  { clients, db }: { clients: Clients; db: Db },
  job: { jobId: string; attempt: number; sha: string },
  state: "pending" | "success" | "failure",
  description: string,
  targetUrl?: string,
): Promise<void> {
  try {
    await setCommitStatus({ octokit: clients.github, repository: `${clients.repo.owner}/${clients.repo.repo}`, sha: job.sha, state, description, targetUrl });
  } catch (err) {
    // The push itself stands; say on the job that GitHub was not told.
    const status = (err as { status?: number }).status;
    appendJobLog(db, {
      jobId: job.jobId,
      attempt: job.attempt,
      lines: [{ stream: "stderr", line: `could not set the ${STATUS_CONTEXT} commit status on GitHub (${status ?? "network error"})` }],
    });
  }
}

/** A worker takes the next job; GitHub shows the commit as pending while it runs. */
export async function claimPushJob(
  ctx: { clients: Clients; db: Db; config: DeckhandConfig },
  opts: { workerId: string; leaseMs: number; withToken: boolean },
): Promise<ClaimedJob | null> {
  const claim = claimNextJob(ctx.db, { workerId: opts.workerId, leaseMs: opts.leaseMs });
  if (!claim) return null;
  const job: ClaimedJob = {
    jobId: claim.job.id,
    attempt: claim.attempt,
    sha: claim.job.sha,
    branch: claim.job.branch,
    git: { url: gitRemoteUrl(ctx.config), token: opts.withToken ? ctx.config.github.token : undefined },
    leaseMs: opts.leaseMs,
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
  await reportCommitStatus(ctx, { jobId: job.id, attempt: opts.job.attempt, sha: job.sha }, opts.result.status.state, opts.result.status.description, `${ctx.config.url}/pushes/${job.id}`);
  return true;
}
