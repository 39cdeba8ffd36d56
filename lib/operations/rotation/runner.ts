// The rotation's loop: it asks decide.ts what comes next, runs that (a step executor from steps.ts, an
// unwind, a recorded recovery) and persists every transition before the next. The new key's secret lives
// only in a local variable of runRotation: from CreateAccessKey to the sealed box, and then it is dropped.

import { listAccessKeys } from "../../integrations/aws/iam";
import { deleteAccessKey, type NewAccessKey } from "../../integrations/aws/iam-keys";
import { mapLimit } from "../../infra/map-limit";
import { readHolderUpdatedAt } from "./holders";
import { describeFailure } from "../../failures";
import type { Actor } from "../context";
import { CanaryTimeoutError } from "./canary";
import { decideDeletion, decideDeletionInDoubt, decideNext, type Decision } from "./decide";
import { isTransient, withStepRetries } from "./retry";
import { STEP_CALLS, STEP_EXECUTORS, StepStop, hitFailpoint, plannedHolders, type Memory, type RotationDeps, type StepResult } from "./steps";
import { beginStep, claimLease, closeInterruptedSteps, endStep, getRotation, listSteps, releaseLease, renewLease, setRotation, type RotationPatch } from "./store";
import { STEP_TITLES, type Observations, type RotationRecord, type StepNo } from "./types";

export { DEFAULT_ROTATION_OPTIONS, StepStop, preflight, type RotationDeps, type RotationOptions } from "./steps";


async function observe(deps: RotationDeps, r: RotationRecord, secrets: boolean): Promise<Observations> {
  const { iam } = deps.clients.aws;
  const { github, repo } = deps.clients;
  const retry = { attempts: deps.options.stepAttempts, backoffMs: deps.options.backoffMs };
  const keys = (await withStepRetries(() => listAccessKeys({ iam, userName: r.userName }), retry)).map((k) => ({ accessKeyId: k.accessKeyId, status: k.status }));
  if (!secrets) return { keys };
  // Every recorded holder (across the fleet), each pair read back: the oldest updated_at stands for all, so step 4
  // counts as done only when every holder was rewritten after it began (a missing secret counts as not written).
  const pairs = await mapLimit(plannedHolders(deps, r), 4, (holder) => withStepRetries(() => readHolderUpdatedAt({ github, holder, fallback: repo }), retry));
  return { keys, secrets: { accessKeyIdUpdatedAt: oldest(pairs.map((p) => p.accessKeyIdUpdatedAt)), secretAccessKeyUpdatedAt: oldest(pairs.map((p) => p.secretAccessKeyUpdatedAt)) } };
}

