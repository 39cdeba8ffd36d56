// Applies a setup's plan in order. Each step is recorded as begun, then as ended, before the next one
// starts; every step is idempotent, so a resume re-runs the one in doubt (and closes the record a dead
// runner left "running" as "interrupted"). The key step is a rotation, handed in as `deps.rotation`: it
// carries the key-to-secret path and its crash guarantees (no orphaned key, no third key, the secret only
// ever in memory). Setup only records which rotation is its key step.

import { TtlCache } from "../../infra/cache/ttl-cache";
import { getUser, getUserPolicy, listUserPolicyNames, putUserPolicy } from "../../integrations/aws/iam";
import { createUser } from "../../integrations/aws/iam-setup";
import { deleteRepoSecret, setRepoVariable } from "../../integrations/github/write-variable";
import { describeAllRepositories } from "../../integrations/aws/ecr";
import { getDefaultBranch } from "../../integrations/github/commits";
import { diffPolicyDocuments } from "../../judgements/posture/policy-diff";
import { REGION_VARIABLE } from "../../judgements/posture/github-config";
import { describeFailure } from "../../failures";
import { invalidatePosture } from "../../read/posture";
import { readDoctorChecks } from "../../read/doctor";
import { operationReadContext } from "../operation-read-context";
import type { PushJob } from "../pushes/job-store";
import { runCanary } from "../rotation/canary";
import { sleep } from "../rotation/retry";
import type { RotationRecord, StepRecord } from "../rotation/types";
import type { Actor, OperationContext } from "../context";
import { beginSetupStep, claimSetup, closeInterruptedSetupSteps, endSetupStep, getSetup, listSetupSteps, releaseSetup, setSetupState, updateSetupStepDetail } from "./store";
import { pushFirstImages } from "./first-push";
import { SETUP_STEP_TITLES, type PlannedStep, type SetupRecord, type SetupStepRecord } from "./types";

export interface SetupOptions {
  canaryTimeoutMs: number;
  canaryPollMs: number;
  /** How long the first push may take, from queueing until a worker finished it. */
  firstPushTimeoutMs: number;
  firstPushPollMs: number;
  /** How often to look at a rotation another runner in this process is driving. */
  waitPollMs: number;
  /**
   * DECKHAND_FAILPOINT, kill tests only: "setup:after-STEP" SIGKILLs this process right after STEP is persisted;
   * "setup:in-STEP" right after STEP is recorded as begun, before any call; "setup:first-push-queued" right
   * after the first push's job id is recorded, before any worker ran it.
   */
  failpoint?: string;
}

export const DEFAULT_SETUP_OPTIONS: SetupOptions = { canaryTimeoutMs: 15 * 60_000, canaryPollMs: 1000, firstPushTimeoutMs: 15 * 60_000, firstPushPollMs: 1000, waitPollMs: 300 };

/** The key step's port onto the rotation (lib/operations/rotation), given by the verbs that start a setup. */
export interface KeyRotation {
  start(): Promise<{ rotationId: number; done: Promise<RotationRecord> }>;
  resume(rotationId: number): Promise<{ done: Promise<RotationRecord> }>;
  get(rotationId: number): RotationRecord | null;
  /** The running or stopped rotation, if any. */
  active(): RotationRecord | null;
  /** This process is running that rotation now. */
  runningHere(rotationId: number): boolean;
  /** The rotation's latest canary step. */
  canary(rotationId: number): StepRecord | undefined;
}

export interface SetupDeps {
  ctx: OperationContext;
  expectedPolicy: Record<string, unknown>;
  rotation: KeyRotation;
  /** Queue the push a git push of `branch` would (the first push). */
  triggerPush: (branch: string) => Promise<{ job: PushJob }>;
  options: SetupOptions;
}

/** A step that cannot go on: the setup stops (resumable) with this message. */
class SetupStop extends Error {}



function hitFailpoint(options: SetupOptions, point: string): void {
  if (options.failpoint === point) process.kill(process.pid, "SIGKILL");
}

