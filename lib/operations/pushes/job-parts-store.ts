import type { Db } from "../../infra/db/open-db";
import {
  decideJobAfterParts,
  decideLeaseFence,
  decidePartClaim,
  decidePartHeartbeat,
  decidePartReport,
  decidePartSweep,
  type PartHeartbeatDecision,
  type PartReportDecision,
  type PartState,
} from "../../judgements/push/job-parts";
import type { JobState } from "../../judgements/push/job-states";
import { summarizeOutcomes } from "../../judgements/push/summarize-outcomes";
import { DEFAULT_PLATFORM_WAIT_MINUTES, getJob, insertServiceRecord, listServiceResults, releaseClaimIfNothingPushed, type PushJob, type ServiceRecord } from "./job-store";

/**
 * Job parts in the store (issue 14): a service the job's worker could not build waits for a worker reporting its
 * platform. Every change is one IMMEDIATE transaction over the pure decisions of lib/judgements/push/job-parts.ts;
 * a part's worker quotes its worker id and the part's attempt number in every heartbeat and report.
 */

export interface JobPart {
  jobId: string;
  service: string;
  repository: string;
  platform: string;
  state: PartState;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  leaseUntil: number | null;
  waitingSince: string;
  /** Epoch milliseconds. */
  deadline: number;
  error: string | null;
  finishedAt: string | null;
}

interface PartRow {
  job_id: string;
  service: string;
  repository: string;
  platform: string;
  state: PartState;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_until: number | null;
  waiting_since: string;
  deadline: number;
  error: string | null;
  finished_at: string | null;
}

function toPart(r: PartRow): JobPart {
  return {
    jobId: r.job_id,
    service: r.service,
    repository: r.repository,
    platform: r.platform,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    workerId: r.worker_id,
    leaseUntil: r.lease_until,
    waitingSince: r.waiting_since,
    deadline: r.deadline,
    error: r.error,
    finishedAt: r.finished_at,
  };
}

const lease = (r: PartRow) => ({ state: r.state, platform: r.platform, attempts: r.attempts, maxAttempts: r.max_attempts, workerId: r.worker_id, leaseUntil: r.lease_until, deadline: r.deadline });

export function listJobParts(db: Db, jobId: string): JobPart[] {
  return (db.prepare(`SELECT * FROM push_job_parts WHERE job_id = ? ORDER BY service`).all(jobId) as PartRow[]).map(toPart);
}

function jobState(db: Db, jobId: string): JobState | null {
  return ((db.prepare(`SELECT state FROM push_jobs WHERE id = ?`).get(jobId) as { state: JobState } | undefined)?.state) ?? null;
}

/** A job finished by its parts: what changed, so the caller can set the commit status. */
export interface FinishedByParts {
  job: PushJob;
  summary: { state: "succeeded" | "skipped" | "failed"; status: { state: "success" | "failure"; description: string } };
}

/**
 * Ends a waiting job whose parts have all ended: its state and commit status text come from every service record
 * of its attempt (the first worker's and the parts'), as summarizeOutcomes decides. Inside the caller's transaction.
 */
function finishIfPartsDone(db: Db, jobId: string, now: number): FinishedByParts | null {
  const job = getJob(db, jobId);
  if (!job || job.state !== "waiting") return null;
  const parts = db.prepare(`SELECT state FROM push_job_parts WHERE job_id = ?`).all(jobId) as { state: PartState }[];
  if (decideJobAfterParts(parts) === "wait") return null;
  const records = listServiceResults(db, jobId).filter((s) => s.attempt === job.attempts);
  const outcomes = records.map((s) => ({ service: s.service, result: s.decision === "waiting" ? ("failed" as const) : s.decision }));
  const summary = summarizeOutcomes(outcomes);
  const failed = records.filter((s) => s.decision === "failed" || s.decision === "waiting");
  const previous = job.summary ?? {};
  db.prepare(`UPDATE push_jobs SET state = ?, summary = ?, error = ?, finished_at = ? WHERE id = ? AND state = 'waiting'`).run(
    summary.state,
    JSON.stringify({ ...previous, services: records.map((s) => ({ service: s.service, result: s.decision, reason: s.detail })), text: summary.status.description }),
    summary.state === "failed" ? failed.map((s) => `${s.service}: ${s.detail ?? s.decision}`).join("; ") || summary.status.description : null,
    new Date(now).toISOString(),
    jobId,
  );
  return { job: getJob(db, jobId)!, summary };
}

/**
 * The sweep over open parts: a waiting part past its deadline fails ("no worker that can build linux/arm64 claimed
 * it within 30 min"), a running part whose lease ran out waits again or fails; a job whose parts all ended finishes.
 * Returns the jobs it finished, for their commit statuses.
 */
