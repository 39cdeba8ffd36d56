// What the rotation pages show, as plain data: step titles, timings, the loud warnings. Nothing here
// can hold a secret (the store never has one), but the view still copies only named fields.

import { STEP_TITLES, type RotationRecord, type StepNo, type StepRecord } from "./types";

export interface StepView {
  id: number;
  step: StepNo;
  title: string;
  outcome: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  message: string | null;
  runUrl: string | null;
  recovered: boolean;
}

export interface RotationView {
  id: number;
  state: string;
  trigger: string;
  requestedBy: string;
  userName: string;
  oldKeyId: string | null;
  newKeyId: string | null;
  message: string | null;
  warning: string | null;
  createdAt: string;
  finishedAt: string | null;
  totalMs: number | null;
  deleteAfter: string | null;
  oldKeyDeletedAt: string | null;
  restarts: number;
  /** The steps 1..6 as a checklist: the latest record of each, or pending. */
  checklist: { step: StepNo; title: string; outcome: string; durationMs: number | null }[];
  steps: StepView[];
  /** What GitHub holds, in words, for the result panel. */
  githubHolds: string;
  canResume: boolean;
  canDeleteOldKey: boolean;
}

const dur = (s: StepRecord, now: number) => (s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt);

export function toRotationView(r: RotationRecord, steps: StepRecord[], now = Date.now()): RotationView {
  const latestOf = (n: StepNo) => [...steps].reverse().find((s) => s.step === n);
  const wroteSecrets = steps.some((s) => s.step === 4 && s.outcome === "succeeded");
  const githubHolds = wroteSecrets
    ? `the new key ${r.newKeyId}`
    : r.warning && /mismatched pair/.test(r.warning)
      ? "a MISMATCHED pair (pushes fail until the rotation is resumed)"
      : r.oldKeyId
        ? `the old key ${r.oldKeyId} (unchanged)`
        : "what it held before (unchanged)";
  return {
    id: r.id,
    state: r.state,
    trigger: r.trigger,
    requestedBy: r.requestedBy,
    userName: r.userName,
    oldKeyId: r.oldKeyId,
    newKeyId: r.newKeyId,
    message: currentMessage(r),
    warning: currentWarning(r, latestOf(7)),
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    totalMs: r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.createdAt) : null,
    deleteAfter: r.deleteAfter,
    oldKeyDeletedAt: r.oldKeyDeletedAt,
    restarts: r.restarts,
    checklist: ([1, 2, 3, 4, 5, 6, 7] as StepNo[])
      .filter((n) => n !== 7 || r.state === "completed")
      .filter((n) => n !== 6 || r.oldKeyId !== null || r.state !== "completed")
      .map((n) => {
        const s = latestOf(n);
        return { step: n, title: STEP_TITLES[n], outcome: s ? s.outcome : n === 7 && r.deleteAfter ? "scheduled" : "pending", durationMs: s ? dur(s, now) : null };
      }),
    steps: steps.map((s) => ({
      id: s.id,
      step: s.step,
      title: STEP_TITLES[s.step],
      outcome: s.outcome,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      durationMs: dur(s, now),
      message: s.message,
      runUrl: typeof s.detail?.htmlUrl === "string" && s.detail.htmlUrl ? (s.detail.htmlUrl as string) : null,
      recovered: s.detail?.recovered === true,
    })),
    githubHolds,
    canResume: r.state === "stopped",
    canDeleteOldKey: r.state === "completed" && Boolean(r.oldKeyId) && !r.oldKeyDeletedAt,
  };
}

/**
 * The result line from the rotation's state now, never a string left over from an earlier step: once the old key
 * is deleted the line says so (the stored line, written at completion, said it "will be deleted").
 */
function currentMessage(r: RotationRecord): string | null {
  if (r.state !== "completed") return r.message;
  if (!r.oldKeyId) return `GitHub holds the new key ${r.newKeyId}. There was no old key to deactivate.`;
  if (r.oldKeyDeletedAt) return `GitHub holds the new key ${r.newKeyId}; the old key ${r.oldKeyId} was deleted on ${r.oldKeyDeletedAt}.`;
  if (r.deleteAfter) return `GitHub holds the new key ${r.newKeyId}; the old key ${r.oldKeyId} is inactive and will be deleted after ${r.deleteAfter}.`;
  return r.message;
}

/**
 * A warning holds while the step that raised it has not been done since. A completed rotation deactivated the old
 * key and verified the new one, so a canary's or a write's warning from before a Resume is over; only what the
 * deletion of the old key reported (step 7 skipped or failed) can still be true.
 */
function currentWarning(r: RotationRecord, deletion: StepRecord | undefined): string | null {
  if (r.state !== "completed") return r.warning;
  return deletion && deletion.outcome !== "succeeded" ? r.warning : null;
}
