// Executes the decisions of decide.ts against AWS and GitHub. The new key's secret lives only in a
// local variable of runRotation: from CreateAccessKey to the sealed box, and then it is dropped.

import type { ECRClient } from "@aws-sdk/client-ecr";
import type { STSClient } from "@aws-sdk/client-sts";
import type { Clients } from "../../integrations/clients";
import type { Db } from "../../infra/db/open-db";
import { describeFailure } from "../../overview/describe-failure";
import { listAccessKeys } from "../../integrations/aws/iam";
import { createAccessKey, deleteAccessKey, updateAccessKey, type NewAccessKey } from "../../integrations/aws/iam-keys";
import { KeyNotAcceptedError, verifyAccessKey } from "../../integrations/aws/verify-access-key";
import { ACCESS_KEY_ID_SECRET, getSecretUpdatedAt, SECRET_ACCESS_KEY_SECRET, writeAccessKeyToSecrets } from "../../integrations/github/write-secret";
import { CanaryTimeoutError, runCanary } from "./canary";
import { decideDeletion, decideDeletionInDoubt, decideNext, keysCreatedBy, type Decision } from "./decide";
import { isTransient, withStepRetries } from "./retry";
import {
  beginStep,
  claimLease,
  endStep,
  getRotation,
  listSteps,
  releaseLease,
  renewLease,
  setRotation,
  updateStepDetail,
  type RotationPatch,
} from "./store";
import { STEP_TITLES, type Observations, type RotationRecord, type StepNo } from "./types";

export interface RotationOptions {
  verifyTimeoutMs: number;
  verifyPollMs: number;
  canaryTimeoutMs: number;
  canaryPollMs: number;
  stepAttempts: number;
  backoffMs: number;
  leaseMs: number;
  graceDays: number;
  /** DECKHAND_FAILPOINT, for kill tests only: "rotation:after-step-N" SIGKILLs this process right after step N is persisted. */
  failpoint?: string;
}

export const DEFAULT_ROTATION_OPTIONS: RotationOptions = {
  verifyTimeoutMs: 60_000,
  verifyPollMs: 250,
  canaryTimeoutMs: 15 * 60_000,
  canaryPollMs: 1000,
  stepAttempts: 3,
  backoffMs: 500,
  leaseMs: 15_000,
  graceDays: 7,
};

export interface RotationDeps {
  db: Db;
  clients: Clients;
  /** STS and ECR clients signed with another key (the new one), one SDK attempt each. */
  awsAs: (credentials: { accessKeyId: string; secretAccessKey: string }) => { sts: STSClient; ecr: ECRClient };
  workflowName: string;
  branch?: string;
  options: RotationOptions;
}

/** Who the audit entries name: the operator who asked (or "deckhand" for automatic rotations). */
export interface RotationWho {
  actor: string;
  role: string;
}

export const CANARY_FAILED_WARNING =
  "The canary run failed. GitHub now holds the NEW key (AWS accepted it for STS and ECR before it was written); the OLD key is still ACTIVE — nothing was deactivated. " +
  "The old secret cannot be put back (Deckhand never had it). Open the run to see why it failed: if it is not a credentials problem, fix it and press Resume to run the canary again and finish; " +
  "if the new key is refused by the workflow, write the old key back by hand or start over after deleting the new key.";

export class StepStop extends Error {
  constructor(
    message: string,
    /** failed: terminal; stopped: resumable. */
    public state: "stopped" | "failed",
    public warning?: string,
  ) {
    super(message);
  }
}

function failMessage(err: unknown, service: "AWS" | "GitHub", call: string): string {
  return describeFailure(err, service, call).message;
}

function hitFailpoint(options: RotationOptions, step: StepNo): void {
  if (options.failpoint === `rotation:after-step-${step}`) process.kill(process.pid, "SIGKILL");
}

async function observe(deps: RotationDeps, r: RotationRecord, secrets: boolean): Promise<Observations> {
  const { iam } = deps.clients.aws;
  const { github, repo } = deps.clients;
  const keys = (await withStepRetries(() => listAccessKeys({ iam, userName: r.userName }), { attempts: deps.options.stepAttempts, backoffMs: deps.options.backoffMs })).map((k) => ({
    accessKeyId: k.accessKeyId,
    status: k.status,
  }));
  if (!secrets) return { keys };
  const read = (name: string) => withStepRetries(() => getSecretUpdatedAt({ github, repo, name }), { attempts: deps.options.stepAttempts, backoffMs: deps.options.backoffMs });
  return { keys, secrets: { accessKeyIdUpdatedAt: await read(ACCESS_KEY_ID_SECRET), secretAccessKeyUpdatedAt: await read(SECRET_ACCESS_KEY_SECRET) } };
}

