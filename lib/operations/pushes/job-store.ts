import { randomUUID } from "node:crypto";
import type { Db } from "../../infra/db/open-db";
import {
  decideCancel,
  decideClaim,
  decideEnqueue,
  decideHeartbeat,
  decideJobFence,
  decideLeaseExpiry,
  decideReport,
  type HeartbeatDecision,
  type JobState,
  type QueuedJobRef,
  type ReportDecision,
} from "../../judgements/push/job-states";
import { appendCappedJobLog, type JobLogLimits } from "./cap-job-log";
import { recordImageInputs } from "./build-records";
import { dropUnusedJobClaim } from "./ecr-owners-store";
import { recordAudit } from "../../infra/audit/record-audit";

/**
 * Push jobs in the store. Every change runs in one IMMEDIATE transaction over the pure decisions of
 * lib/judgements/push/job-states, so any number of workers (embedded or remote) can share the queue and no job is
 * ever held by two of them: the attempt number is the fencing token every heartbeat and report quotes.
 */

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_LEASE_MS = 60_000;
/** DECKHAND_PLATFORM_WAIT_MINUTES' default: how long a service waits for a worker that can build its platform. */
export const DEFAULT_PLATFORM_WAIT_MINUTES = 30;

/** A service left for a worker that can build `platform` (issue 14). */
export interface WaitingService {
  service: string;
  repository: string;
  platform: string;
}

export interface PushJob {
  seq: number;
  id: string;
  state: JobState;
  trigger: "webhook" | "manual" | "api" | "rerun";
  requestedBy: string;
  deliveryId: string | null;
  branch: string | null;
  ref: string | null;
  sha: string;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  leaseUntil: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  supersededBy: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  /** An operator asked for this job to pull every base image again ("rebuild with fresh base images"). */
  freshBases: boolean;
  /** The GitHub repository (owner/name) it builds; null for jobs queued before several repositories: the default one. */
  repository: string | null;
}

interface JobRow {
  seq: number;
  id: string;
  state: JobState;
  trigger: PushJob["trigger"];
  requested_by: string;
  delivery_id: string | null;
  branch: string | null;
  ref: string | null;
  sha: string;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_until: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  superseded_by: string | null;
  summary: string | null;
  error: string | null;
  fresh_bases: number;
  repository: string | null;
}

function toJob(r: JobRow): PushJob {
  return {
    seq: r.seq,
    id: r.id,
    state: r.state,
    trigger: r.trigger,
    requestedBy: r.requested_by,
    deliveryId: r.delivery_id,
    branch: r.branch,
    ref: r.ref,
    sha: r.sha,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    workerId: r.worker_id,
    leaseUntil: r.lease_until,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    supersededBy: r.superseded_by,
    summary: r.summary ? (JSON.parse(r.summary) as Record<string, unknown>) : null,
    error: r.error,
    freshBases: r.fresh_bases === 1,
    repository: r.repository ?? null,
  };
}

export function getJob(db: Db, id: string): PushJob | null {
  const r = db.prepare(`SELECT * FROM push_jobs WHERE id = ?`).get(id) as JobRow | undefined;
  return r ? toJob(r) : null;
}

/** Which repository's rows: `name` (owner/name), and whether it is the default one, which owns rows without a name. */
export interface RepositoryFilter {
  name: string;
  isDefault: boolean;
}

/**
 * SQL for a RepositoryFilter over a repository column (`column`, default `repository`; NULL: the default repository);
 * no filter matches every row.
 */
export function repositoryWhere(filter: RepositoryFilter | undefined, column = "repository"): { sql: string; args: unknown[] } {
  if (!filter) return { sql: "1", args: [] };
  return { sql: `(${column} = ? COLLATE NOCASE OR (? AND ${column} IS NULL))`, args: [filter.name, filter.isDefault ? 1 : 0] };
}

export function listJobs(db: Db, opts: { limit?: number; beforeSeq?: number; state?: JobState; repository?: RepositoryFilter } = {}): PushJob[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (opts.repository) {
    const r = repositoryWhere(opts.repository);
    where.push(r.sql);
    args.push(...r.args);
  }
  if (opts.beforeSeq) {
    where.push("seq < ?");
    args.push(opts.beforeSeq);
  }
  if (opts.state) {
    where.push("state = ?");
    args.push(opts.state);
  }
  args.push(Math.min(Math.max(opts.limit ?? 50, 1), 500));
  const rows = db.prepare(`SELECT * FROM push_jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`).all(...args) as JobRow[];
  return rows.map(toJob);
}

