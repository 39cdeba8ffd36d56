// The rotation state machine as pure decisions: given what the store recorded (and, for a step in
// doubt, what AWS and GitHub show now) say what happens next. The runner only executes decisions.

import { updatedSince } from "../../integrations/github/write-secret";
import type { Observations, RotationRecord, StepNo, StepRecord } from "./types";

/** How many times a rotation may throw away its new key and start step 2 again before giving up. */
export const MAX_RESTARTS = 3;

export type Decision =
  | { kind: "run"; step: StepNo; followRunId?: number }
  | { kind: "observe"; secrets: boolean }
  | { kind: "mark-done"; step: StepNo; note: string }
  | { kind: "unwind"; deleteKeyIds: string[]; reason: string; warning?: string }
  | { kind: "complete" }
  | { kind: "fail"; message: string }
  | { kind: "idle"; why: string };

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];

/** A step that began and never ended: still "running" (its process died) or closed as "interrupted" on resume. */
const inDoubt = (s: StepRecord) => s.outcome === "running" || s.outcome === "interrupted";

/** The step after a finished one; 6 is skipped when there was no old key to deactivate. */
function nextAfter(step: StepNo, r: RotationRecord): Decision {
  if (step === 0) {
    return r.restarts > MAX_RESTARTS
      ? { kind: "fail", message: `The rotation restarted ${MAX_RESTARTS} times without finishing; its new keys were deleted and the old key is untouched. Start a new rotation when the cause is fixed.` }
      : { kind: "run", step: 2 };
  }
  if (step === 5 && !r.oldKeyId) return { kind: "complete" };
  if (step >= 6) return { kind: "complete" };
  return { kind: "run", step: (step + 1) as StepNo };
}

/** Keys this rotation created: everything the user has that it did not have before step 2. */
export function keysCreatedBy(r: RotationRecord, keys: { accessKeyId: string }[]): string[] {
  return keys.map((k) => k.accessKeyId).filter((id) => !r.keysBefore.includes(id));
}

export interface DecideInput {
  /** What AWS and GitHub show now; asked for with { kind: "observe" }. */
  obs?: Observations;
  /** This process holds the new key's secret in memory (it created the key and has not died since). */
  secretHeld?: boolean;
}

/**
 * What to do next for a running rotation. Observations are needed only when the latest step is in
 * doubt (it started and never ended, or failed, or it needs a secret this process does not hold):
 * the answer is then { kind: "observe" } until they are given.
 */
export function decideNext(r: RotationRecord, steps: StepRecord[], input: DecideInput = {}): Decision {
  if (r.state === "completed" || r.state === "failed") return { kind: "idle", why: `the rotation is ${r.state}` };
  const latest = last(steps);
  if (!latest) return { kind: "run", step: 1 };
  if (latest.outcome === "succeeded" || latest.outcome === "skipped") {
    // Steps 3 and 4 need the secret, which only the process that created the key ever had.
    if ((latest.step === 2 || latest.step === 3) && !input.secretHeld) return recover(r, latest, input.obs);
    return nextAfter(latest.step, r);
  }
  return recover(r, latest, input.obs);
}

/**
 * A step that started and never ended (the process died) or failed (and the rotation was stopped).
 * The secret of the new key lived only in the dead process: before it reached GitHub whole, the key
 * is useless and is deleted; after, GitHub holds it and the rotation carries on from there.
 */
function recover(r: RotationRecord, latest: StepRecord, obs: Observations | undefined): Decision {
  const step = latest.step;
  if (step === 1) return { kind: "run", step: 1 };
  if (step === 5) {
    // The canary is safe to repeat; an interrupted one is followed rather than dispatched again.
    const runId = inDoubt(latest) && typeof latest.detail?.runId === "number" ? (latest.detail.runId as number) : undefined;
    return { kind: "run", step: 5, followRunId: runId };
  }
  const needSecrets = step === 4;
  if (!obs || (needSecrets && !obs.secrets)) return { kind: "observe", secrets: needSecrets };
  const created = keysCreatedBy(r, obs.keys);

  if (step === 0 || step === 2 || step === 3) {
    const reason = step === 0 ? "the previous clean-up was interrupted" : `the new key's secret was lost after step ${step} (it never reached GitHub)`;
    return restart(r, created, reason);
  }

  if (step === 4) {
    const since = new Date(latest.startedAt);
    const idWritten = updatedSince(obs.secrets!.accessKeyIdUpdatedAt, since);
    const secretWritten = updatedSince(obs.secrets!.secretAccessKeyUpdatedAt, since);
    if (idWritten && secretWritten && r.newKeyId && created.includes(r.newKeyId)) {
      return { kind: "mark-done", step: 4, note: "Both secrets were written before the interruption (their updated_at is after the step started); GitHub holds the new key." };
    }
    const warning =
      idWritten !== secretWritten
        ? `GitHub was left holding a mismatched pair (only ${idWritten ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"} was rewritten): pushes fail until a new key is written.`
        : undefined;
    return restart(r, created, "the secrets were not both written before the interruption", warning);
  }

  if (step === 6) {
    const old = obs.keys.find((k) => k.accessKeyId === r.oldKeyId);
    if (!old) return { kind: "mark-done", step: 6, note: "The old key no longer exists." };
    if (old.status === "Inactive") return { kind: "mark-done", step: 6, note: "The old key was already deactivated before the interruption." };
    return { kind: "run", step: 6 };
  }

  // Step 7 runs on completed rotations only (see decideDeletion); reaching here means it is in doubt.
  const old = obs.keys.find((k) => k.accessKeyId === r.oldKeyId);
  return old ? { kind: "run", step: 7 } : { kind: "mark-done", step: 7, note: "The old key was already deleted." };
}

function restart(r: RotationRecord, created: string[], reason: string, warning?: string): Decision {
  if (r.restarts >= MAX_RESTARTS) {
    return created.length
      ? { kind: "unwind", deleteKeyIds: created, reason: `${reason}; giving up after ${MAX_RESTARTS} restarts`, warning }
      : { kind: "fail", message: `The rotation restarted ${MAX_RESTARTS} times without finishing; the old key is untouched. Start a new rotation when the cause is fixed.` };
  }
  if (created.length === 0) return { kind: "run", step: 2 };
  return { kind: "unwind", deleteKeyIds: created, reason, warning };
}

/** Is the old key of a completed rotation due for deletion? */
export function decideDeletion(r: RotationRecord, steps: StepRecord[], now: Date): Decision {
  if (r.state !== "completed" || !r.oldKeyId || r.oldKeyDeletedAt) return { kind: "idle", why: "nothing to delete" };
  const latest = last(steps);
  if (latest?.step === 7 && inDoubt(latest)) return { kind: "observe", secrets: false };
  if (!r.deleteAfter || Date.parse(r.deleteAfter) > now.getTime()) return { kind: "idle", why: "the grace period has not passed" };
  return { kind: "run", step: 7 };
}

/** For step 7 in doubt (interrupted deletion). */
export function decideDeletionInDoubt(r: RotationRecord, obs: Observations): Decision {
  return obs.keys.some((k) => k.accessKeyId === r.oldKeyId) ? { kind: "run", step: 7 } : { kind: "mark-done", step: 7, note: "The old key was already deleted." };
}