/** Run (or resume) a setup until it completes or stops. One runner per setup (the owner in the store). */
export async function runSetup(deps: SetupDeps, setupId: number, who: Actor): Promise<SetupRecord> {
  const { db } = deps.ctx;
  if (!claimSetup(db, setupId)) throw new Error(`setup ${setupId} is being run by another process`);
  try {
    closeInterruptedSetupSteps(db, setupId, who);
    const s = getSetup(db, setupId)!;
    if (s.state !== "running") return s;
    for (const planned of s.plan) {
      const records = listSetupSteps(db, setupId).filter((r) => r.step === planned.id);
      const latest = records[records.length - 1];
      if (latest && (latest.outcome === "succeeded" || latest.outcome === "skipped")) continue;
      const stepId = beginSetupStep(db, setupId, planned.id, who);
      hitFailpoint(deps.options, `setup:in-${planned.id}`);
      try {
        const end = await runStep(deps, s, planned, stepId, records);
        endSetupStep(db, stepId, end, who);
      } catch (err) {
        const message =
          err instanceof SetupStop ? err.message : `${SETUP_STEP_TITLES[planned.id]} stopped: ${describeFailure(err, planned.id === "remove-region-secret" || planned.id === "set-region-variable" ? "github" : "iam", planned.calls[0] ?? planned.id).message}. Resume when it is fixed.`;
        endSetupStep(db, stepId, { outcome: "failed", message }, who);
        setSetupState(db, setupId, { state: "stopped", message }, who);
        return getSetup(db, setupId)!;
      } finally {
        invalidatePosture(deps.ctx.cache);
      }
      hitFailpoint(deps.options, `setup:after-${planned.id}`);
    }
    const verify = listSetupSteps(db, setupId).filter((r) => r.step === "verify").pop();
    const failing = (verify?.detail?.doctor as { id: string; status: string }[] | undefined)?.filter((c) => c.status !== "pass") ?? [];
    setSetupState(
      db,
      setupId,
      {
        state: "completed",
        message: `Setup finished: ${s.plan.length - 1} step(s) applied and verified.`,
        warning: failing.length ? `Doctor checks not passing: ${failing.map((c) => `${c.id} (${c.status})`).join(", ")}.` : null,
      },
      who,
    );
    return getSetup(db, setupId)!;
  } finally {
    releaseSetup(db, setupId);
  }
}

type StepEnd = { outcome: "succeeded" | "skipped"; detail?: Record<string, unknown>; message?: string };

async function runStep(deps: SetupDeps, s: SetupRecord, planned: PlannedStep, stepId: number, earlier: SetupStepRecord[]): Promise<StepEnd> {
  const { clients } = deps.ctx;
  const { iam } = clients.aws;
  const { github, repo } = clients;
  const { userName, policyName, region } = s.names;
  switch (planned.id) {
    case "create-user": {
      const r = await createUser({ iam, userName });
      return { outcome: "succeeded", detail: { arn: r.user.arn, created: r.created }, message: r.created ? `Created ${r.user.arn}.` : `${userName} already existed (created before an interruption).` };
    }
    case "put-policy": {
      await putUserPolicy({ iam, userName, policyName, document: JSON.stringify(deps.expectedPolicy, null, 2) });
      return { outcome: "succeeded", message: `${policyName} now matches the expected policy.` };
    }
    case "remove-region-secret": {
      if (!s.removeRegionSecretConfirmed) return { outcome: "skipped", message: "Not confirmed: the stray AWS_REGION secret was left in place (it is unused by the workflow)." };
      const r = await deleteRepoSecret({ github, repo, name: REGION_VARIABLE });
      return { outcome: "succeeded", detail: { existed: r.existed }, message: r.existed ? "Deleted the AWS_REGION secret." : "The AWS_REGION secret was already gone." };
    }
    case "set-region-variable": {
      const r = await setRepoVariable({ github, repo, name: REGION_VARIABLE, value: region });
      return { outcome: "succeeded", detail: { created: r.created }, message: `AWS_REGION = ${region} (${r.created ? "created" : "updated"}).` };
    }
    case "create-key":
      return runKeyStep(deps, stepId, earlier);
    case "first-push":
      return runFirstPush(deps, stepId, earlier);
    case "verify":
      return runVerify(deps, s, stepId, earlier);
  }
}