export interface EnqueueInput {
  sha: string;
  branch: string | null;
  ref: string | null;
  trigger: PushJob["trigger"];
  requestedBy: string;
  deliveryId?: string | null;
  maxAttempts?: number;
  /** owner/name; omitted: the default repository (stored as NULL, as jobs from before). */
  repository?: string | null;
}

export type EnqueueOutcome = { kind: "enqueued"; job: PushJob; superseded: string[] } | { kind: "duplicate"; job: PushJob };

/** Queue a job; queued jobs of the same repository and branch become superseded, the same commit is never queued twice. */
export function enqueueJob(db: Db, input: EnqueueInput, now = new Date()): EnqueueOutcome {
  return db
    .transaction((): EnqueueOutcome => {
      const queued = (input.branch
        ? db
            .prepare(
              `SELECT id, state, branch, sha, seq,
                 (SELECT COUNT(*) FROM push_job_parts p WHERE p.job_id = push_jobs.id AND p.state = 'running') AS runningParts
               FROM push_jobs WHERE state IN ('queued', 'waiting') AND branch = ? AND repository IS ?`,
            )
            .all(input.branch, input.repository ?? null)
        : []) as QueuedJobRef[];
      const nextSeq = ((db.prepare(`SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM push_jobs`).get() as { s: number }).s);
      const decision = decideEnqueue({ jobs: queued, branch: input.branch, sha: input.sha, seq: nextSeq });
      if (decision.action === "duplicate") return { kind: "duplicate", job: getJob(db, decision.of)! };
      const id = randomUUID();
      db.prepare(
        `INSERT INTO push_jobs (id, state, trigger, requested_by, delivery_id, branch, ref, sha, max_attempts, created_at, repository)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, input.trigger, input.requestedBy, input.deliveryId ?? null, input.branch, input.ref, input.sha, input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, now.toISOString(), input.repository ?? null);
      const supersede = db.prepare(`UPDATE push_jobs SET state = 'superseded', superseded_by = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'waiting')`);
      // A superseded waiting job's parts end with it (none is running: decideEnqueue leaves such a job alone).
      const supersedeParts = db.prepare(`UPDATE push_job_parts SET state = 'superseded', finished_at = ? WHERE job_id = ? AND state = 'waiting'`);
      for (const old of decision.supersede) {
        supersede.run(id, now.toISOString(), old);
        supersedeParts.run(now.toISOString(), old);
      }
      return { kind: "enqueued", job: getJob(db, id)!, superseded: decision.supersede };
    })
    .immediate();
}

/**
 * Requeue or fail running jobs whose lease ran out (their worker died or hung). Returns what changed,
 * for the log.
 */
export function sweepExpiredLeases(db: Db, now = Date.now()): Array<{ id: string; action: "requeue" | "fail" }> {
  return db
    .transaction(() => {
      const changed: Array<{ id: string; action: "requeue" | "fail" }> = [];
      const running = db.prepare(`SELECT * FROM push_jobs WHERE state = 'running' AND (lease_until IS NULL OR lease_until <= ?)`).all(now) as JobRow[];
      for (const r of running) {
        const d = decideLeaseExpiry({ now, leaseUntil: r.lease_until, attempts: r.attempts, maxAttempts: r.max_attempts });
        if (d.action === "requeue") {
          db.prepare(`UPDATE push_jobs SET state = 'queued', worker_id = NULL, lease_until = NULL WHERE id = ? AND state = 'running'`).run(r.id);
          changed.push({ id: r.id, action: "requeue" });
        } else if (d.action === "fail") {
          db.prepare(`UPDATE push_jobs SET state = 'failed', error = ?, finished_at = ?, lease_until = NULL WHERE id = ? AND state = 'running'`).run(
            d.reason,
            new Date(now).toISOString(),
            r.id,
          );
          changed.push({ id: r.id, action: "fail" });
        }
      }
      return changed;
    })
    .immediate();
}

export interface Claim {
  job: PushJob;
  /** The attempt number: quote it in every heartbeat, log line and report. */
  attempt: number;
}

/** Take the oldest queued job for this worker, after sweeping expired leases. */
export function claimNextJob(db: Db, opts: { workerId: string; leaseMs?: number; now?: number }): Claim | null {
  const now = opts.now ?? Date.now();
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  sweepExpiredLeases(db, now);
  return db
    .transaction((): Claim | null => {
      const candidates = db.prepare(`SELECT * FROM push_jobs WHERE state = 'queued' ORDER BY seq LIMIT 20`).all() as JobRow[];
      for (const r of candidates) {
        const d = decideClaim({ job: { state: r.state, attempts: r.attempts, maxAttempts: r.max_attempts }, workerId: opts.workerId, now, leaseMs });
        if (!d.ok) {
          if (d.reason === "attempts-exhausted") {
            db.prepare(`UPDATE push_jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state = 'queued'`).run(
              `gave up after ${r.attempts} attempts`,
              new Date(now).toISOString(),
              r.id,
            );
          }
          continue;
        }
        db.prepare(
          `UPDATE push_jobs SET state = 'running', attempts = ?, worker_id = ?, lease_until = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND state = 'queued'`,
        ).run(d.attempts, d.workerId, d.leaseUntil, new Date(now).toISOString(), r.id);
        return { job: getJob(db, r.id)!, attempt: d.attempts };
      }
      return null;
    })
    .immediate();
}

export function heartbeatJob(db: Db, opts: { jobId: string; workerId: string; attempt: number; leaseMs?: number; now?: number }): HeartbeatDecision {
  const now = opts.now ?? Date.now();
  return db
    .transaction((): HeartbeatDecision => {
      const r = db.prepare(`SELECT * FROM push_jobs WHERE id = ?`).get(opts.jobId) as JobRow | undefined;
      if (!r) return { ok: false, reason: "not-running" };
      const d = decideHeartbeat({
        job: { state: r.state, attempts: r.attempts, maxAttempts: r.max_attempts, workerId: r.worker_id, leaseUntil: r.lease_until },
        workerId: opts.workerId,
        attempt: opts.attempt,
        now,
        leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS,
      });
      if (d.ok) db.prepare(`UPDATE push_jobs SET lease_until = ? WHERE id = ?`).run(d.leaseUntil, opts.jobId);
      return d;
    })
    .immediate();
}

export interface ServiceRecord {
  service: string;
  repository: string;
  /** "waiting": left for a worker that can build its platform (a job part); its part's result replaces this record. */
  decision: "pushed" | "skipped" | "failed" | "not-built" | "waiting";
  detail?: string | null;
  localConfigDigest?: string | null;
  localManifestDigest?: string | null;
  remoteDigestBefore?: string | null;
  blobsUploaded?: number;
  bytesUploaded?: number;
  timings?: Record<string, number>;
  /** Digest of the service's build inputs (issue 15); kept with the image it built or found equal. */
  inputsDigest?: string | null;
  /** What the build reused and what the image weighs: the Pushes page's savings. */
  build?: ServiceBuildDetail | null;
}

export interface ServiceBuildDetail {
  imageBlobs?: number;
  imageBytes?: number;
  steps?: { total: number; cached: number };
  baseImages?: { ref: string; digest?: string; pulled?: boolean }[];
  freshBases?: boolean;
}

/**
 * Record one service's outcome; only the current lease holder may. Its build inputs are kept with the image that
 * `latest` points to after it: the one pushed, or the one found equal (skipped).
 */
export function recordServiceResult(db: Db, opts: { jobId: string; workerId: string; attempt: number; result: ServiceRecord }): boolean {
  return db
    .transaction(() => {
      const r = db.prepare(`SELECT state, worker_id, attempts, max_attempts FROM push_jobs WHERE id = ?`).get(opts.jobId) as JobRow | undefined;
      if (!r) return false;
      const job = { state: r.state, attempts: r.attempts, maxAttempts: r.max_attempts, workerId: r.worker_id };
      if (!decideJobFence({ job, workerId: opts.workerId, attempt: opts.attempt }).ok) return false;
      insertServiceRecord(db, opts.jobId, opts.attempt, opts.result);
      releaseClaimIfNothingPushed(db, opts.jobId, opts.attempt, opts.result);
      return true;
    })
    .immediate();
}

/**
 * Writes one service's record under the job's attempt (a later record of the same service replaces it: a part's
 * result replaces its "waiting" record) and keeps its build inputs with the image `latest` points to after it.
 * The caller holds the transaction and has checked the lease.
 */
export function insertServiceRecord(db: Db, jobId: string, attempt: number, s: ServiceRecord): void {
  db.prepare(
    `INSERT OR REPLACE INTO push_job_services (job_id, attempt, service, repository, decision, detail, local_config_digest, local_manifest_digest,
       remote_digest_before, blobs_uploaded, bytes_uploaded, timings, inputs_digest, build) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
        jobId,
        attempt,
        s.service,
        s.repository,
        s.decision,
        s.detail ?? null,
        s.localConfigDigest ?? null,
        s.localManifestDigest ?? null,
        s.remoteDigestBefore ?? null,
        s.blobsUploaded ?? 0,
        s.bytesUploaded ?? 0,
        s.timings ? JSON.stringify(s.timings) : null,
        s.inputsDigest ?? null,
        s.build ? JSON.stringify(s.build) : null,
  );
  const image = s.decision === "pushed" ? s.localManifestDigest : s.decision === "skipped" ? s.remoteDigestBefore : null;
  if (s.inputsDigest && image) recordImageInputs(db, { repository: s.repository, imageDigest: image, inputsDigest: s.inputsDigest, jobId });
}

/** Failures before anything of the service can reach ECR (the ECR repository is created at the push step). */
const BEFORE_UPLOAD = /^(build-failed|compare-failed|path-outside-repository|platform-unavailable)\b/;

/**
 * A worker's own report of a service that cannot have reached ECR: its first attempt (an earlier attempt may have
 * pushed and died before reporting), not built, or failed before the push step with nothing uploaded. The ECR
 * repository name its claim took (if it took one) is free again (dropUnusedJobClaim), audited. Not for a sweep's
 * record: a worker that lost its lease may still be uploading. The caller holds the fenced transaction.
 */
export function releaseClaimIfNothingPushed(db: Db, jobId: string, attempt: number, s: ServiceRecord): void {
  if (attempt !== 1 || (s.blobsUploaded ?? 0) > 0) return;
  if (!(s.decision === "not-built" || (s.decision === "failed" && BEFORE_UPLOAD.test(s.detail ?? "")))) return;
  for (const dropped of dropUnusedJobClaim(db, jobId, s.service))
    recordAudit(db, { actor: "deckhand", action: "ecr-owner.claim-dropped", target: dropped.ecrRepository, outcome: "success", detail: { source: dropped.sourceRepository, job: jobId, service: s.service, why: "the service pushed nothing" } });
}

export function listServiceResults(db: Db, jobId: string): Array<ServiceRecord & { attempt: number }> {
  const rows = db.prepare(`SELECT * FROM push_job_services WHERE job_id = ? ORDER BY attempt DESC, service`).all(jobId) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    attempt: r.attempt as number,
    service: r.service as string,
    repository: r.repository as string,
    decision: r.decision as ServiceRecord["decision"],
    detail: r.detail as string | null,
    localConfigDigest: r.local_config_digest as string | null,
    localManifestDigest: r.local_manifest_digest as string | null,
    remoteDigestBefore: r.remote_digest_before as string | null,
    blobsUploaded: r.blobs_uploaded as number,
    bytesUploaded: r.bytes_uploaded as number,
    timings: r.timings ? (JSON.parse(r.timings as string) as Record<string, number>) : undefined,
    inputsDigest: (r.inputs_digest as string | null) ?? null,
    build: r.build ? (JSON.parse(r.build as string) as ServiceBuildDetail) : null,
  }));
}