/** The earliest of ISO timestamps; null when any is null (or there are none). */
function oldest(xs: Array<string | null>): string | null {
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  return (xs as string[]).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

/**
 * Run (or resume) a rotation until it completes, stops or fails. Only one process runs a rotation at a
 * time (a lease in the store); steps a dead runner left "running" are closed as "interrupted" first.
 * Returns the rotation as it was left. Throws when another live process holds the lease.
 */
export async function runRotation(deps: RotationDeps, rotationId: number, who: Actor): Promise<RotationRecord> {
  const { db, options } = deps;
  if (!claimLease(db, rotationId, options.leaseMs)) throw new Error(`rotation ${rotationId} is being run by another process`);
  const heartbeat = setInterval(() => renewLease(db, rotationId, options.leaseMs), Math.max(200, Math.floor(options.leaseMs / 3)));
  heartbeat.unref?.();
  // The only place the new secret exists. Dropped as soon as GitHub has it.
  const memory: { key: NewAccessKey | null } = { key: null };
  const mem: Memory = { get: () => memory.key, set: (k) => void (memory.key = k) };
  try {
    closeInterruptedSteps(db, rotationId, who);
    for (let guard = 0; guard < 100; guard++) {
      const r = getRotation(db, rotationId);
      if (!r || r.state !== "running") break;
      const steps = listSteps(db, rotationId);
      const secretHeld = memory.key !== null && memory.key.accessKeyId === r.newKeyId;
      let d: Decision = decideNext(r, steps, { secretHeld });
      if (d.kind === "observe") {
        let obs: Observations;
        try {
          obs = await observe(deps, r, d.secrets);
        } catch (err) {
          const why = describeFailure(err, d.secrets ? "github" : "iam", d.secrets ? "read of the secrets' updated_at" : "ListAccessKeys").message;
          setRotation(db, rotationId, { state: "stopped", message: `Could not check the state before resuming: ${why}. Resume when it is reachable.` }, who, "rotation.stop");
          break;
        }
        d = decideNext(r, steps, { obs, secretHeld });
      }
      if (!secretHeld) memory.key = null;
      const outcome = await execute(deps, r, d, who, mem);
      if (outcome === "break") break;
    }
  } finally {
    memory.key = null;
    clearInterval(heartbeat);
    releaseLease(db, rotationId);
  }
  return getRotation(db, rotationId)!;
}

async function execute(deps: RotationDeps, r: RotationRecord, d: Decision, who: Actor, mem: Memory): Promise<StepResult> {
  const { db, options } = deps;
  switch (d.kind) {
    case "idle":
    case "observe":
      return "break";
    case "complete": {
      const deleteAfter = r.oldKeyId ? new Date(Date.now() + options.graceDays * 86_400_000).toISOString() : null;
      setRotation(db, r.id, { state: "completed", finishedAt: new Date().toISOString(), deleteAfter, message: completedMessage(r, deleteAfter), warning: null }, who, "rotation.complete", {
        newKeyId: r.newKeyId,
        oldKeyId: r.oldKeyId,
        deleteAfter,
      });
      return "break";
    }
    case "fail":
      setRotation(db, r.id, { state: "failed", finishedAt: new Date().toISOString(), message: d.message }, who, "rotation.fail");
      return "break";
    case "mark-done": {
      const id = beginStep(db, r.id, d.step, who, { recovered: true });
      const patch: RotationPatch = d.step === 7 ? { oldKeyDeletedAt: new Date().toISOString() } : {};
      endStep(db, id, { outcome: "succeeded", message: d.note, rotation: patch }, who);
      hitFailpoint(options, `rotation:after-step-${d.step}`);
      return "continue";
    }
    case "unwind": {
      const id = beginStep(db, r.id, 0, who, { deleteKeyIds: d.deleteKeyIds, reason: d.reason });
      try {
        for (const keyId of d.deleteKeyIds) {
          await withStepRetries(() => deleteAccessKey({ iam: deps.clients.aws.iam, userName: r.userName, accessKeyId: keyId }), { attempts: options.stepAttempts, backoffMs: options.backoffMs });
        }
      } catch (err) {
        const message = `Could not delete the new key that GitHub never received: ${describeFailure(err, "iam", "DeleteAccessKey").message}. Resume to try again.`;
        endStep(db, id, { outcome: "failed", message, rotation: { state: "stopped", message, warning: d.warning } }, who);
        return "break";
      }
      mem.set(null);
      endStep(
        db,
        id,
        {
          outcome: "succeeded",
          detail: { deletedKeyIds: d.deleteKeyIds },
          message: `Deleted ${d.deleteKeyIds.join(", ")}: ${d.reason}.`,
          rotation: { newKeyId: null, restarts: r.restarts + 1, warning: d.warning ?? null },
        },
        who,
      );
      return "continue";
    }
    case "run":
      return runStep(deps, r, d.step, who, mem, d.followRunId);
  }
}

function completedMessage(r: RotationRecord, deleteAfter: string | null): string {
  if (!r.oldKeyId) return `GitHub holds the new key ${r.newKeyId}. There was no old key to deactivate.`;
  return `GitHub holds the new key ${r.newKeyId}; the old key ${r.oldKeyId} is inactive and will be deleted after ${deleteAfter}.`;
}

/** Record the step as begun, run its executor, and on a failure stop (resumable) or fail (terminal). */
async function runStep(deps: RotationDeps, r: RotationRecord, step: StepNo, who: Actor, mem: Memory, followRunId?: number): Promise<StepResult> {
  const stepId = beginStep(deps.db, r.id, step, who, followRunId ? { runId: followRunId, followed: true } : undefined);
  hitFailpoint(deps.options, `rotation:in-step-${step}`);
  let result: StepResult;
  try {
    if (step === 0) throw new Error("step 0 is an unwind decision, not an executor");
    result = await STEP_EXECUTORS[step]({ deps, r, stepId, who, mem, followRunId });
  } catch (err) {
    return stopAt(deps, r, step, stepId, err, who, mem);
  }
  if (result === "continue") hitFailpoint(deps.options, `rotation:after-step-${step}`);
  return result;
}

/** A step failed: record it, and stop (resumable) or fail (terminal). */
async function stopAt(deps: RotationDeps, r: RotationRecord, step: StepNo, stepId: number, err: unknown, who: Actor, mem: Memory): Promise<StepResult> {
  const { db } = deps;
  let message: string;
  let state: "stopped" | "failed" = "stopped";
  let warning: string | undefined;
  if (err instanceof StepStop) {
    message = err.message;
    state = err.state;
    warning = err.warning;
  } else if (err instanceof CanaryTimeoutError) {
    message = `${err.message} GitHub holds the new key; the old key is still active. Resume to run the canary again.`;
  } else {
    const { service, call } = STEP_CALLS[step];
    message = `${STEP_TITLES[step]} stopped: ${describeFailure(err, service, call).message}.${isTransient(err) ? " Retried with backoff;" : ""} Resume when it is fixed.`;
  }
  if (step === 1) state = "failed";
  const fresh = getRotation(db, r.id)!;
  if (step === 7) {
    // A completed rotation stays completed: the deletion is retried by the scheduler or by hand.
    endStep(db, stepId, { outcome: "failed", message, rotation: { warning: `Deleting the old key failed: ${message}` } }, who);
    return "break";
  }
  endStep(db, stepId, { outcome: "failed", message, rotation: { state, message, warning, ...(state === "failed" ? { finishedAt: new Date().toISOString() } : {}) } }, who);
  // The secret dies with this attempt: a key GitHub never received is deleted now rather than left behind.
  if (step >= 2 && step <= 4 && fresh.newKeyId) {
    mem.set(null);
    await unwindNow(deps, r.id, who).catch(() => undefined);
  }
  return "break";
}

/** Delete keys this rotation created that GitHub does not hold (best effort; a resume does the same). */
async function unwindNow(deps: RotationDeps, rotationId: number, who: Actor): Promise<void> {
  const { db } = deps;
  const r = getRotation(db, rotationId)!;
  const steps = listSteps(db, rotationId);
  const latest = steps[steps.length - 1];
  const obs = await observe(deps, r, latest?.step === 4);
  const d = decideNext({ ...r, state: "running" }, steps, { obs, secretHeld: false });
  if (d.kind !== "unwind") return;
  const id = beginStep(db, rotationId, 0, who, { deleteKeyIds: d.deleteKeyIds, reason: d.reason });
  for (const keyId of d.deleteKeyIds) await deleteAccessKey({ iam: deps.clients.aws.iam, userName: r.userName, accessKeyId: keyId });
  endStep(
    db,
    id,
    {
      outcome: "succeeded",
      detail: { deletedKeyIds: d.deleteKeyIds },
      message: `Deleted ${d.deleteKeyIds.join(", ")}: GitHub never received it.`,
      rotation: { newKeyId: null, restarts: r.restarts + 1, warning: d.warning ?? r.warning },
    },
    who,
  );
}

/**
 * Step 7 on a completed rotation: delete the old key when the grace period has passed (or now, when an
 * operator confirmed it: `force`). Safe to call repeatedly and after a crash mid-deletion: it takes the
 * rotation's lease (another live runner: nothing is done) and closes a deletion a dead one left open.
 */
export async function runDeletion(deps: RotationDeps, rotationId: number, who: Actor, opts: { now?: Date; force?: boolean } = {}): Promise<RotationRecord> {
  const { db } = deps;
  const r = getRotation(db, rotationId);
  if (!r) throw new Error(`no rotation ${rotationId}`);
  if (!claimLease(db, rotationId, deps.options.leaseMs)) return r;
  try {
    closeInterruptedSteps(db, rotationId, who);
    const steps = listSteps(db, rotationId);
    let d = decideDeletion(r, steps, opts.force ? new Date(8.64e15) : (opts.now ?? new Date()));
    if (d.kind === "observe") d = decideDeletionInDoubt(r, await observe(deps, r, false));
    const mem: Memory = { get: () => null, set: () => undefined };
    if (d.kind === "run") await runStep(deps, r, 7, who, mem);
    else if (d.kind === "mark-done") await execute(deps, r, d, who, mem);
  } finally {
    releaseLease(db, rotationId);
  }
  return getRotation(db, rotationId)!;
}