export function sweepJobParts(db: Db, opts: { now?: number; waitMinutes?: number } = {}): FinishedByParts[] {
  const now = opts.now ?? Date.now();
  const waitMinutes = opts.waitMinutes ?? DEFAULT_PLATFORM_WAIT_MINUTES;
  return db
    .transaction(() => {
      const open = db
        .prepare(`SELECT * FROM push_job_parts WHERE (state = 'waiting' AND deadline <= ?) OR (state = 'running' AND (lease_until IS NULL OR lease_until <= ?))`)
        .all(now, now) as PartRow[];
      const touched = new Set<string>();
      for (const r of open) {
        const d = decidePartSweep({ part: lease(r), now, waitMinutes });
        if (d.action === "requeue") {
          db.prepare(`UPDATE push_job_parts SET state = 'waiting', worker_id = NULL, lease_until = NULL, deadline = ? WHERE job_id = ? AND service = ?`).run(d.deadline, r.job_id, r.service);
        } else if (d.action === "fail") {
          db.prepare(`UPDATE push_job_parts SET state = 'failed', error = ?, lease_until = NULL, finished_at = ? WHERE job_id = ? AND service = ?`).run(
            d.reason,
            new Date(now).toISOString(),
            r.job_id,
            r.service,
          );
          const attempt = (db.prepare(`SELECT attempts FROM push_jobs WHERE id = ?`).get(r.job_id) as { attempts: number }).attempts;
          insertServiceRecord(db, r.job_id, attempt, { service: r.service, repository: r.repository, decision: "failed", detail: `platform-unavailable: ${d.reason}` });
          touched.add(r.job_id);
        }
      }
      return [...touched].map((id) => finishIfPartsDone(db, id, now)).filter((f): f is FinishedByParts => f !== null);
    })
    .immediate();
}

export interface PartClaim {
  job: PushJob;
  part: JobPart;
  /** The part's attempt number: quoted in its heartbeats and its report. */
  attempt: number;
}

/** Take the oldest waiting part this worker can build (it reports the part's platform), or null. */
export function claimNextPart(db: Db, opts: { workerId: string; platforms: readonly string[]; leaseMs: number; now?: number }): PartClaim | null {
  const now = opts.now ?? Date.now();
  return db
    .transaction((): PartClaim | null => {
      const candidates = db
        .prepare(`SELECT p.* FROM push_job_parts p JOIN push_jobs j ON j.id = p.job_id WHERE p.state = 'waiting' AND j.state = 'waiting' ORDER BY j.seq, p.service LIMIT 50`)
        .all() as PartRow[];
      for (const r of candidates) {
        const d = decidePartClaim({ part: lease(r), jobState: "waiting", workerId: opts.workerId, platforms: opts.platforms, now, leaseMs: opts.leaseMs });
        if (!d.ok) continue;
        db.prepare(`UPDATE push_job_parts SET state = 'running', attempts = ?, worker_id = ?, lease_until = ? WHERE job_id = ? AND service = ? AND state = 'waiting'`).run(
          d.attempts,
          d.workerId,
          d.leaseUntil,
          r.job_id,
          r.service,
        );
        const part = toPart(db.prepare(`SELECT * FROM push_job_parts WHERE job_id = ? AND service = ?`).get(r.job_id, r.service) as PartRow);
        return { job: getJob(db, r.job_id)!, part, attempt: d.attempts };
      }
      return null;
    })
    .immediate();
}

export function heartbeatPart(db: Db, opts: { jobId: string; service: string; workerId: string; attempt: number; leaseMs: number; now?: number }): PartHeartbeatDecision {
  const now = opts.now ?? Date.now();
  return db
    .transaction((): PartHeartbeatDecision => {
      const r = db.prepare(`SELECT * FROM push_job_parts WHERE job_id = ? AND service = ?`).get(opts.jobId, opts.service) as PartRow | undefined;
      const state = jobState(db, opts.jobId);
      if (!r || !state) return { ok: false, reason: "not-running" };
      const d = decidePartHeartbeat({ part: lease(r), jobState: state, workerId: opts.workerId, attempt: opts.attempt, now, leaseMs: opts.leaseMs });
      if (d.ok) db.prepare(`UPDATE push_job_parts SET lease_until = ? WHERE job_id = ? AND service = ?`).run(d.leaseUntil, opts.jobId, opts.service);
      return d;
    })
    .immediate();
}

/**
 * A part's result: its service record replaces the "waiting" one under the job's attempt, the part ends, and the
 * job finishes when it was the last open part. Only the part's holder (worker id and attempt) is heard.
 */
