import type { Clients } from "../../../integrations/clients";
import type { DeckhandConfig } from "../../../infra/config/env";
import type { Db } from "../../../infra/db/open-db";
import { appendJobLog, recordServiceResult, type ServiceRecord } from "../job-store";
import { partLogAttempt } from "../job-parts-store";
import { claimPushJob, finishJobPart, finishPushJob, heartbeatPushJob } from "../push-job-lifecycle";
import { claimEcrRepository, type EcrClaimAnswer, type EcrClaimAsk } from "../claim-ecr-repository";
import type { ClaimedJob, HeartbeatAnswer, JobChannel, JobResult } from "./job-channel";

/** The embedded worker's channel: the store itself, shared with the app through SQLite's WAL. */
export class StoreChannel implements JobChannel {
  constructor(
    readonly workerId: string,
    private ctx: { clients: Clients; db: Db; config: DeckhandConfig },
    private leaseMs: number,
    readonly platforms: readonly string[] = [],
  ) {}

  claim(): Promise<ClaimedJob | null> {
    return claimPushJob(this.ctx, { workerId: this.workerId, leaseMs: this.leaseMs, worker: "embedded", platforms: this.platforms });
  }

  async heartbeat(job: ClaimedJob): Promise<HeartbeatAnswer> {
    return heartbeatPushJob(this.ctx.db, { jobId: job.jobId, service: job.part?.service, workerId: this.workerId, attempt: job.attempt, leaseMs: this.leaseMs, worker: "embedded", platforms: this.platforms });
  }

  async log(job: ClaimedJob, lines: Array<{ stream: string; line: string; at: string }>): Promise<void> {
    // A part's lines go under its job's attempt, beside the lines of the worker that ran the job.
    const attempt = job.part ? partLogAttempt(this.ctx.db, { jobId: job.jobId, service: job.part.service, workerId: this.workerId, attempt: job.attempt }) : job.attempt;
    if (attempt !== null) appendJobLog(this.ctx.db, { jobId: job.jobId, attempt, lines });
  }

  async recordService(job: ClaimedJob, result: ServiceRecord): Promise<boolean> {
    if (job.part) return finishJobPart(this.ctx, { workerId: this.workerId, job, record: result });
    return recordServiceResult(this.ctx.db, { jobId: job.jobId, workerId: this.workerId, attempt: job.attempt, result });
  }

  finish(job: ClaimedJob, result: JobResult): Promise<boolean> {
    return finishPushJob(this.ctx, { workerId: this.workerId, job, result });
  }

  claimEcrRepository(job: ClaimedJob, ask: EcrClaimAsk): Promise<EcrClaimAnswer> {
    return claimEcrRepository(this.ctx, { jobId: job.jobId, workerId: this.workerId, attempt: job.attempt, part: job.part ? true : undefined, ...ask });
  }
}