/**
 * Run (or resume) a rotation until it completes, stops or fails. Only one process runs a rotation at a
 * time (a lease in the store); returns the rotation as it was left.
 */
export async function runRotation(deps: RotationDeps, rotationId: number, who: RotationWho): Promise<RotationRecord> {
  const { db, options } = deps;
  if (!claimLease(db, rotationId, options.leaseMs)) throw new Error(`rotation ${rotationId} is being run by another process`);
  const heartbeat = setInterval(() => renewLease(db, rotationId, options.leaseMs), Math.max(200, Math.floor(options.leaseMs / 3)));
  heartbeat.unref?.();
  // The only place the new secret exists. Dropped as soon as GitHub has it.
  const memory: { key: NewAccessKey | null } = { key: null };
  const mem: Memory = { get: () => memory.key, set: (k) => void (memory.key = k) };
  try {
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
          setRotation(db, rotationId, { state: "stopped", message: `Could not check the state before resuming: ${failMessage(err, "AWS", "ListAccessKeys / GitHub secrets")} Resume when it is reachable.` }, who, "rotation.stop");
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

interface Memory {
  get(): NewAccessKey | null;
  set(k: NewAccessKey | null): void;
}

async function execute(deps: RotationDeps, r: RotationRecord, d: Decision, who: RotationWho, mem: Memory): Promise<"continue" | "break"> {
  const { db, options } = deps;
  switch (d.kind) {
    case "idle":
    case "observe":
      return "break";
    case "complete": {
      const deleteAfter = r.oldKeyId ? new Date(Date.now() + options.graceDays * 86_400_000).toISOString() : null;
      setRotation(db, r.id, { state: "completed", finishedAt: new Date().toISOString(), deleteAfter, message: completedMessage(r, deleteAfter) }, who, "rotation.complete", {
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
      hitFailpoint(options, d.step);
      return "continue";
    }
    case "unwind": {
      const id = beginStep(db, r.id, 0, who, { deleteKeyIds: d.deleteKeyIds, reason: d.reason });
      try {
        for (const keyId of d.deleteKeyIds) {
          await withStepRetries(() => deleteAccessKey({ iam: deps.clients.aws.iam, userName: r.userName, accessKeyId: keyId }), { attempts: options.stepAttempts, backoffMs: options.backoffMs });
        }
      } catch (err) {
        const message = `Could not delete the new key that GitHub never received: ${failMessage(err, "AWS", "DeleteAccessKey")} Resume to try again.`;
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

async function runStep(deps: RotationDeps, r: RotationRecord, step: StepNo, who: RotationWho, mem: Memory, followRunId?: number): Promise<"continue" | "break"> {
  const { db, options } = deps;
  const stepId = beginStep(db, r.id, step, who, followRunId ? { runId: followRunId, followed: true } : undefined);
  const retry = { attempts: options.stepAttempts, backoffMs: options.backoffMs };
  const iam = deps.clients.aws.iam;
  const { github, repo } = deps.clients;
  try {
    switch (step) {
      case 1: {
        const pre = await preflight(deps, r.userName);
        endStep(db, stepId, { outcome: "succeeded", detail: pre.detail, rotation: { oldKeyId: pre.oldKeyId, keysBefore: pre.keysBefore } }, who);
        break;
      }
      case 2: {
        const created = await withStepRetries(() => createAccessKey({ iam, userName: r.userName }), {
          ...retry,
          // A lost response may hide a key that was created: delete it (nobody will ever know its secret).
          beforeRetry: async () => {
            const keys = await listAccessKeys({ iam, userName: r.userName });
            for (const id of keysCreatedBy(r, keys)) await deleteAccessKey({ iam, userName: r.userName, accessKeyId: id });
          },
        }).catch((err) => {
          if ((err as { name?: string }).name === "LimitExceeded" || (err as { name?: string }).name === "LimitExceededException") {
            throw new StepStop("AWS refused a new key: the user already has two keys (someone added one since the preflight). Delete the extra key and start again.", "stopped");
          }
          throw err;
        });
        mem.set(created);
        endStep(db, stepId, { outcome: "succeeded", detail: { newKeyId: created.accessKeyId }, rotation: { newKeyId: created.accessKeyId } }, who);
        break;
      }
      case 3: {
        const key = mem.get();
        if (!key) throw new StepStop("The new key's secret is not held by this process.", "stopped");
        let verified;
        try {
          verified = await verifyAccessKey({ ...deps.awsAs({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }), userName: r.userName, timeoutMs: options.verifyTimeoutMs, pollMs: options.verifyPollMs });
        } catch (err) {
          if (err instanceof KeyNotAcceptedError) throw new StepStop(`${err.message} The new key was never written to GitHub and is deleted; the old key is untouched.`, "failed");
          throw err;
        }
        endStep(db, stepId, { outcome: "succeeded", detail: { attempts: verified.attempts, waitedMs: verified.elapsedMs } }, who);
        break;
      }
      case 4: {
        const key = mem.get();
        if (!key) throw new StepStop("The new key's secret is not held by this process.", "stopped");
        const written = await withStepRetries(() => writeAccessKeyToSecrets({ github, repo, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }), retry);
        mem.set(null);
        endStep(db, stepId, { outcome: "succeeded", detail: written }, who);
        break;
      }
      case 5: {
        // A retry after a GitHub error follows the run already dispatched instead of dispatching again.
        let knownRunId = followRunId;
        const out = await withStepRetries(
          () =>
            runCanary({
              github,
              repo,
              workflowName: deps.workflowName,
              branch: deps.branch,
              followRunId: knownRunId,
              timeoutMs: options.canaryTimeoutMs,
              pollMs: options.canaryPollMs,
              onRun: (run) => {
                knownRunId = run.runId;
                updateStepDetail(db, stepId, run);
              },
            }),
          retry,
        );
        if (out.kind === "skipped") {
          endStep(db, stepId, { outcome: "skipped", message: out.message }, who);
          break;
        }
        const detail = { runId: out.run.id, htmlUrl: out.run.htmlUrl, conclusion: out.run.conclusion };
        if (out.run.conclusion !== "success") {
          const message = `Canary run #${out.run.runNumber} concluded ${out.run.conclusion ?? "without a conclusion"}.`;
          endStep(db, stepId, { outcome: "failed", detail, message, rotation: { state: "stopped", message, warning: CANARY_FAILED_WARNING } }, who);
          return "break";
        }
        endStep(db, stepId, { outcome: "succeeded", detail }, who);
        break;
      }
      case 6: {
        const oldKeyId = r.oldKeyId!;
        await withStepRetries(() => updateAccessKey({ iam, userName: r.userName, accessKeyId: oldKeyId, status: "Inactive" }), {
          ...retry,
          // Never deactivate twice: a lost response may have done it already.
          beforeRetry: async () => {
            const k = (await listAccessKeys({ iam, userName: r.userName })).find((x) => x.accessKeyId === oldKeyId);
            if (!k || k.status === "Inactive") throw new AlreadyDone();
          },
        }).catch((err) => {
          if (!(err instanceof AlreadyDone)) throw err;
        });
        endStep(db, stepId, { outcome: "succeeded", detail: { oldKeyId } }, who);
        break;
      }
      case 7: {
        const oldKeyId = r.oldKeyId!;
        const k = (await withStepRetries(() => listAccessKeys({ iam, userName: r.userName }), retry)).find((x) => x.accessKeyId === oldKeyId);
        if (k && k.status === "Active") {
          const message = `The old key ${oldKeyId} was reactivated since the rotation; Deckhand does not delete an active key. Deactivate it first, then delete it.`;
          endStep(db, stepId, { outcome: "skipped", message, rotation: { deleteAfter: null, warning: message } }, who);
          return "break";
        }
        if (k) await withStepRetries(() => deleteAccessKey({ iam, userName: r.userName, accessKeyId: oldKeyId }), retry);
        endStep(db, stepId, { outcome: "succeeded", detail: { oldKeyId, existed: Boolean(k) }, rotation: { oldKeyDeletedAt: new Date().toISOString() } }, who);
        return "break";
      }
      default:
        throw new Error(`no step ${step}`);
    }
  } catch (err) {
    return stopAt(deps, r, step, stepId, err, who, mem);
  }
  hitFailpoint(options, step);
  return "continue";
}

class AlreadyDone extends Error {}

/** A step failed: record it, and stop (resumable) or fail (terminal). */
async function stopAt(deps: RotationDeps, r: RotationRecord, step: StepNo, stepId: number, err: unknown, who: RotationWho, mem: Memory): Promise<"continue" | "break"> {
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
    const service = step === 4 || step === 5 ? "GitHub" : "AWS";
    const call = { 1: "preflight", 2: "CreateAccessKey", 3: "verify", 4: "write secrets", 5: "canary", 6: "UpdateAccessKey", 7: "DeleteAccessKey", 0: "DeleteAccessKey" }[step];
    message = `${STEP_TITLES[step]} stopped: ${failMessage(err, service, call)}${isTransient(err) ? " Retried with backoff;" : ""} Resume when it is fixed.`;
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
async function unwindNow(deps: RotationDeps, rotationId: number, who: RotationWho): Promise<void> {
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

export interface PreflightResult {
  oldKeyId: string | null;
  keysBefore: string[];
  detail: Record<string, unknown>;
}

export class PreflightRefusal extends Error {
  constructor(
    message: string,
    public code: string,
  ) {
    super(message);
    this.name = "PreflightRefusal";
  }
}

/** Step 1: at most one key (or the second inactive: refused with an offer to delete it), GitHub writable. */
export async function preflight(deps: RotationDeps, userName: string): Promise<PreflightResult> {
  const { iam } = deps.clients.aws;
  const { github, repo } = deps.clients;
  const retry = { attempts: deps.options.stepAttempts, backoffMs: deps.options.backoffMs };
  let keys;
  try {
    keys = await withStepRetries(() => listAccessKeys({ iam, userName }), retry);
  } catch (err) {
    throw new StepStop(`Preflight: ${failMessage(err, "AWS", "ListAccessKeys")}`, "failed");
  }
  const active = keys.filter((k) => k.status === "Active");
  if (keys.length >= 2) {
    const inactive = keys.find((k) => k.status !== "Active");
    if (inactive) throw new StepStop(`The user ${userName} already has two keys; ${inactive.accessKeyId} is inactive. Delete it first (separately confirmed), then rotate.`, "failed");
    throw new StepStop(`The user ${userName} has two active keys, so Deckhand cannot tell which one to replace. Deactivate the one GitHub does not hold, then rotate.`, "failed");
  }
  try {
    // Listing secrets needs the same admin access as writing them; the public key is needed to seal.
    await withStepRetries(() => github.rest.actions.listRepoSecrets({ ...repo, per_page: 1 }), retry);
    await withStepRetries(() => github.rest.actions.getRepoPublicKey({ ...repo }), retry);
  } catch (err) {
    throw new StepStop(`Preflight: Deckhand cannot write the repository's secrets: ${failMessage(err, "GitHub", "list secrets / get public key")}`, "failed");
  }
  const oldKeyId = active[0]?.accessKeyId ?? null;
  return { oldKeyId, keysBefore: keys.map((k) => k.accessKeyId), detail: { oldKeyId, keysBefore: keys.map((k) => k.accessKeyId) } };
}

/**
 * Step 7 on a completed rotation: delete the old key when the grace period has passed (or now, when an
 * operator confirmed it: `force`). Safe to call repeatedly and after a crash mid-deletion.
 */
export async function runDeletion(deps: RotationDeps, rotationId: number, who: RotationWho, opts: { now?: Date; force?: boolean } = {}): Promise<RotationRecord> {
  const { db } = deps;
  const r = getRotation(db, rotationId);
  if (!r) throw new Error(`no rotation ${rotationId}`);
  const steps = listSteps(db, rotationId);
  let d = decideDeletion(r, steps, opts.force ? new Date(8.64e15) : (opts.now ?? new Date()));
  if (d.kind === "observe") d = decideDeletionInDoubt(r, await observe(deps, r, false));
  const mem: Memory = { get: () => null, set: () => undefined };
  if (d.kind === "run") await runStep(deps, r, 7, who, mem);
  else if (d.kind === "mark-done") await execute(deps, r, d, who, mem);
  return getRotation(db, rotationId)!;
}
