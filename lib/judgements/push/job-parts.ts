/**
 * Job parts: a compose service the worker that ran its job could not build, left for a worker that reports its
 * platform (issue 14). Pure decisions over plain data; the store (lib/operations/pushes/job-parts-store.ts) applies
 * them inside one transaction, as it does the job's own (job-states.ts). A part has its own lease and attempt
 * number: every heartbeat and report about it quotes the worker id and that attempt (the fencing token).
 */
import { decideJobFence, type JobFenceDecision, type JobLease, type JobState } from "./job-states";

export const PART_STATES = ["waiting", "running", "succeeded", "skipped", "failed", "cancelled", "superseded"] as const;
export type PartState = (typeof PART_STATES)[number];

const PART_TERMINAL: ReadonlySet<PartState> = new Set(["succeeded", "skipped", "failed", "cancelled", "superseded"]);

export function isPartTerminal(state: PartState): boolean {
  return PART_TERMINAL.has(state);
}

export interface PartLease {
  state: PartState;
  /** The platform the service needs a worker for, e.g. "linux/arm64". */
  platform: string;
  /** Claims so far, including the current one. */
  attempts: number;
  maxAttempts: number;
  workerId?: string | null;
  /** Epoch milliseconds. */
  leaseUntil?: number | null;
  /** Epoch milliseconds: a part still waiting then fails (DECKHAND_PLATFORM_WAIT_MINUTES after it began to wait). */
  deadline: number;
}

/** The reason a waiting part shows, on the job's page and in its commit status. */
export function waitingReason(platform: string): string {
  return `waits for a worker that can build ${platform}`;
}

/** Minutes as the operator wrote them ("30", "0.5"), for messages. */
function minutesText(minutes: number): string {
  return `${Number.isInteger(minutes) ? minutes : Number(minutes.toFixed(3))} min`;
}

/** The failure of a part nobody could take in time. */
export function timeoutReason(platform: string, waitMinutes: number): string {
  return `no worker that can build ${platform} claimed it within ${minutesText(waitMinutes)}`;
}

/** True when a worker reporting `platforms` can build for `platform` (same OS and architecture; any variant). */
export function reportsPlatform(platforms: readonly string[], platform: string): boolean {
  const [os, arch] = platform.split("/");
  return platforms.some((p) => {
    const [pos, parch] = p.split("/");
    return pos === os && parch === arch;
  });
}

export type PartClaimDecision =
  | { ok: true; state: "running"; attempts: number; workerId: string; leaseUntil: number }
  | { ok: false; reason: "not-waiting" | "job-not-waiting" | "wrong-platform" | "past-deadline" | "attempts-exhausted" };

/**
 * Taking a waiting part: only a worker that reports the part's platform may, only while its job waits, and never
 * after the part's deadline (the sweep fails it then).
 */
export function decidePartClaim(o: { part: PartLease; jobState: JobState; workerId: string; platforms: readonly string[]; now: number; leaseMs: number }): PartClaimDecision {
  if (o.part.state !== "waiting") return { ok: false, reason: "not-waiting" };
  if (o.jobState !== "waiting") return { ok: false, reason: "job-not-waiting" };
  if (!reportsPlatform(o.platforms, o.part.platform)) return { ok: false, reason: "wrong-platform" };
  if (o.part.deadline <= o.now) return { ok: false, reason: "past-deadline" };
  if (o.part.attempts >= o.part.maxAttempts) return { ok: false, reason: "attempts-exhausted" };
  return { ok: true, state: "running", attempts: o.part.attempts + 1, workerId: o.workerId, leaseUntil: o.now + o.leaseMs };
}

export type PartHeartbeatDecision = { ok: true; leaseUntil: number } | { ok: false; reason: "cancelled" | "not-running" | "lease-lost" | "lease-expired" };

