/**
 * The push job's life, as pure decisions over plain data. The store applies them inside one transaction, so that
 * two workers never hold the same job: a claim, heartbeat or report is only valid for the worker and attempt that
 * holds the current lease (the attempt number is the fencing token).
 */
export const JOB_STATES = ["queued", "running", "waiting", "succeeded", "skipped", "failed", "cancelled", "superseded"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["succeeded", "skipped", "failed", "cancelled", "superseded"]);

const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  // A queued job is claimed, cancelled by an operator, or superseded by a newer push to its branch.
  queued: ["running", "cancelled", "superseded"],
  // A running job finishes, is cancelled (the worker learns it on its next heartbeat), or goes back to the queue
  // when its lease expires with attempts left. It is never superseded: it may already be pushing.
  running: ["succeeded", "skipped", "failed", "cancelled", "queued", "waiting"],
  // A job whose worker built what it could and left services for another platform (job-parts.ts): it finishes
  // when its parts do, is cancelled, or is superseded by a newer push while none of its parts is being built.
  waiting: ["succeeded", "skipped", "failed", "cancelled", "superseded"],
  succeeded: [],
  skipped: [],
  failed: [],
  cancelled: [],
  superseded: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface JobLease {
  state: JobState;
  /** Claims so far, including the current one. */
  attempts: number;
  maxAttempts: number;
  workerId?: string | null;
  /** Epoch milliseconds. */
  leaseUntil?: number | null;
}

export type ClaimDecision =
  | { ok: true; state: "running"; attempts: number; workerId: string; leaseUntil: number }
  | { ok: false; reason: "not-queued" | "attempts-exhausted" };

/** Taking a queued job: the new lease and the attempt number the worker must quote from now on. */
export function decideClaim({ job, workerId, now, leaseMs }: { job: JobLease; workerId: string; now: number; leaseMs: number }): ClaimDecision {
  if (job.state !== "queued") return { ok: false, reason: "not-queued" };
  if (job.attempts >= job.maxAttempts) return { ok: false, reason: "attempts-exhausted" };
  return { ok: true, state: "running", attempts: job.attempts + 1, workerId, leaseUntil: now + leaseMs };
}

export type HeartbeatDecision =
  | { ok: true; leaseUntil: number }
  | { ok: false; reason: "cancelled" | "not-running" | "lease-lost" | "lease-expired" };

/**
 * Extending a lease. A worker whose lease has run out must stop even if nobody took the job yet: the sweep may
 * requeue it at any moment, and a second worker would then run it at the same time.
 */
export function decideHeartbeat({
  job,
  workerId,
  attempt,
  now,
  leaseMs,
}: {
  job: JobLease;
  workerId: string;
  attempt: number;
  now: number;
  leaseMs: number;
}): HeartbeatDecision {
  if (job.state === "cancelled") return { ok: false, reason: "cancelled" };
  if (job.state !== "running") return { ok: false, reason: "not-running" };
  if (job.workerId !== workerId || job.attempts !== attempt) return { ok: false, reason: "lease-lost" };
  if (job.leaseUntil == null || job.leaseUntil <= now) return { ok: false, reason: "lease-expired" };
  return { ok: true, leaseUntil: now + leaseMs };
}

export type JobFenceDecision = { ok: true } | { ok: false; reason: "not-running" | "lease-lost" };

/**
 * The fence of every worker call about a running job (its report, an ECR repository claim): the job runs, and the
 * caller is its worker quoting its current attempt. Unlike a heartbeat, a run-out lease is not refused while nobody
 * else claimed the job.
 */
export function decideJobFence({ job, workerId, attempt }: { job: JobLease; workerId: string; attempt: number }): JobFenceDecision {
  if (job.state !== "running") return { ok: false, reason: "not-running" };
  if (job.workerId !== workerId || job.attempts !== attempt) return { ok: false, reason: "lease-lost" };
  return { ok: true };
}