export function reportPartResult(
  db: Db,
  opts: { jobId: string; service: string; workerId: string; attempt: number; result: ServiceRecord; now?: number },
): { decision: PartReportDecision; finished: FinishedByParts | null } {
  const now = opts.now ?? Date.now();
  return db
    .transaction(() => {
      const r = db.prepare(`SELECT * FROM push_job_parts WHERE job_id = ? AND service = ?`).get(opts.jobId, opts.service) as PartRow | undefined;
      const job = getJob(db, opts.jobId);
      if (!r || !job) return { decision: { ok: false, reason: "not-running" } as PartReportDecision, finished: null };
      const decision = decidePartReport({ part: lease(r), jobState: job.state, workerId: opts.workerId, attempt: opts.attempt });
      if (!decision.ok) return { decision, finished: null };
      const result = { ...opts.result, service: r.service };
      insertServiceRecord(db, opts.jobId, job.attempts, result);
      // A part's own attempt counts too: a requeued part's earlier attempt may have pushed and died before reporting.
      releaseClaimIfNothingPushed(db, opts.jobId, Math.max(job.attempts, opts.attempt), result);
      const end: PartState = result.decision === "pushed" ? "succeeded" : result.decision === "skipped" ? "skipped" : "failed";
      db.prepare(`UPDATE push_job_parts SET state = ?, error = ?, lease_until = NULL, finished_at = ? WHERE job_id = ? AND service = ?`).run(
        end,
        end === "failed" ? (result.detail ?? "failed") : null,
        new Date(now).toISOString(),
        opts.jobId,
        opts.service,
      );
      return { decision, finished: finishIfPartsDone(db, opts.jobId, now) };
    })
    .immediate();
}

/**
 * Whether this worker holds the part now (worker id and part attempt): only the holder writes to the job's log.
 * Returns the job's attempt, the one the log lines are kept under, or null.
 */
export function partLogAttempt(db: Db, opts: { jobId: string; service: string; workerId: string; attempt: number }): number | null {
  const r = db
    .prepare(`SELECT j.attempts FROM push_job_parts p JOIN push_jobs j ON j.id = p.job_id WHERE p.job_id = ? AND p.service = ? AND p.state = 'running' AND p.worker_id = ? AND p.attempts = ?`)
    .get(opts.jobId, opts.service, opts.workerId, opts.attempt) as { attempts: number } | undefined;
  return r?.attempts ?? null;
}

/** A worker as the app last heard of it: the platforms it builds, when it was last seen. */
export interface PushWorker {
  workerId: string;
  kind: "embedded" | "standalone";
  platforms: string[];
  firstSeen: string;
  lastSeen: string;
}

/** Records that a worker claimed or heartbeat, with the platforms it reports. */
export function recordWorkerSeen(db: Db, opts: { workerId: string; kind: "embedded" | "standalone"; platforms: readonly string[]; now?: Date }): void {
  const at = (opts.now ?? new Date()).toISOString();
  db.prepare(
    `INSERT INTO push_workers (worker_id, kind, platforms, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (worker_id) DO UPDATE SET kind = excluded.kind, platforms = excluded.platforms, last_seen = excluded.last_seen`,
  ).run(opts.workerId, opts.kind, JSON.stringify(opts.platforms), at, at);
}

/** Workers seen since `since` (ISO 8601), most recently seen first. */
export function listWorkers(db: Db, opts: { since?: string; limit?: number } = {}): PushWorker[] {
  const rows = db
    .prepare(`SELECT * FROM push_workers WHERE last_seen >= ? ORDER BY last_seen DESC LIMIT ?`)
    .all(opts.since ?? "", Math.min(Math.max(opts.limit ?? 50, 1), 500)) as Array<{ worker_id: string; kind: PushWorker["kind"]; platforms: string; first_seen: string; last_seen: string }>;
  return rows.map((r) => ({ workerId: r.worker_id, kind: r.kind, platforms: JSON.parse(r.platforms) as string[], firstSeen: r.first_seen, lastSeen: r.last_seen }));
}

/**
 * Whether `workerId` holds the lease on a job (running, its worker, its attempt) or, with `service`, on that job part
 * (running, its worker, the part's attempt, the job still waiting for it): the fence of every worker call that is not
 * a report, such as an ECR repository claim (issue 16), decided by the reports' own fence (decideLeaseFence).
 */
export function holdsLease(db: Db, opts: { jobId: string; workerId: string; attempt: number; service?: string }): boolean {
  const job = db.prepare(`SELECT state, attempts, max_attempts, worker_id, lease_until FROM push_jobs WHERE id = ?`).get(opts.jobId) as
    | { state: JobState; attempts: number; max_attempts: number; worker_id: string | null; lease_until: number | null }
    | undefined;
  if (!job) return false;
  let part: ReturnType<typeof lease> | undefined;
  if (opts.service !== undefined) {
    const r = db.prepare(`SELECT * FROM push_job_parts WHERE job_id = ? AND service = ?`).get(opts.jobId, opts.service) as PartRow | undefined;
    if (!r) return false;
    part = lease(r);
  }
  return decideLeaseFence({
    job: { state: job.state, attempts: job.attempts, maxAttempts: job.max_attempts, workerId: job.worker_id, leaseUntil: job.lease_until },
    part,
    workerId: opts.workerId,
    attempt: opts.attempt,
  }).ok;
}
