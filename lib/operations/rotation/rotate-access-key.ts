// The rotation verbs: start, resume, delete the old key early, delete an inactive second key, and what
// the scheduler runs (resume after a crash, due deletions, automatic rotation). Server actions, the
// scheduler, the guided setup (given these as its key step) and the tests all call these.

import type { ECRClient } from "@aws-sdk/client-ecr";
import type { STSClient } from "@aws-sdk/client-sts";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { clientsForRepository } from "../../integrations/clients";
import type { GitHubRepoRef } from "../../integrations/clients/github-client";
import { pushUserScope } from "../push-user";
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
  activeRotations,
  endStep,
  getRotation,
  getRotationSettings,
  insertRotation,
  listRotations,
  listSteps,
  RotationBusyError,
  rotationsAwaitingDeletion,
  setRotation,
} from "./store";
import type { RotationRecord } from "./types";
import { selectFleetRepositories } from "./fleet-members";
import { servedRepositories } from "../../infra/config/served-repositories";
import type { Actor, OperationContext } from "../context";

export interface RotationExtras {
  awsAs?: RotationDeps["awsAs"];
  options?: Partial<RotationOptions>;
}

/** Rotations this process runs now: one runner per rotation per process. */
const inFlight = inFlightRegistry<RotationRecord>("rotation");

/** Whose key a rotation rotates, and the repository it acts from (its primary holder, its first canary). */
interface RotationScope {
  userName: string;
  repository: GitHubRepoRef;
}

/** The scope a recorded rotation acts in: its user, and its repository (the default one for rotations recorded before). */
function recordedScope(ctx: OperationContext, r: RotationRecord): RotationScope {
  const [owner, repo] = (r.repository ?? ctx.config.github.repository).split("/");
  return { userName: r.userName, repository: { owner, repo } };
}