export type ReportDecision = JobFenceDecision | { ok: false; reason: "not-a-result" };

/**
 * Accepting a worker's result. Only the current holder may finish the job; a result that arrives after the lease
 * ran out is still taken as long as nobody else claimed the job, since its work is complete and consistent.
 */
export function decideReport({
  job,
  workerId,
  attempt,
  result,
}: {
  job: JobLease;
  workerId: string;
  attempt: number;
  result: JobState;
}): ReportDecision {
  if (result !== "succeeded" && result !== "skipped" && result !== "failed") return { ok: false, reason: "not-a-result" };
  return decideJobFence({ job, workerId, attempt });
}

export type LeaseExpiryDecision =
  | { action: "keep" }
  | { action: "requeue" }
  | { action: "fail"; reason: string };

/** What the sweep does with a running job: keep it while leased, requeue it while attempts remain, else fail it. */
export function decideLeaseExpiry({
  now,
  leaseUntil,
  attempts,
  maxAttempts,
}: {
  now: number;
  leaseUntil: number | null | undefined;
  attempts: number;
  maxAttempts: number;
}): LeaseExpiryDecision {
  if (leaseUntil != null && leaseUntil > now) return { action: "keep" };
  if (attempts < maxAttempts) return { action: "requeue" };
  return {
    action: "fail",
    reason: `worker lost: the lease expired on attempt ${attempts} of ${maxAttempts} and no attempts remain`,
  };
}

export type CancelDecision =
  | { ok: true; state: "cancelled"; workerMustStop: boolean }
  | { ok: false; reason: "already-finished" };

export function decideCancel(job: { state: JobState }): CancelDecision {
  if (job.state === "queued") return { ok: true, state: "cancelled", workerMustStop: false };
  if (job.state === "running") return { ok: true, state: "cancelled", workerMustStop: true };
  // A waiting job's part being built stops at its worker's next heartbeat, as a running job's worker does.
  if (job.state === "waiting") return { ok: true, state: "cancelled", workerMustStop: true };
  return { ok: false, reason: "already-finished" };
}

export interface QueuedJobRef {
  id: string;
  state: JobState;
  /** null for a job triggered for a bare commit: no branch to be superseded on. */
  branch: string | null;
  sha: string;
  /** Monotonic enqueue order (a store sequence); wall clocks can tie or go backwards. */
  seq: number;
  /** A waiting job's parts being built right now (job-parts.ts); such a job is not superseded. */
  runningParts?: number;
}

export type EnqueueDecision =
  | { action: "enqueue"; supersede: string[] }
  | { action: "duplicate"; of: string };

/**
 * A new push to a branch: queued jobs for the same branch enqueued before it are superseded (only the branch's
 * newest commit matters for `latest`); the same commit already queued for the branch is not queued twice.
 * Running jobs are left alone. A waiting job (services left for another platform's worker) is superseded like a
 * queued one while none of its parts is being built: its waiting services would push an older commit's image.
 * GitHub does not promise delivery order, so "newer" means enqueued later (`seq`):
 * a late redelivery of an old push can supersede a newer one; idempotency on X-GitHub-Delivery limits that to
 * genuinely late first deliveries.
 */
export function decideEnqueue({
  jobs,
  branch,
  sha,
  seq,
}: {
  jobs: QueuedJobRef[];
  branch: string | null;
  sha: string;
  seq: number;
}): EnqueueDecision {
  if (branch === null) return { action: "enqueue", supersede: [] };
  const sameBranchQueued = jobs.filter((j) => (j.state === "queued" || (j.state === "waiting" && !j.runningParts)) && j.branch === branch);
  const duplicate = sameBranchQueued.find((j) => j.sha === sha);
  if (duplicate) {
    return { action: "duplicate", of: duplicate.id };
  }
  return { action: "enqueue", supersede: sameBranchQueued.filter((j) => j.seq < seq).map((j) => j.id) };
}