export function reportJobResult(
  db: Db,
  opts: {
    jobId: string;
    workerId: string;
    attempt: number;
    result: "succeeded" | "skipped" | "failed";
    summary?: Record<string, unknown>;
    error?: string | null;
    now?: Date;
    /** Services this worker could not build, each left as a job part for a worker reporting its platform. */
    waiting?: WaitingService[];
    /** How long a part may wait for such a worker (DECKHAND_PLATFORM_WAIT_MINUTES). */
    waitMinutes?: number;
  },
): ReportDecision {
  return db
    .transaction((): ReportDecision => {
      const r = db.prepare(`SELECT * FROM push_jobs WHERE id = ?`).get(opts.jobId) as JobRow | undefined;
      if (!r) return { ok: false, reason: "not-running" };
      const d = decideReport({
        job: { state: r.state, attempts: r.attempts, maxAttempts: r.max_attempts, workerId: r.worker_id, leaseUntil: r.lease_until },
        workerId: opts.workerId,
        attempt: opts.attempt,
        result: opts.result,
      });
      const now = opts.now ?? new Date();
      if (d.ok && opts.waiting?.length) {
        // Not finished: the job waits for its parts (lib/judgements/push/job-parts.ts); the result comes when they end.
        db.prepare(`UPDATE push_jobs SET state = 'waiting', summary = ?, error = ?, lease_until = NULL WHERE id = ?`).run(
          opts.summary ? JSON.stringify(opts.summary) : null,
          opts.error ?? null,
          opts.jobId,
        );
        const deadline = now.getTime() + (opts.waitMinutes ?? DEFAULT_PLATFORM_WAIT_MINUTES) * 60_000;
        const insert = db.prepare(
          `INSERT OR REPLACE INTO push_job_parts (job_id, service, repository, platform, state, attempts, max_attempts, waiting_since, deadline)
           VALUES (?, ?, ?, ?, 'waiting', 0, ?, ?, ?)`,
        );
        for (const w of opts.waiting) insert.run(opts.jobId, w.service, w.repository, w.platform, r.max_attempts, now.toISOString(), deadline);
      } else if (d.ok) {
        db.prepare(`UPDATE push_jobs SET state = ?, summary = ?, error = ?, finished_at = ?, lease_until = NULL WHERE id = ?`).run(
          opts.result,
          opts.summary ? JSON.stringify(opts.summary) : null,
          opts.error ?? null,
          now.toISOString(),
          opts.jobId,
        );
      }
      return d;
    })
    .immediate();
}