/** The rotation a previous attempt of the key step started, if any. */
function recordedRotation(deps: SetupDeps, earlier: SetupStepRecord[]): RotationRecord | null {
  for (const r of [...earlier].reverse()) {
    const id = r.detail?.rotationId;
    if (typeof id === "number") return deps.rotation.get(id);
    // Killed after the rotation was inserted but before its id was recorded: adopt the active rotation
    // created after this attempt began (nothing else could have started one meanwhile).
    if (r.outcome === "running" || r.outcome === "interrupted") {
      const a = deps.rotation.active();
      if (a && Date.parse(a.createdAt) >= Math.floor(Date.parse(r.startedAt) / 1000) * 1000) return a;
    }
  }
  return null;
}

async function runKeyStep(deps: SetupDeps, stepId: number, earlier: SetupStepRecord[]): Promise<StepEnd> {
  const { db } = deps.ctx;
  let rotation = recordedRotation(deps, earlier);
  let done: Promise<RotationRecord>;
  if (rotation && (rotation.state === "running" || rotation.state === "stopped")) {
    updateSetupStepDetail(db, stepId, { rotationId: rotation.id });
    done = followRotation(deps, rotation.id);
  } else if (rotation && rotation.state === "completed") {
    done = Promise.resolve(rotation);
  } else {
    // None yet, or the last one failed (its new key was deleted): a fresh rotation.
    const other = deps.rotation.active();
    if (other) throw new SetupStop(`Rotation #${other.id} is ${other.state}: finish or resume it, then resume the setup.`);
    let started;
    try {
      started = await deps.rotation.start();
    } catch (err) {
      throw new SetupStop(`The access key could not be created: ${(err as Error).message}`);
    }
    updateSetupStepDetail(db, stepId, { rotationId: started.rotationId });
    done = started.done;
  }
  rotation = await done;
  if (rotation.state !== "completed") {
    throw new SetupStop(`Key rotation #${rotation.id} ${rotation.state}: ${rotation.message ?? ""} ${rotation.warning ?? ""} Resume the setup to go on.`.replace(/\s+/g, " ").trim());
  }
  const canary = deps.rotation.canary(rotation.id);
  return {
    outcome: "succeeded",
    detail: { rotationId: rotation.id, newKeyId: rotation.newKeyId, deactivatedKeyId: rotation.oldKeyId, canary: canary ? { outcome: canary.outcome, runId: canary.detail?.runId ?? null, htmlUrl: canary.detail?.htmlUrl ?? null } : null },
    message: `GitHub holds the new key ${rotation.newKeyId}${rotation.oldKeyId ? `; ${rotation.oldKeyId} (not held by GitHub) is now inactive` : ""}.`,
  };
}

/** Resume a rotation, or wait for the runner this process already has on it. */
async function followRotation(deps: SetupDeps, rotationId: number): Promise<RotationRecord> {
  if (!deps.rotation.runningHere(rotationId)) {
    try {
      return await (await deps.rotation.resume(rotationId)).done;
    } catch (err) {
      if (!/running|being run/.test((err as Error).message)) throw err;
    }
  }
  for (;;) {
    const r = deps.rotation.get(rotationId)!;
    if (r.state !== "running" || !deps.rotation.runningHere(rotationId)) {
      if (r.state === "running") return deps.rotation.resume(rotationId).then((x) => x.done);
      return r;
    }
    await sleep(deps.options.waitPollMs);
  }
}

async function runFirstPush(deps: SetupDeps, stepId: number, earlier: SetupStepRecord[]): Promise<StepEnd> {
  const { db, config, clients } = deps.ctx;
  const branch = config.github.branch ?? (await getDefaultBranch({ github: clients.github, repo: clients.repo }));
  const followJobId = earlier.map((r) => r.detail?.jobId).filter((x): x is string => typeof x === "string").pop();
  const out = await pushFirstImages(
    { db, ecr: clients.aws.ecr, triggerPush: deps.triggerPush },
    {
      branch,
      followJobId,
      onQueued: (jobId) => {
        updateSetupStepDetail(db, stepId, { jobId });
        hitFailpoint(deps.options, "setup:first-push-queued");
      },
    },
    { timeoutMs: deps.options.firstPushTimeoutMs, pollMs: deps.options.firstPushPollMs },
  );
  if (out.kind === "already-pushed")
    return {
      outcome: "skipped",
      detail: { repositoriesWithImages: out.repositoriesWithImages },
      message: `${out.repositoriesWithImages} ECR repositor${out.repositoriesWithImages === 1 ? "y" : "ies"} already hold images: the canary run's workflow pushed them.`,
    };
  const { job } = out;
  const ref = `push job ${job.id.slice(0, 8)} (${branch} @ ${job.sha.slice(0, 7)})`;
  if (out.kind === "not-finished") {
    const minutes = Math.round(deps.options.firstPushTimeoutMs / 60_000);
    throw new SetupStop(
      job.state === "queued"
        ? `No worker took ${ref} within ${minutes} min: start one (npm run worker, or DECKHAND_EMBEDDED_WORKER=1), then resume.`
        : `${ref} is still ${job.state} after ${minutes} min: follow it on the Pushes page, then resume.`,
    );
  }
  if (job.state === "succeeded" || job.state === "skipped") {
    const summary = typeof job.summary?.text === "string" ? `: ${job.summary.text}` : "";
    return { outcome: "succeeded", detail: { jobId: job.id, state: job.state }, message: `The first push finished (${ref})${summary}.` };
  }
  throw new SetupStop(`The first push ended ${job.state} (${ref})${job.error ? `: ${job.error}` : ""}. Open it on the Pushes page, fix what it says, then resume.`);
}

