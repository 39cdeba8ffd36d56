// The rotation verbs: start, resume, delete the old key early, delete an inactive second key, and what
// the scheduler runs (resume after a crash, due deletions, automatic rotation). Server actions, the
// scheduler, the guided setup (given these as its key step) and the tests all call these.

import type { ECRClient } from "@aws-sdk/client-ecr";
import type { STSClient } from "@aws-sdk/client-sts";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { SafeError } from "../../errors";
import { listAccessKeys } from "../../integrations/aws/iam";
import { deleteAccessKey } from "../../integrations/aws/iam-keys";
import { callFailed, describeFailure } from "../../failures";
import { inFlightRegistry } from "../in-flight";
import { listPushUserKeys } from "../keys/manage-access-key";
import { invalidatePosture } from "../../read/posture";
import { getThresholds } from "../settings/thresholds";
import { DEFAULT_ROTATION_OPTIONS, preflight, StepStop, runDeletion, runRotation, type RotationDeps, type RotationOptions } from "./runner";
import {
  activeRotation,
  endStep,
  getRotation,
  getRotationSettings,
  insertRotation,
  listRotations,
  RotationBusyError,
  rotationsAwaitingDeletion,
  setRotation,
} from "./store";
import type { RotationRecord } from "./types";
import { selectFleetRepositories } from "./fleet-members";
import type { Actor, OperationContext } from "../context";

export interface RotationExtras {
  awsAs?: RotationDeps["awsAs"];
  options?: Partial<RotationOptions>;
}

/** Rotations this process runs now: one runner per rotation per process. */
const inFlight = inFlightRegistry<RotationRecord>("rotation");

function rotationDepsFrom(ctx: OperationContext, extras: RotationExtras = {}): RotationDeps {
  const awsAs =
    extras.awsAs ??
    ((credentials: { accessKeyId: string; secretAccessKey: string }): { sts: STSClient; ecr: ECRClient } => {
      const c = createAwsClients({ region: ctx.config.aws.region ?? ctx.clients.aws.region, endpoint: ctx.config.aws.endpoint, credentials, maxAttempts: 1 });
      return { sts: c.sts, ecr: c.ecr };
    });
  const settings = getRotationSettings(ctx.db);
  return {
    db: ctx.db,
    clients: ctx.clients,
    awsAs,
    workflowName: ctx.config.workflowName,
    branch: ctx.config.github.branch,
    options: {
      ...DEFAULT_ROTATION_OPTIONS,
      ...(ctx.config.mode === "sandbox" ? { canaryPollMs: 400 } : {}),
      graceDays: settings.graceDays,
      failpoint: process.env.DECKHAND_FAILPOINT,
      ...extras.options,
    },
    // Every configured repository using the push user's key is written too (asked for by the preflight only).
    fleet: () => selectFleetRepositories(ctx, ctx.config.iamUser),
  };
}

/** Is this process running rotation `id` now? */
export function isRotationRunningHere(id: number): boolean {
  return inFlight.has(id);
}

/** Keep the runner's promise while it runs; whatever it changed in IAM, the posture reads are stale after it. */
function track(ctx: OperationContext, id: number, p: Promise<RotationRecord>): Promise<RotationRecord> {
  return inFlight.track(id, p, () => invalidatePosture(ctx.cache));
}

/**
 * Start a rotation: step 1 (preflight) runs before this returns, so a refusal is immediate; steps 2
 * to 6 run in the background (`done` settles when the runner stops).
 */
export async function startRotation(
  ctx: OperationContext,
  input: { trigger?: "operator" | "automatic" } = {},
  extras: RotationExtras = {},
): Promise<{ rotationId: number; done: Promise<RotationRecord> }> {
  const deps = rotationDepsFrom(ctx, extras);
  const who = ctx.actor;
  const userName = ctx.config.iamUser;
  let ids;
  try {
    ids = insertRotation(ctx.db, { trigger: input.trigger ?? "operator", requestedBy: ctx.actor.login, userName, who });
  } catch (err) {
    if (err instanceof RotationBusyError) throw new SafeError(`Rotation #${err.activeId} is still running or stopped; open it to follow or resume it. One rotation at a time.`, "rotation-busy");
    throw err;
  }
  try {
    const pre = await preflight(deps, userName);
    endStep(ctx.db, ids.stepId, { outcome: "succeeded", detail: pre.detail, rotation: { oldKeyId: pre.oldKeyId, keysBefore: pre.keysBefore } }, who);
  } catch (err) {
    const message = err instanceof StepStop ? err.message : `${describeFailure(err, "iam", "preflight").message}.`;
    endStep(ctx.db, ids.stepId, { outcome: "failed", message, rotation: { state: "failed", message, finishedAt: new Date().toISOString() } }, who);
    throw new SafeError(message, "preflight", { cause: err });
  }
  return { rotationId: ids.rotationId, done: track(ctx, ids.rotationId, runRotation(deps, ids.rotationId, who)) };
}

