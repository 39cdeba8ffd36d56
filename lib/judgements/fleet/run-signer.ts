// Whose key does a repository hold? GitHub never shows a secret's value, and the key correlation only weighs the
// configured push user's keys: a repository holding the key of an IAM user nobody configured shows no key at all.
// CloudTrail says who signed what: the IAM user whose key signed the ECR and STS calls made while the repository's
// ECR workflow run was going is the user whose key the run got (the guide's workflow calls sts GetCallerIdentity
// through configure-aws-credentials, then ecr GetAuthorizationToken through amazon-ecr-login).
//
// A wrong name is worse than none, so an answer is only made from a whole, delivered window: not before CloudTrail
// has had time to deliver the run's events (planRunSignerLookup), and never from a lookup that stopped at its cap
// (findRunSigner).

import { isDeckhandUserAgent } from "../posture/secret-correlation";
import type { CloudTrailEvent } from "../posture/types";
import { toEpochMs } from "../posture/time-util";

/** Calls before a run was created or after it last changed that still count (clock skew, CloudTrail's rounding). */
export const RUN_WINDOW_SLACK_MS = 60_000;

/**
 * How long after a call CloudTrail may still be delivering its event: 15 minutes (ms). AWS says CloudTrail "typically
 * delivers logs within an average of about 5 minutes of an API call. This time is not guaranteed" (AWS CloudTrail
 * User Guide, "Getting and viewing your CloudTrail log files"; the figure it quoted before 2023 was 15 minutes);
 * Event history (LookupEvents) shows only what was delivered, so a window is read once its end is this old.
 */
export const CLOUDTRAIL_DELIVERY_MS = 15 * 60_000;

/** A run longer than this is not looked at: the window would hold every other run's calls too. */
export const MAX_RUN_MS = 2 * 60 * 60_000;

/** The services whose calls say who signed the run, one LookupEvents EventSource lookup each. */
export const RUN_SOURCES = ["ecr.amazonaws.com", "sts.amazonaws.com"] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

export type RunSigner =
  /** One IAM user signed the run's AWS calls. */
  | { state: "signed"; userName: string; calls: number }
  /** Several users signed calls in the window (other runs, people): it cannot say which one the run used. */
  | { state: "several"; userName: null; candidates: string[] }
  /**
   * A lookup stopped at its cap with events of the window unread (a busy account): what was read may not hold the
   * run's own calls, so it cannot say. `read` is how many events of `eventSource` were read.
   */
  | { state: "too-many-events"; userName: null; eventSource: RunSource; read: number }
  /**
   * Not asked yet: the run ended less than CLOUDTRAIL_DELIVERY_MS ago (plus the window's slack), so CloudTrail may
   * still be delivering its events. `readyAt` (ISO 8601) is when the window may be read.
   */
  | { state: "not-yet"; userName: null; readyAt: string }
  /** Nobody signed an ECR or STS call in the window (the run failed before AWS), or the run cannot be judged. */
  | null;

/** One EventSource lookup over the window: its events, and whether it stopped at its cap with more unread. */
export interface SourceLookup {
  events: readonly CloudTrailEvent[];
  truncated: boolean;
}

export type RunSignerPlan =
  /** Read RUN_SOURCES over [start, end] (epoch ms, inclusive), then judge with findRunSigner. */
  | { lookup: true; startMs: number; endMs: number }
  /** Do not read CloudTrail: this is the answer (not yet, or none: unreadable times, a run too long to tell). */
  | { lookup: false; answer: RunSigner };

/** The window a run's calls fall in: createdAt − slack to (updatedAt, else createdAt) + slack, epoch ms; null when unreadable. */
function runWindow(run: { createdAt: string; updatedAt: string | null }): { startMs: number; endMs: number } | null {
  const startMs = Date.parse(run.createdAt) - RUN_WINDOW_SLACK_MS;
  const endMs = Date.parse(run.updatedAt ?? run.createdAt) + RUN_WINDOW_SLACK_MS;
  return Number.isFinite(startMs) && Number.isFinite(endMs) && endMs >= startMs ? { startMs, endMs } : null;
}

/**
 * Whether to ask CloudTrail about a run now (`nowMs`, epoch ms). Only a window whose end is at least
 * CLOUDTRAIL_DELIVERY_MS old is read: before that an answer could be made from another user's event delivered
 * early while the run's own are not yet, so the answer is "not-yet" (nothing read). A run with unreadable times, or
 * longer than MAX_RUN_MS, has no answer (null). Pure; never throws.
 */
export function planRunSignerLookup(run: { createdAt: string; updatedAt: string | null }, nowMs: number): RunSignerPlan {
  const w = runWindow(run);
  if (!w || w.endMs - w.startMs > MAX_RUN_MS) return { lookup: false, answer: null };
  const readyAtMs = w.endMs + CLOUDTRAIL_DELIVERY_MS;
  if (!(nowMs >= readyAtMs)) return { lookup: false, answer: { state: "not-yet", userName: null, readyAt: new Date(readyAtMs).toISOString() } };
  return { lookup: true, ...w };
}

/**
 * The IAM user whose key signed the ECR and STS calls between `run.createdAt` and `run.updatedAt` (±
 * RUN_WINDOW_SLACK_MS), from one EventSource lookup per RUN_SOURCES entry. A lookup that stopped at its cap makes
 * the answer "too-many-events", whatever the events read say (the run's own calls may be among those not read).
 * Deckhand's own calls (its User-Agent), identities other than IAM users (roles, root), events outside the window
 * and events of another service than their lookup's are left out. Pure; never throws (unreadable times: null).
 */
export function findRunSigner(run: { createdAt: string; updatedAt: string | null }, lookups: Readonly<Record<RunSource, SourceLookup>>): RunSigner {
  const w = runWindow(run);
  if (!w) return null;
  for (const source of RUN_SOURCES) {
    if (lookups[source].truncated) return { state: "too-many-events", userName: null, eventSource: source, read: lookups[source].events.length };
  }
  const calls = new Map<string, number>();
  for (const source of RUN_SOURCES) {
    for (const e of lookups[source].events) {
      const at = toEpochMs(e.time);
      if (at === null || !(at >= w.startMs && at <= w.endMs) || !e.userName || e.eventSource !== source || isDeckhandUserAgent(e.userAgent)) continue;
      calls.set(e.userName, (calls.get(e.userName) ?? 0) + 1);
    }
  }
  if (calls.size === 0) return null;
  if (calls.size === 1) {
    const [[userName, n]] = [...calls];
    return { state: "signed", userName, calls: n };
  }
  return { state: "several", userName: null, candidates: [...calls.keys()].sort() };
}