async function runVerify(deps: SetupDeps, s: SetupRecord, stepId: number, earlier: SetupStepRecord[]): Promise<StepEnd> {
  const { clients, db, config } = deps.ctx;
  const { iam, ecr } = clients.aws;
  const { github, repo } = clients;
  const { userName, policyName } = s.names;
  const user = await getUser({ iam, userName });
  if (!user) throw new SetupStop(`Verification: IAM GetUser says ${userName} does not exist.`);
  const names = await listUserPolicyNames({ iam, userName });
  if (!names.includes(policyName)) throw new SetupStop(`Verification: IAM ListUserPolicies does not list ${policyName}.`);
  const doc = await getUserPolicy({ iam, userName, policyName });
  const diff = doc === null ? null : diffPolicyDocuments(doc, deps.expectedPolicy);
  if (!diff || !diff.ok || diff.diff.addedActions.length || diff.diff.removedActions.length) throw new SetupStop(`Verification: IAM GetUserPolicy ${policyName} does not match the expected policy.`);

  // The canary: the key step's own run when it just had one, otherwise one dispatched here.
  const keyStep = listSetupSteps(db, s.id).filter((r) => r.step === "create-key" && r.outcome === "succeeded").pop();
  const keyCanary = keyStep?.detail?.canary as { outcome: string; runId: number | null; htmlUrl: string | null } | null | undefined;
  let canary: Record<string, unknown>;
  if (keyCanary && keyCanary.outcome === "succeeded") canary = { from: `rotation #${keyStep!.detail!.rotationId as number}`, ...keyCanary };
  else {
    const prior = earlier.filter((r) => (r.outcome === "running" || r.outcome === "interrupted") && typeof r.detail?.runId === "number").pop();
    const out = await runCanary({
      github,
      repo,
      workflowName: config.workflowName,
      branch: config.github.branch,
      followRunId: prior?.detail?.runId as number | undefined,
      timeoutMs: deps.options.canaryTimeoutMs,
      pollMs: deps.options.canaryPollMs,
      onRun: (run) => updateSetupStepDetail(db, stepId, run),
    });
    if (out.kind === "skipped") canary = { outcome: "skipped", message: out.message };
    else {
      canary = { outcome: out.run.conclusion === "success" ? "succeeded" : "failed", runId: out.run.id, htmlUrl: out.run.htmlUrl, conclusion: out.run.conclusion };
      if (out.run.conclusion !== "success") {
        updateSetupStepDetail(db, stepId, { canary });
        throw new SetupStop(`Verification: the canary run #${out.run.runNumber} concluded ${out.run.conclusion ?? "without a conclusion"}. Open it to see why, then resume.`);
      }
    }
  }
  const repositories = (await describeAllRepositories({ ecr })).map((r) => r.name);
  // The doctor reads through a fresh cache: it must judge what setup just did, not a 30 s old read.
  invalidatePosture(deps.ctx.cache);
  const doctor = (await readDoctorChecks(operationReadContext(deps.ctx, new TtlCache()))).map((c) => ({ id: c.id, title: c.title, status: c.status, summary: c.summary }));
  return { outcome: "succeeded", detail: { arn: user.arn, policies: names, canary, repositories, doctor }, message: `User, policy and canary verified; ${repositories.length} ECR repositories.` };
}