export type CancelOutcome = { ok: true; workerMustStop: boolean } | { ok: false; reason: "not-found" | "already-finished" };

export function cancelJob(db: Db, jobId: string, now = new Date()): CancelOutcome {
  return db
    .transaction((): CancelOutcome => {
      const r = db.prepare(`SELECT state FROM push_jobs WHERE id = ?`).get(jobId) as { state: JobState } | undefined;
      if (!r) return { ok: false, reason: "not-found" };
      const d = decideCancel(r);
      if (!d.ok) return d;
      db.prepare(`UPDATE push_jobs SET state = 'cancelled', finished_at = ?, lease_until = NULL WHERE id = ?`).run(now.toISOString(), jobId);
      // A waiting job's parts end with it; a part's worker learns it at its next heartbeat (decidePartHeartbeat).
      db.prepare(`UPDATE push_job_parts SET state = 'cancelled', finished_at = ? WHERE job_id = ? AND state IN ('waiting', 'running')`).run(now.toISOString(), jobId);
      return { ok: true, workerMustStop: d.workerMustStop };
    })
    .immediate();
}

/** Appends to a job's log under its cap: the first and the last part are kept, the middle is cut and said so. */
export function appendJobLog(db: Db, opts: { jobId: string; attempt: number; lines: Array<{ stream: string; line: string; at?: string }> }, limits?: JobLogLimits): void {
  appendCappedJobLog(db, opts, limits);
}

