// Applies a setup's plan in order. Each step is recorded as begun, then as ended, before the next one
// starts; every step is idempotent, so a resume re-runs the one in doubt. The key step is a rotation
// (lib/rotation): it carries the key-to-secret path and its crash guarantees (no orphaned key, no third
// key, the secret only ever in memory). Setup only records which rotation is its key step.

import { TtlCache, appCache } from "../../infra/cache/ttl-cache";
import { getUser, getUserPolicy, listUserPolicyNames } from "../../integrations/aws/iam";
import { createUser } from "../../integrations/aws/iam-setup";
import { putUserPolicy } from "../../integrations/aws/iam";
import { deleteRepoSecret, setRepoVariable } from "../../integrations/github/write-variable";
import { describeAllRepositories } from "../../integrations/aws/ecr-repositories";
import { invalidatePosture, postureDepsFrom } from "../../read/load-posture";
import { loadDoctorChecks } from "../../read/run-checks";
import { diffPolicyDocuments } from "../../judgements/posture/policy-diff";
import { REGION_VARIABLE } from "../../judgements/posture/github-config";
import { describeFailure } from "../../overview/describe-failure";
import { runCanary } from "../rotation/canary";
import { activeRotation, getRotation, listSteps } from "../rotation/store";
import type { RotationRecord } from "../rotation/types";
import { resumeRotation, rotationWithSteps, startRotation, type RotationExtras } from "../rotation/rotate-access-key";
import type { ServiceContext } from "../context";
import { beginSetupStep, claimSetup, endSetupStep, getSetup, listSetupSteps, releaseSetup, setSetupState, updateSetupStepDetail, type Who } from "./store";
import { pushFirstImages } from "./first-push";
import { getDefaultBranch } from "../../integrations/github/commits";
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
   * "setup:first-push-queued" right after the first push's job id is recorded, before any worker ran it.
   */
  failpoint?: string;
}

export const DEFAULT_SETUP_OPTIONS: SetupOptions = { canaryTimeoutMs: 15 * 60_000, canaryPollMs: 1000, firstPushTimeoutMs: 15 * 60_000, firstPushPollMs: 1000, waitPollMs: 300 };

export interface SetupDeps {
  ctx: ServiceContext;
  expectedPolicy: Record<string, unknown>;
  rotation: RotationExtras;
  options: SetupOptions;
  cache?: TtlCache;
}

/** A step that cannot go on: the setup stops (resumable) with this message. */
export class SetupStop extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function hitFailpoint(options: SetupOptions, point: string): void {
  if (options.failpoint === point) process.kill(process.pid, "SIGKILL");
}

/** Run (or resume) a setup until it completes or stops. One runner per setup (the owner in the store). */
export async function runSetup(deps: SetupDeps, setupId: number, who: Who): Promise<SetupRecord> {
  const { db } = deps.ctx;
  if (!claimSetup(db, setupId)) throw new Error(`setup ${setupId} is being run by another process`);
  try {
    const s = getSetup(db, setupId)!;
    if (s.state !== "running") return s;
    for (const planned of s.plan) {
      const records = listSetupSteps(db, setupId).filter((r) => r.step === planned.id);
      const latest = records[records.length - 1];
      if (latest && (latest.outcome === "succeeded" || latest.outcome === "skipped")) continue;
      const stepId = beginSetupStep(db, setupId, planned.id, who);
      try {
        const end = await runStep(deps, s, planned, stepId, records);
        endSetupStep(db, stepId, end, who);
      } catch (err) {
        const message =
          err instanceof SetupStop ? err.message : `${SETUP_STEP_TITLES[planned.id]} stopped: ${describeFailure(err, planned.id === "remove-region-secret" || planned.id === "set-region-variable" ? "GitHub" : "AWS", planned.calls[0] ?? planned.id).message} Resume when it is fixed.`;
        endSetupStep(db, stepId, { outcome: "failed", message }, who);
        setSetupState(db, setupId, { state: "stopped", message }, who);
        return getSetup(db, setupId)!;
      } finally {
        (deps.cache ?? appCache()).invalidate("posture:");
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
  const { db } = deps.ctx;
  for (const r of [...earlier].reverse()) {
    const id = r.detail?.rotationId;
    if (typeof id === "number") return getRotation(db, id);
    // Killed after startRotation inserted the rotation but before its id was recorded: adopt the active
    // rotation created after this attempt began (nothing else could have started one meanwhile).
    if (r.outcome === "running") {
      const a = activeRotation(db);
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
    const other = activeRotation(db);
    if (other) throw new SetupStop(`Rotation #${other.id} is ${other.state}: finish or resume it, then resume the setup.`);
    let started;
    try {
      started = await startRotation(deps.ctx, { trigger: "operator" }, deps.rotation);
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
  const canary = listSteps(db, rotation.id).filter((x) => x.step === 5).pop();
  return {
    outcome: "succeeded",
    detail: { rotationId: rotation.id, newKeyId: rotation.newKeyId, deactivatedKeyId: rotation.oldKeyId, canary: canary ? { outcome: canary.outcome, runId: canary.detail?.runId ?? null, htmlUrl: canary.detail?.htmlUrl ?? null } : null },
    message: `GitHub holds the new key ${rotation.newKeyId}${rotation.oldKeyId ? `; ${rotation.oldKeyId} (not held by GitHub) is now inactive` : ""}.`,
  };
}

/** Resume a rotation, or wait for the runner this process already has on it. */
async function followRotation(deps: SetupDeps, rotationId: number): Promise<RotationRecord> {
  const { db } = deps.ctx;
  const running = rotationWithSteps({ db }, rotationId)?.running;
  if (!running) {
    try {
      return await (await resumeRotation(deps.ctx, { rotationId }, deps.rotation)).done;
    } catch (err) {
      if (!/running|being run/.test((err as Error).message)) throw err;
    }
  }
  for (;;) {
    const r = getRotation(db, rotationId)!;
    if (r.state !== "running" || !rotationWithSteps({ db }, rotationId)?.running) {
      if (r.state === "running") return resumeRotation(deps.ctx, { rotationId }, deps.rotation).then((x) => x.done);
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
    deps.ctx,
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
    const prior = earlier.filter((r) => r.outcome === "running" && typeof r.detail?.runId === "number").pop();
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
  const cache = new TtlCache();
  invalidatePosture(deps.cache ?? appCache());
  const doctor = (await loadDoctorChecks(postureDepsFrom(config, clients, cache))).map((c) => ({ id: c.id, title: c.title, status: c.status, summary: c.summary }));
  return { outcome: "succeeded", detail: { arn: user.arn, policies: names, canary, repositories, doctor }, message: `User, policy and canary verified; ${repositories.length} ECR repositories.` };
}