/** Extending a part's lease: the holder (worker id and attempt) only, before it runs out, while the job is not cancelled. */
export function decidePartHeartbeat(o: { part: PartLease; jobState: JobState; workerId: string; attempt: number; now: number; leaseMs: number }): PartHeartbeatDecision {
  if (o.jobState === "cancelled" || o.part.state === "cancelled") return { ok: false, reason: "cancelled" };
  if (o.part.state !== "running") return { ok: false, reason: "not-running" };
  if (o.part.workerId !== o.workerId || o.part.attempts !== o.attempt) return { ok: false, reason: "lease-lost" };
  if (o.part.leaseUntil == null || o.part.leaseUntil <= o.now) return { ok: false, reason: "lease-expired" };
  return { ok: true, leaseUntil: o.now + o.leaseMs };
}

export type PartReportDecision = { ok: true } | { ok: false; reason: "not-running" | "lease-lost" | "job-not-waiting" };

/** Accepting a part's result (its service record): the current holder's only, while its job still waits for it. */
export function decidePartReport(o: { part: PartLease; jobState: JobState; workerId: string; attempt: number }): PartReportDecision {
  if (o.part.state !== "running") return { ok: false, reason: "not-running" };
  if (o.part.workerId !== o.workerId || o.part.attempts !== o.attempt) return { ok: false, reason: "lease-lost" };
  if (o.jobState !== "waiting") return { ok: false, reason: "job-not-waiting" };
  return { ok: true };
}

export type LeaseFenceDecision = JobFenceDecision | PartReportDecision;

/**
 * The fence of a worker's call that is not a heartbeat or a report, such as an ECR repository claim (issue 16): the
 * same as the report's, so a call is heard exactly when the caller's result would be. Without `part`, the job's
 * (decideJobFence); with it, the part's (decidePartReport: its holder, while the job still waits for it).
 */
export function decideLeaseFence(o: { job: JobLease; part?: PartLease; workerId: string; attempt: number }): LeaseFenceDecision {
  if (o.part) return decidePartReport({ part: o.part, jobState: o.job.state, workerId: o.workerId, attempt: o.attempt });
  return decideJobFence({ job: o.job, workerId: o.workerId, attempt: o.attempt });
}

export type PartSweepDecision = { action: "keep" } | { action: "requeue"; deadline: number } | { action: "fail"; reason: string };

/**
 * What the sweep does with an open part: a waiting one past its deadline fails saying which platform nobody could
 * build; a running one whose lease ran out waits again (with a fresh deadline: a worker for it exists) while
 * attempts remain, else fails as a lost worker.
 */
export function decidePartSweep(o: { part: PartLease; now: number; waitMinutes: number }): PartSweepDecision {
  const { part, now } = o;
  if (part.state === "waiting") return part.deadline <= now ? { action: "fail", reason: timeoutReason(part.platform, o.waitMinutes) } : { action: "keep" };
  if (part.state !== "running") return { action: "keep" };
  if (part.leaseUntil != null && part.leaseUntil > now) return { action: "keep" };
  if (part.attempts < part.maxAttempts) return { action: "requeue", deadline: now + o.waitMinutes * 60_000 };
  return { action: "fail", reason: `worker lost while building for ${part.platform}: the lease expired on attempt ${part.attempts} of ${part.maxAttempts}` };
}

/** A waiting job finishes once every part has ended (built, failed, timed out); until then it waits. */
export function decideJobAfterParts(parts: readonly { state: PartState }[]): "wait" | "finish" {
  return parts.every((p) => isPartTerminal(p.state)) ? "finish" : "wait";
}

/**
 * The commit status while a job waits: what was done, then which service waits for which platform. GitHub
 * truncates descriptions at 140 characters.
 */
export function describeWaiting(parts: readonly { service: string; platform: string; state: PartState }[]): string {
  const open = parts.filter((p) => !isPartTerminal(p.state));
  const text = `waiting: ${open.map((p) => `${p.service} ${p.state === "running" ? `building on a ${p.platform} worker` : waitingReason(p.platform)}`).join("; ")}`;
  return text.length > 140 ? text.slice(0, 139) + "…" : text;
}