export function readJobLog(db: Db, jobId: string, afterId = 0, limit = 2000): Array<{ id: number; attempt: number; at: string; stream: string; line: string }> {
  return db.prepare(`SELECT id, attempt, at, stream, line FROM push_job_logs WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?`).all(jobId, afterId, limit) as Array<{
    id: number;
    attempt: number;
    at: string;
    stream: string;
    line: string;
  }>;
}

export interface ServicePushSummary {
  service: string;
  repository: string;
  decision: ServiceRecord["decision"];
  jobId: string;
  sha: string;
  at: string;
  localManifestDigest: string | null;
  /**
   * The service is in the newest job that resolved the compose file (the newest job with any service result);
   * false for a service removed from the compose file since, whose last push is history.
   */
  inCurrentCompose: boolean;
}

/** For each compose service, what Deckhand's latest finished job decided for it (newest job first). */
export function lastPushPerService(db: Db, repository?: RepositoryFilter): ServicePushSummary[] {
  // Only the jobs of `repository` (the page's): another served repository's services are not this one's, and its
  // newest job does not say which services this repository's compose file still has.
  // Finished jobs only, as the summary says: a running job has recorded some of its services so far, and as the newest
  // it would mark the others "no longer in the compose file".
  const [j, j2, j3] = ["j", "j2", "j3"].map((alias) => {
    const own = repositoryWhere(repository, `${alias}.repository`);
    return { sql: `${own.sql} AND ${alias}.state IN ('succeeded', 'skipped', 'failed')`, args: own.args };
  });
  const rows = db
    .prepare(
      `SELECT s.service, s.repository, s.decision, s.local_manifest_digest, j.id AS job_id, j.sha, COALESCE(j.finished_at, j.created_at) AS at,
         j.seq = (SELECT MAX(j3.seq) FROM push_job_services s3 JOIN push_jobs j3 ON j3.id = s3.job_id AND j3.attempts = s3.attempt WHERE ${j3.sql}) AS current
       FROM push_job_services s JOIN push_jobs j ON j.id = s.job_id AND j.attempts = s.attempt
       WHERE ${j.sql} AND j.seq = (SELECT MAX(j2.seq) FROM push_job_services s2 JOIN push_jobs j2 ON j2.id = s2.job_id AND j2.attempts = s2.attempt WHERE s2.service = s.service AND ${j2.sql})
       ORDER BY s.service`,
    )
    .all(...j3.args, ...j.args, ...j2.args) as Array<{ service: string; repository: string; decision: ServiceRecord["decision"]; local_manifest_digest: string | null; job_id: string; sha: string; at: string; current: number }>;
  return rows.map((r) => ({
    service: r.service,
    repository: r.repository,
    decision: r.decision,
    jobId: r.job_id,
    sha: r.sha,
    at: r.at,
    localManifestDigest: r.local_manifest_digest,
    inCurrentCompose: r.current === 1,
  }));
}