/** Resume a stopped rotation, or one whose process died (its lease is free). */
export async function resumeRotation(ctx: OperationContext, input: { rotationId: number }, extras: RotationExtras = {}): Promise<{ rotationId: number; done: Promise<RotationRecord> }> {
  const r = getRotation(ctx.db, input.rotationId);
  if (!r) throw new SafeError(`There is no rotation #${input.rotationId}.`, "not-found");
  if (r.state !== "stopped" && r.state !== "running") throw new SafeError(`Rotation #${r.id} is ${r.state}; there is nothing to resume.`, "not-resumable");
  if (inFlight.has(r.id)) throw new SafeError(`Rotation #${r.id} is running now.`, "running");
  const deps = rotationDepsFrom(ctx, extras);
  const who = ctx.actor;
  if (r.state === "stopped") setRotation(ctx.db, r.id, { state: "running", message: null }, who, "rotation.resume");
  const done = runRotation(deps, r.id, who).catch((err) => {
    if (/being run by another process/.test(String((err as Error).message))) throw new SafeError(`Rotation #${r.id} is being run by another Deckhand process.`, "running");
    throw err;
  });
  return { rotationId: r.id, done: track(ctx, r.id, done) };
}

/** Delete the old key of a completed rotation before its grace period ends (the operator confirmed). */
export async function deleteOldKeyNow(ctx: OperationContext, input: { rotationId: number }, extras: RotationExtras = {}): Promise<RotationRecord> {
  const r = getRotation(ctx.db, input.rotationId);
  if (!r) throw new SafeError(`There is no rotation #${input.rotationId}.`, "not-found");
  if (r.state !== "completed" || !r.oldKeyId) throw new SafeError("Only a completed rotation's old key can be deleted.", "not-completed");
  if (r.oldKeyDeletedAt) throw new SafeError(`The old key ${r.oldKeyId} was already deleted.`, "already-deleted");
  const after = await runDeletion(rotationDepsFrom(ctx, extras), r.id, ctx.actor, { force: true });
  invalidatePosture(ctx.cache);
  if (!after.oldKeyDeletedAt) throw new SafeError(after.warning ?? "The old key was not deleted.", "not-deleted");
  return after;
}

/** Delete the inactive second key that blocks a rotation (separately confirmed). */
export async function deleteInactiveSecondKey(ctx: OperationContext, input: { accessKeyId: string }): Promise<void> {
  const iam = ctx.clients.aws.iam;
  const userName = ctx.config.iamUser;
  const keys = await listPushUserKeys(ctx);
  const k = keys.find((x) => x.accessKeyId === input.accessKeyId);
  if (!k) throw new SafeError(`${input.accessKeyId} is not a key of ${userName}.`, "not-found");
  if (k.status === "Active") throw new SafeError(`${input.accessKeyId} is active; Deckhand only deletes an inactive second key here.`, "active-key");
  if (keys.length < 2) throw new SafeError(`${input.accessKeyId} is the user's only key; it does not block a rotation.`, "only-key");
  try {
    await deleteAccessKey({ iam, userName, accessKeyId: input.accessKeyId });
  } catch (err) {
    throw callFailed(err, "iam", "DeleteAccessKey");
  } finally {
    invalidatePosture(ctx.cache);
  }
}

/** On server start: continue rotations whose process died mid-way (they are still "running"). */
export async function resumeInterruptedRotations(ctx: OperationContext, extras: RotationExtras = {}): Promise<number[]> {
  const r = activeRotation(ctx.db);
  if (!r || r.state !== "running" || inFlight.has(r.id)) return [];
  const deps = rotationDepsFrom(ctx, extras);
  const who: Actor = { login: r.requestedBy, role: "system" };
  try {
    track(ctx, r.id, runRotation(deps, r.id, who));
    return [r.id];
  } catch {
    return [];
  }
}

/** Delete old keys whose grace period has passed (the scheduled step 7). */
export async function runDueDeletions(ctx: OperationContext, now = new Date(), extras: RotationExtras = {}): Promise<number[]> {
  const done: number[] = [];
  for (const r of rotationsAwaitingDeletion(ctx.db)) {
    const after = await runDeletion(rotationDepsFrom(ctx, extras), r.id, { login: r.requestedBy, role: "system" }, { now });
    if (after.oldKeyDeletedAt) done.push(r.id);
  }
  if (done.length) invalidatePosture(ctx.cache);
  return done;
}

/**
 * Automatic rotation (off by default): when the only active key reaches the rotation age and no
 * rotation is active, rotate it the same way. At most one automatic attempt a day.
 */
export async function rotateIfDue(ctx: OperationContext, now = new Date(), extras: RotationExtras = {}): Promise<number | null> {
  if (!getRotationSettings(ctx.db).autoRotate || activeRotation(ctx.db)) return null;
  const recent = listRotations(ctx.db, 20).find((r) => r.trigger === "automatic" && now.getTime() - Date.parse(r.createdAt) < 86_400_000);
  if (recent) return null;
  const keys = await listAccessKeys({ iam: ctx.clients.aws.iam, userName: ctx.config.iamUser });
  const active = keys.filter((k) => k.status === "Active");
  if (active.length !== 1) return null;
  const age = (now.getTime() - Date.parse(active[0].createDate)) / 86_400_000;
  if (age < getThresholds(ctx.db).rotateAfterDays) return null;
  const { rotationId } = await startRotation({ ...ctx, actor: { login: "deckhand", role: "system" } }, { trigger: "automatic" }, extras);
  return rotationId;
}
