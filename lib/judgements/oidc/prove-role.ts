// "Prove before retiring" (issue 17): after the pull request merged, the role must be seen working — a successful
// AssumeRoleWithWebIdentity of this role by a subject the trust was pinned to, and a successful ECR push (PutImage)
// signed by that session's temporary key — and then the access key must go unused for a grace period. Every use
// of the key since the merge is listed with where it came from (time, call, source IP, user agent, region).

import { matchWildcard } from "../posture/wildcard";
import type { CloudTrailEvent, TimeInput } from "../posture/types";

export interface WebIdentityEvent {
  time: string;
  /** The token's `sub`. */
  subject: string | null;
  /** The token's audience as CloudTrail records it (from the principal id), when it can be read. */
  audience?: string | null;
  provider: string | null;
  roleArn: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The session's temporary key (ASIA…), for a successful call. */
  sessionKeyId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
}

export interface ProofInput {
  roleArn: string;
  subjects: Array<{ value: string; operator: "StringEquals" | "StringLike" }>;
  /** When the pull request merged (ISO); null while it is open. */
  mergedAt: string | null;
  now: Date;
  graceDays: number;
  webIdentity: WebIdentityEvent[];
  /** Calls signed by the sessions' temporary keys. */
  sessionEvents: CloudTrailEvent[];
  /** Calls signed by the push user's access keys since the merge. */
  keyEvents: CloudTrailEvent[];
}

export type ProofVerdict = "waiting-for-merge" | "no-role-use-yet" | "no-role-push-yet" | "key-still-used" | "grace-running" | "ready-to-retire";

export interface RoleProof {
  verdict: ProofVerdict;
  message: string;
  assumed: WebIdentityEvent | null;
  /** Refused assumptions of this role since the merge (what the doctor's OIDC mode would explain). */
  refused: WebIdentityEvent[];
  pushed: CloudTrailEvent | null;
  /** Every use of the key since the merge, newest first. */
  keyUses: CloudTrailEvent[];
  /** When the grace period ends (ISO), once it has started. */
  graceEndsAt: string | null;
}

const ms = (t: TimeInput | null | undefined) => (t ? new Date(t as string).getTime() : NaN);
const DAY_MS = 86_400_000;

function subjectAllowed(subjects: ProofInput["subjects"], sub: string | null): boolean {
  if (!sub) return false;
  return subjects.some((s) => (s.operator === "StringEquals" ? s.value === sub : matchWildcard(s.value, sub, { caseInsensitive: false })));
}

/** Judge the proof. Events before the merge do not count: the key's and the role's use are read from then on. */
export function proveRole(input: ProofInput): RoleProof {
  const empty = { assumed: null, refused: [], pushed: null, keyUses: [], graceEndsAt: null };
  if (!input.mergedAt) return { ...empty, verdict: "waiting-for-merge", message: "The pull request is not merged yet: the workflow still uses the key." };
  const since = ms(input.mergedAt);
  const mine = input.webIdentity.filter((e) => e.roleArn === input.roleArn && ms(e.time) >= since);
  const assumedAll = mine.filter((e) => !e.errorCode && subjectAllowed(input.subjects, e.subject));
  const refused = mine.filter((e) => e.errorCode);
  const assumed = assumedAll[0] ?? null;
  const sessionKeys = new Set(assumedAll.map((e) => e.sessionKeyId).filter(Boolean));
  const pushed = input.sessionEvents.find((e) => e.eventName === "PutImage" && !e.errorCode && e.accessKeyId && sessionKeys.has(e.accessKeyId) && ms(e.time) >= since) ?? null;
  const keyUses = input.keyEvents.filter((e) => ms(e.time) >= since).sort((a, b) => ms(b.time) - ms(a.time));
  if (!assumed)
    return {
      ...empty,
      refused,
      keyUses,
      verdict: "no-role-use-yet",
      message: refused.length ? `No successful assumption of the role since the merge; ${refused.length} refused (${refused[0].errorCode}, subject ${refused[0].subject ?? "unknown"}).` : "No run has assumed the role since the merge yet.",
    };
  if (!pushed) return { ...empty, assumed, refused, keyUses, verdict: "no-role-push-yet", message: `The role was assumed (${assumed.subject}), but no image was pushed with its session yet.` };
  const lastKeyUse = keyUses[0] ? ms(keyUses[0].time) : null;
  // The role was proven by its FIRST assumption and push since the merge: later runs with the role (every push to the
  // branch) must not restart the grace period, or a busy repository could never retire its key.
  const firstAssumed = Math.min(...assumedAll.map((e) => ms(e.time)));
  const firstPush = Math.min(...input.sessionEvents.filter((e) => e.eventName === "PutImage" && !e.errorCode && e.accessKeyId && sessionKeys.has(e.accessKeyId) && ms(e.time) >= since).map((e) => ms(e.time)));
  const proofAt = Math.max(firstAssumed, firstPush);
  const graceStart = Math.max(proofAt, lastKeyUse ?? 0);
  const graceEndsAt = new Date(graceStart + input.graceDays * DAY_MS).toISOString();
  // A use of the key after the role worked restarts the grace period from that use: someone still holds the key.
  if (lastKeyUse !== null && lastKeyUse > proofAt && input.now.getTime() < graceStart + input.graceDays * DAY_MS)
    return { assumed, refused, pushed, keyUses, graceEndsAt, verdict: "key-still-used", message: `The role works, but the key was still used after it did (last ${keyUses[0].eventName} at ${new Date(lastKeyUse).toISOString()} from ${keyUses[0].sourceIp ?? "an unknown address"}): find that user before retiring the key; the grace period runs again until ${graceEndsAt}.` };
  if (input.now.getTime() < graceStart + input.graceDays * DAY_MS)
    return { assumed, refused, pushed, keyUses, graceEndsAt, verdict: "grace-running", message: `The role works and the key is unused since; the ${input.graceDays}-day grace period ends ${graceEndsAt}.` };
  return { assumed, refused, pushed, keyUses, graceEndsAt, verdict: "ready-to-retire", message: `The role works and the key has gone unused for ${input.graceDays} days: it can be retired.` };
}