/** Finished jobs of the last days, for charts: "success" (pushed or unchanged), "failure", or null (cancelled, superseded). */
export function jobOutcomesSince(db: Db, days: number, now = new Date(), repository?: RepositoryFilter): Array<{ at: string; outcome: "success" | "failure" | null }> {
  const sinceIso = new Date(now.getTime() - days * 86_400_000).toISOString();
  const own = repositoryWhere(repository);
  const rows = db.prepare(`SELECT state, COALESCE(finished_at, created_at) AS at FROM push_jobs WHERE created_at >= ? AND state NOT IN ('queued', 'running') AND ${own.sql}`).all(sinceIso, ...own.args) as Array<{
    state: JobState;
    at: string;
  }>;
  return rows.map((r) => ({ at: r.at, outcome: r.state === "succeeded" || r.state === "skipped" ? "success" : r.state === "failed" ? "failure" : null }));
}

/** Which Deckhand job pushed each of these manifests (the first job that pushed it), for the Registry. */
export function jobsThatPushed(db: Db, repository: string, digests: string[]): Map<string, { jobId: string; sha: string }> {
  const out = new Map<string, { jobId: string; sha: string }>();
  if (digests.length === 0) return out;
  const rows = db
    .prepare(
      `SELECT s.local_manifest_digest AS digest, j.id AS job_id, j.sha FROM push_job_services s JOIN push_jobs j ON j.id = s.job_id
       WHERE s.repository = ? AND s.decision = 'pushed' AND s.local_manifest_digest IN (${digests.map(() => "?").join(",")})
       ORDER BY j.seq DESC`,
    )
    .all(repository, ...digests) as Array<{ digest: string; job_id: string; sha: string }>;
  for (const r of rows) out.set(r.digest, { jobId: r.job_id, sha: r.sha });
  return out;
}

/** Every image Deckhand pushed since `since` (ISO 8601): the repository and when its job finished. */
export function pushesSince(db: Db, since: string): Array<{ repository: string; at: string }> {
  return db
    .prepare(
      `SELECT s.repository, COALESCE(j.finished_at, j.created_at) AS at
       FROM push_job_services s JOIN push_jobs j ON j.id = s.job_id AND j.attempts = s.attempt
       WHERE s.decision = 'pushed' AND COALESCE(j.finished_at, j.created_at) >= ?`,
    )
    .all(since) as Array<{ repository: string; at: string }>;
}

/**
 * The newest finished job of a repository (succeeded, skipped, failed), or null. `isDefault`: the configured default
 * repository, which also owns the jobs stored without one (queued before several repositories).
 */
export function lastFinishedJobOf(db: Db, repository: string, isDefault: boolean): PushJob | null {
  const r = db
    .prepare(
      `SELECT * FROM push_jobs WHERE state IN ('succeeded', 'skipped', 'failed') AND (repository = ? COLLATE NOCASE OR (? AND repository IS NULL)) ORDER BY seq DESC LIMIT 1`,
    )
    .get(repository, isDefault ? 1 : 0) as JobRow | undefined;
  return r ? toJob(r) : null;
}
