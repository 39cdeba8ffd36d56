// Whose key does a repository hold? GitHub never shows a secret's value, and the key correlation only weighs the
// configured push user's keys: a repository holding the key of an IAM user nobody configured shows no key at all.
// CloudTrail says who signed what: the IAM user whose key signed the ECR and STS calls made while the repository's
// ECR workflow run was going is the user whose key the run got (the guide's workflow calls sts GetCallerIdentity
// through configure-aws-credentials, then ecr GetAuthorizationToken through amazon-ecr-login).

import { isDeckhandUserAgent } from "../posture/secret-correlation";
import type { CloudTrailEvent } from "../posture/types";
import { toEpochMs } from "../posture/time-util";

/** Calls before a run was created or after it last changed that still count (clock skew, CloudTrail's rounding). */
export const RUN_WINDOW_SLACK_MS = 60_000;

export type RunSigner =
  /** One IAM user signed the run's AWS calls. */
  | { userName: string; calls: number }
  /** Several users signed calls in the window (other runs, people): it cannot say which one the run used. */
  | { userName: null; candidates: string[] }
  /** Nobody signed an ECR or STS call in the window (the run failed before AWS, or CloudTrail has not delivered). */
  | null;

const RUN_SOURCES = new Set(["ecr.amazonaws.com", "sts.amazonaws.com"]);

/**
 * The IAM user whose key signed the ECR and STS calls between `run.createdAt` and `run.updatedAt` (±
 * RUN_WINDOW_SLACK_MS). Deckhand's own calls (its User-Agent) and identities other than IAM users (roles, root) are
 * left out. Pure; never throws (a run with unreadable times has no signer).
 */
export function findRunSigner(run: { createdAt: string; updatedAt: string | null }, events: readonly CloudTrailEvent[]): RunSigner {
  const start = Date.parse(run.createdAt) - RUN_WINDOW_SLACK_MS;
  const end = Date.parse(run.updatedAt ?? run.createdAt) + RUN_WINDOW_SLACK_MS;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  const calls = new Map<string, number>();
  for (const e of events) {
    const at = toEpochMs(e.time);
    if (at === null || !(at >= start && at <= end) || !e.userName || !RUN_SOURCES.has(e.eventSource) || isDeckhandUserAgent(e.userAgent)) continue;
    calls.set(e.userName, (calls.get(e.userName) ?? 0) + 1);
  }
  if (calls.size === 0) return null;
  if (calls.size === 1) {
    const [[userName, n]] = [...calls];
    return { userName, calls: n };
  }
  return { userName: null, candidates: [...calls.keys()].sort() };
}