function rotationDepsFrom(ctx: OperationContext, scope: RotationScope, extras: RotationExtras = {}): RotationDeps {
  const awsAs =
    extras.awsAs ??
    ((credentials: { accessKeyId: string; secretAccessKey: string }): { sts: STSClient; ecr: ECRClient } => {
      const c = createAwsClients({ region: ctx.config.aws.region ?? ctx.clients.aws.region, endpoint: ctx.config.aws.endpoint, credentials, maxAttempts: 1 });
      return { sts: c.sts, ecr: c.ecr };
    });
  const settings = getRotationSettings(ctx.db);
  // Every GitHub call of the rotation is about its own repository first (never the default one's by accident).
  const clients = clientsForRepository(ctx.clients, scope.repository);
  return {
    db: ctx.db,
    clients,
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
    // Every other configured repository using THIS user's key is written too (asked for by the preflight only).
    fleet: () => selectFleetRepositories({ ...ctx, clients }, scope.userName),
    repositories: servedRepositories(ctx.config, ctx.db),
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
 * Start a rotation of the push user of the repository the context acts from (`ctx.repository`, a repository-scoped
 * action's; else the configured repository `ctx.clients.repo` names): `input.userName`, when given, must be that
 * repository's push user (SafeError `invalid-input`). That repository is the rotation's primary holder and first
 * canary, recorded with the user, so every resume acts from it. Step 1 (preflight) runs before this returns, so a
 * refusal is immediate; steps 2 to 6 run in the background (`done` settles when the runner stops). One rotation per
 * push user at a time (SafeError `rotation-busy`).
 */
export async function startRotation(
  ctx: OperationContext,
  input: { userName?: string; trigger?: "operator" | "automatic" } = {},
  extras: RotationExtras = {},
): Promise<{ rotationId: number; done: Promise<RotationRecord> }> {
  const { repository, userName } = pushUserScope(ctx, input.userName);
  const deps = rotationDepsFrom(ctx, { userName, repository: { owner: repository.owner, repo: repository.repo } }, extras);
  const who = ctx.actor;
  let ids;
  try {
    ids = insertRotation(ctx.db, { trigger: input.trigger ?? "operator", requestedBy: ctx.actor.login, userName, repository: repository.repository, who });
  } catch (err) {
    if (err instanceof RotationBusyError) throw new SafeError(`Rotation #${err.activeId} of ${userName} is still running or stopped; open it to follow or resume it. One rotation per push user at a time.`, "rotation-busy");
    throw err;
  }
  try {
    const pre = await preflight(deps, userName, ids.rotationId);
    endStep(ctx.db, ids.stepId, { outcome: "succeeded", detail: pre.detail, rotation: { oldKeyId: pre.oldKeyId, keysBefore: pre.keysBefore } }, who);
  } catch (err) {
    const message = err instanceof StepStop ? err.message : `${describeFailure(err, "iam", "preflight").message}.`;
    endStep(ctx.db, ids.stepId, { outcome: "failed", message, rotation: { state: "failed", message, finishedAt: new Date().toISOString() } }, who);
    throw new SafeError(message, "preflight", { cause: err });
  }
  return { rotationId: ids.rotationId, done: track(ctx, ids.rotationId, runRotation(deps, ids.rotationId, who)) };
}

/** Resume a stopped rotation, or one whose process died (its lease is free): its recorded user, repository and holders. */
export async function resumeRotation(ctx: OperationContext, input: { rotationId: number }, extras: RotationExtras = {}): Promise<{ rotationId: number; done: Promise<RotationRecord> }> {
  const r = getRotation(ctx.db, input.rotationId);
  if (!r) throw new SafeError(`There is no rotation #${input.rotationId}.`, "not-found");
  if (r.state !== "stopped" && r.state !== "running") throw new SafeError(`Rotation #${r.id} is ${r.state}; there is nothing to resume.`, "not-resumable");
  if (inFlight.has(r.id)) throw new SafeError(`Rotation #${r.id} is running now.`, "running");
  const deps = rotationDepsFrom(ctx, recordedScope(ctx, r), extras);
  const who = ctx.actor;
  if (r.state === "stopped") setRotation(ctx.db, r.id, { state: "running", message: null }, who, "rotation.resume");
  const done = runRotation(deps, r.id, who).catch((err) => {
    if (/being run by another process/.test(String((err as Error).message))) throw new SafeError(`Rotation #${r.id} is being run by another Deckhand process.`, "running");
    throw err;
  });
  return { rotationId: r.id, done: track(ctx, r.id, done) };
}

/** Delete the old key of a completed rotation before its grace period ends (the operator confirmed). */
export async function deleteOldKeyNow(ctx: OperationContext, input: { rotationId: number }, extras: RotationExtras = {}): Promise<RotationRecord & { oldKeyExisted: boolean }> {
  const r = getRotation(ctx.db, input.rotationId);
  if (!r) throw new SafeError(`There is no rotation #${input.rotationId}.`, "not-found");
  if (r.state !== "completed" || !r.oldKeyId) throw new SafeError("Only a completed rotation's old key can be deleted.", "not-completed");
  if (r.oldKeyDeletedAt) throw new SafeError(`The old key ${r.oldKeyId} was already deleted.`, "already-deleted");
  const after = await runDeletion(rotationDepsFrom(ctx, recordedScope(ctx, r), extras), r.id, ctx.actor, { force: true });
  invalidatePosture(ctx.cache);
  if (!after.oldKeyDeletedAt) throw new SafeError(after.warning ?? "The old key was not deleted.", "not-deleted");
  const step7 = listSteps(ctx.db, r.id).filter((s) => s.step === 7).pop();
  return { ...after, oldKeyExisted: step7?.detail?.existed !== false };
}

/**
 * Delete the inactive second key that blocks a rotation (separately confirmed), of the push user of the repository
 * the context acts from (`input.userName`, when given, must be it; see startRotation).
 */
export async function deleteInactiveSecondKey(ctx: OperationContext, input: { accessKeyId: string; userName?: string }): Promise<void> {
  const iam = ctx.clients.aws.iam;
  const { userName } = pushUserScope(ctx, input.userName);
  const keys = await listPushUserKeys(ctx, userName);
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

/**
 * On server start (and each scheduler tick): continue every rotation whose process died mid-way (still "running"),
 * each with its recorded user, repository and holders. Returns the ids taken up.
 */
export async function resumeInterruptedRotations(ctx: OperationContext, extras: RotationExtras = {}): Promise<number[]> {
  const taken: number[] = [];
  for (const r of activeRotations(ctx.db)) {
    if (r.state !== "running" || inFlight.has(r.id)) continue;
    const deps = rotationDepsFrom(ctx, recordedScope(ctx, r), extras);
    const who: Actor = { login: r.requestedBy, role: "system" };
    // A live process holding the lease makes runRotation throw: that rotation is not ours to run.
    track(ctx, r.id, runRotation(deps, r.id, who)).catch(() => undefined);
    taken.push(r.id);
  }
  return taken;
}

/** Delete old keys whose grace period has passed (the scheduled step 7), each of its rotation's recorded user. */
export async function runDueDeletions(ctx: OperationContext, now = new Date(), extras: RotationExtras = {}): Promise<number[]> {
  const done: number[] = [];
  for (const r of rotationsAwaitingDeletion(ctx.db)) {
    const after = await runDeletion(rotationDepsFrom(ctx, recordedScope(ctx, r), extras), r.id, { login: r.requestedBy, role: "system" }, { now });
    if (after.oldKeyDeletedAt) done.push(r.id);
  }
  if (done.length) invalidatePosture(ctx.cache);
  return done;
}

/**
 * Automatic rotation (off by default): every configured push user whose only active key reaches the rotation age, and
 * who has no active rotation, is rotated the same way, from the first configured repository it pushes from. At most
 * one automatic attempt per user a day. A user whose check or preflight fails does not stop the others (its failed
 * rotation is in the history). Returns the ids of the rotations started.
 */
export async function rotateIfDue(ctx: OperationContext, now = new Date(), extras: RotationExtras = {}): Promise<number[]> {
  if (!getRotationSettings(ctx.db).autoRotate) return [];
  const started: number[] = [];
  const recent = listRotations(ctx.db, 200).filter((r) => r.trigger === "automatic" && now.getTime() - Date.parse(r.createdAt) < 86_400_000);
  const seen = new Set<string>();
  for (const repository of servedRepositories(ctx.config, ctx.db)) {
    const userName = repository.pushUser;
    if (seen.has(userName)) continue;
    seen.add(userName);
    if (activeRotation(ctx.db, userName) || recent.some((r) => r.userName === userName)) continue;
    try {
      const keys = await listAccessKeys({ iam: ctx.clients.aws.iam, userName });
      const active = keys.filter((k) => k.status === "Active");
      if (active.length !== 1) continue;
      const age = (now.getTime() - Date.parse(active[0].createDate)) / 86_400_000;
      if (age < getThresholds(ctx.db).rotateAfterDays) continue;
      const scoped: OperationContext = { ...ctx, clients: clientsForRepository(ctx.clients, repository), repository, actor: { login: "deckhand", role: "system" } };
      started.push((await startRotation(scoped, { trigger: "automatic", userName }, extras)).rotationId);
    } catch (err) {
      console.error(`[deckhand] automatic rotation of ${userName} did not start: ${describeFailure(err, "iam", "automatic rotation").message}`);
    }
  }
  return started;
}
