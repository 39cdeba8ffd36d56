// The rotation's step executors, one function per step of lib/operations/rotation/README.md's table. Each
// does its calls (with step-level retries of transient failures), records how the step ended, and says
// whether the loop goes on; runner.ts owns the loop, the lease, the failure handling and the failpoints.
// The new key's secret only ever passes through `mem`, the runner's memory.

import type { ECRClient } from "@aws-sdk/client-ecr";
import type { STSClient } from "@aws-sdk/client-sts";
import type { Clients } from "../../integrations/clients";
import type { Db } from "../../infra/db/open-db";
import { listAccessKeys } from "../../integrations/aws/iam";
import { createAccessKey, deleteAccessKey, updateAccessKey, type NewAccessKey } from "../../integrations/aws/iam-keys";
import { KeyNotAcceptedError, verifyAccessKey } from "../../integrations/aws/verify-access-key";
import type { GitHubRepoRef } from "../../integrations/clients/github-client";
import type { ServedRepository } from "../../infra/config/served-repositories";
import { checkUserBoundaries, ownSecretsOfDiscovered, UserBoundaryError } from "./user-boundaries";
import { checkHolderWritable, writeAccessKeyToHolder } from "../../integrations/github/write-secret";
import { describePlannedHolder, findFleetKeyHolders, HolderLookupError, holderRepo, listReposUsingOrgSecret, repositoryName, type PlannedHolder } from "./holders";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { mapLimit } from "../../infra/map-limit";
import { listFailingSteps, type RunSummary } from "../../integrations/github/runs";
import { explainErrorCode } from "../../judgements/guide-errors";
import { explainFailingStep } from "../../judgements/workflows/failing-step";
import { describeFailure, type Service } from "../../failures";
import type { Actor } from "../context";
import { runCanary } from "./canary";
import { keysCreatedBy } from "./decide";
import { withStepRetries } from "./retry";
import { endStep, listSteps, updateStepDetail } from "./store";
import type { RotationRecord, StepNo } from "./types";

export interface RotationOptions {
  verifyTimeoutMs: number;
  verifyPollMs: number;
  canaryTimeoutMs: number;
  canaryPollMs: number;
  stepAttempts: number;
  backoffMs: number;
  leaseMs: number;
  graceDays: number;
  /**
   * DECKHAND_FAILPOINT, for kill tests only: "rotation:after-step-N" SIGKILLs this process right after
   * step N is persisted; "rotation:in-step-N" right after step N is recorded as begun, before any call.
   */
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
  /**
   * The other configured repositories using the rotated user's key (fleet-members.ts), asked for by the preflight
   * only; absent: the default repository alone.
   */
  fleet?: () => Promise<{ repositories: GitHubRepoRef[]; notes: string[] }>;
  /**
   * Every served repository with its push user (GITHUB_REPOSITORIES, named or discovered): the preflight refuses a
   * plan whose secrets another push user's repository reads (user-boundaries.ts), or that writes a discovered
   * repository's own secrets. Absent: not checked (one-user tests).
   */
  repositories?: readonly ServedRepository[];
}

export const CANARY_FAILED_WARNING =
  "The canary run failed. GitHub now holds the NEW key (AWS accepted it for STS and ECR before it was written); the OLD key is still ACTIVE — nothing was deactivated. " +
  "The old secret cannot be put back (Deckhand never had it). Open the run to see why it failed: if it is not a credentials problem, fix it and press Resume to run the canary again and finish; " +
  "if the new key is refused by the workflow, write the old key back by hand or start over after deleting the new key.";

/** A step that cannot go on: `failed` is terminal, `stopped` resumable. */
export class StepStop extends Error {
  constructor(
    message: string,
    public state: "stopped" | "failed",
    public warning?: string,
  ) {
    super(message);
  }
}

/** Where the new key's secret lives while the runner runs: set by step 2, dropped once GitHub has it. */
export interface Memory {
  get(): NewAccessKey | null;
  set(k: NewAccessKey | null): void;
}

/** One step being run: the rotation as it was when the step began, the step's record, who asked. */
export interface StepRun {
  deps: RotationDeps;
  r: RotationRecord;
  stepId: number;
  who: Actor;
  mem: Memory;
  /** For step 5: a run dispatched before an interruption, to follow instead of dispatching again. */
  followRunId?: number;
}

/** "continue": the loop decides the next step; "break": the rotation stops here (its state says why). */
export type StepResult = "continue" | "break";

const retryOf = (deps: RotationDeps) => ({ attempts: deps.options.stepAttempts, backoffMs: deps.options.backoffMs });

export interface PreflightResult {
  oldKeyId: string | null;
  keysBefore: string[];
  detail: Record<string, unknown>;
}

/** Kill tests only: SIGKILL this process at a named point (DECKHAND_FAILPOINT). */
export function hitFailpoint(options: RotationOptions, point: string): void {
  if (options.failpoint === point) process.kill(process.pid, "SIGKILL");
}

/**
 * Step 1: at most one key (or the second inactive: refused with an offer to delete it), every holder of the key
 * (organization, environment, repository secrets) across `deps.clients.repo` (the rotation's repository) and the
 * other repositories using `userName`'s key writable — a missing permission is named before any change — and none of
 * them read by another push user's repository (user-boundaries.ts). Throws StepStop ("failed") naming what is wrong.
 */
export async function preflight(deps: RotationDeps, userName: string, rotationId?: number): Promise<PreflightResult> {
  const { iam } = deps.clients.aws;
  const { github, repo } = deps.clients;
  const retry = retryOf(deps);
  let keys;
  try {
    keys = await withStepRetries(() => listAccessKeys({ iam, userName }), retry);
  } catch (err) {
    throw new StepStop(`Preflight: ${describeFailure(err, "iam", "ListAccessKeys").message}.`, "failed");
  }
  const active = keys.filter((k) => k.status === "Active");
  if (keys.length >= 2) {
    const inactive = keys.find((k) => k.status !== "Active");
    if (inactive) throw new StepStop(`The user ${userName} already has two keys; ${inactive.accessKeyId} is inactive. Delete it first (separately confirmed), then rotate.`, "failed");
    throw new StepStop(`The user ${userName} has two active keys, so Deckhand cannot tell which one to replace. Deactivate the one GitHub does not hold, then rotate.`, "failed");
  }
  // Every configured repository using this user's key: each of their holders is written before the old key goes.
  const fleet = deps.fleet ? await deps.fleet() : { repositories: [], notes: [] };
  const repos = [repo, ...fleet.repositories];
  let found: { holders: PlannedHolder[]; notes: string[] };
  try {
    found = await withStepRetries(() => findFleetKeyHolders({ github, repos, workflowName: deps.workflowName }), retry);
  } catch (err) {
    const where = err instanceof HolderLookupError ? err.repository : repositoryName(repo);
    const cause = err instanceof HolderLookupError ? err.cause : err;
    throw new StepStop(`Preflight: Deckhand cannot write ${where}'s secrets: ${describeFailure(cause, "github", "list secrets").message}. Repository secrets need a token that can write ${where}'s secrets (classic: repo scope; fine-grained: Secrets: write).`, "failed");
  }
  for (const holder of found.holders) {
    const at = holderRepo(holder, repo);
    try {
      // Listing secrets needs the same access as writing them; the public key is needed to seal.
      await withStepRetries(() => checkHolderWritable({ github, repo: at, holder }), retry);
    } catch (err) {
      const need =
        holder.scope === "organization"
          ? ` Organization secrets can be written only by an owner of ${holder.org} with the admin:org scope (or a fine-grained token with organization Secrets: write).`
          : holder.scope === "environment"
            ? ` Environment secrets need admin on ${repositoryName(at)}.`
            : ` Repository secrets need a token that can write ${repositoryName(at)}'s secrets (classic: repo scope; fine-grained: Secrets: write).`;
      throw new StepStop(`Preflight: the key lives in ${describePlannedHolder(holder, repo)}, and Deckhand cannot write them: ${describeFailure(err, "github", "list secrets / get public key").message}.${need}`, "failed");
    }
  }
  if (deps.repositories) {
    const untrusted = ownSecretsOfDiscovered(found.holders, repo, deps.repositories);
    if (untrusted.length) {
      throw new StepStop(
        `Preflight: ${untrusted.map((u) => `${u.repository} (found under ${u.rule})`).join(", ")} ${untrusted.length === 1 ? "holds its own copy" : "hold their own copies"} of the key, and Deckhand does not write a key into a repository it was not named (whoever can create a repository under a wildcard's owner could otherwise receive it). Name ${untrusted.length === 1 ? "it" : "them"} in GITHUB_REPOSITORIES, or delete ${untrusted.length === 1 ? "its copy" : "their copies"} so the organization secret reaches ${untrusted.length === 1 ? "it" : "them"}, then rotate.`,
        "failed",
      );
    }
    try {
      await withStepRetries(() => checkUserBoundaries({ db: deps.db, github, userName, rotationId, repos, holders: found.holders, configured: deps.repositories! }), retry);
    } catch (err) {
      const why = err instanceof UserBoundaryError ? err.message : describeFailure(err, "github", "list secrets").message;
      throw new StepStop(`Preflight: ${why}.`, "failed");
    }
  }
  const oldKeyId = active[0]?.accessKeyId ?? null;
  const keysBefore = keys.map((k) => k.accessKeyId);
  const notes = [...fleet.notes, ...found.notes];
  return {
    oldKeyId,
    keysBefore,
    detail: { userName, oldKeyId, keysBefore, repositories: repos.map(repositoryName), holders: found.holders, ...(notes.length ? { notes } : {}) },
  };
}

async function stepPreflight({ deps, r, stepId, who }: StepRun): Promise<StepResult> {
  const pre = await preflight(deps, r.userName, r.id);
  endStep(deps.db, stepId, { outcome: "succeeded", detail: pre.detail, rotation: { oldKeyId: pre.oldKeyId, keysBefore: pre.keysBefore } }, who);
  return "continue";
}

/** Step 2: CreateAccessKey; the secret goes into memory only. */
async function stepCreateKey({ deps, r, stepId, who, mem }: StepRun): Promise<StepResult> {
  const iam = deps.clients.aws.iam;
  const created = await withStepRetries(() => createAccessKey({ iam, userName: r.userName }), {
    ...retryOf(deps),
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
  endStep(deps.db, stepId, { outcome: "succeeded", detail: { newKeyId: created.accessKeyId }, rotation: { newKeyId: created.accessKeyId } }, who);
  return "continue";
}

/** Step 3: STS and ECR accept the new key, polled through IAM's propagation window. */
async function stepVerifyKey({ deps, r, stepId, who, mem }: StepRun): Promise<StepResult> {
  const key = mem.get();
  if (!key) throw new StepStop("The new key's secret is not held by this process.", "stopped");
  let verified;
  try {
    verified = await verifyAccessKey({
      ...deps.awsAs({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }),
      userName: r.userName,
      timeoutMs: deps.options.verifyTimeoutMs,
      pollMs: deps.options.verifyPollMs,
    });
  } catch (err) {
    if (err instanceof KeyNotAcceptedError) {
      const guide = explainErrorCode(err.lastErrorCode).guideSection;
      throw new StepStop(`${err.message}${guide ? ` The guide covers ${err.lastErrorCode} under “${guide}”.` : ""} The new key was never written to GitHub and is deleted; the old key is untouched.`, "failed");
    }
    throw err;
  }
  endStep(deps.db, stepId, { outcome: "succeeded", detail: { attempts: verified.attempts, waitedMs: verified.elapsedMs } }, who);
  return "continue";
}

/** Step 4: seal the pair and write both secrets; the secret leaves memory. */
async function stepWriteSecrets({ deps, r, stepId, who, mem }: StepRun): Promise<StepResult> {
  const key = mem.get();
  if (!key) throw new StepStop("The new key's secret is not held by this process.", "stopped");
  const { github, repo } = deps.clients;
  // Every holder the preflight recorded (across the fleet), organization first; a resume uses the same list.
  const holders = plannedHolders(deps, r);
  const writes: Array<PlannedHolder & { accessKeyIdUpdatedAt: string; secretAccessKeyUpdatedAt: string }> = [];
  for (const holder of holders) {
    const at = holderRepo(holder, repo);
    const written = await withStepRetries(() => writeAccessKeyToHolder({ github, repo: at, holder, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }), retryOf(deps));
    writes.push({ ...holder, ...written });
    updateStepDetail(deps.db, stepId, { writes });
    hitFailpoint(deps.options, `rotation:in-step-4-after-${holder.scope}`);
  }
  mem.set(null);
  // The default repository's pair at the top level; else the last holder's.
  const top = writes.find((w) => w.scope === "repository" && (!w.repository || w.repository === repositoryName(repo))) ?? writes[writes.length - 1];
  endStep(deps.db, stepId, { outcome: "succeeded", detail: { accessKeyIdUpdatedAt: top.accessKeyIdUpdatedAt, secretAccessKeyUpdatedAt: top.secretAccessKeyUpdatedAt, writes } }, who);
  return "continue";
}

/**
 * Why a failed canary failed, in the guide's terms: the failing step's error line and the Troubleshooting
 * section for it (the same table the Doctor and the run pages use). Best effort: null when the logs
 * cannot be read.
 */
async function explainCanaryFailure(deps: RotationDeps, run: RunSummary, repo: GitHubRepoRef = deps.clients.repo): Promise<string | null> {
  try {
    const steps = await listFailingSteps({ github: deps.clients.github, repo, runId: run.id });
    for (const s of steps) {
      const { error, guide } = explainFailingStep(s.log, null);
      if (error) return `It failed at “${s.step}”: ${error.message}${guide ? ` (the guide's “${guide.title}”: ${guide.meaning})` : ""}`;
    }
  } catch {
    // The run page shows it; the rotation's message stays without the detail.
  }
  return null;
}

/**
 * The holders step 1 recorded: organization, environment and repository secrets across the fleet. A rotation
 * recorded before scopes (no list) holds the default repository's secrets alone.
 */
export function plannedHolders(deps: RotationDeps, r: RotationRecord): PlannedHolder[] {
  const pre = listSteps(deps.db, r.id).filter((s) => s.step === 1 && s.outcome === "succeeded").at(-1);
  return Array.isArray(pre?.detail?.holders) ? (pre.detail.holders as PlannedHolder[]) : [{ scope: "repository" }];
}

/** Step 5: the canary run of the workflow with the secrets GitHub now holds. */
async function stepCanary({ deps, r, stepId, who, followRunId }: StepRun): Promise<StepResult> {
  const { github, repo } = deps.clients;
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
        timeoutMs: deps.options.canaryTimeoutMs,
        pollMs: deps.options.canaryPollMs,
        onRun: (run) => {
          knownRunId = run.runId;
          updateStepDetail(deps.db, stepId, run);
        },
      }),
    retryOf(deps),
  );
  if (out.kind === "skipped") {
    endStep(deps.db, stepId, { outcome: "skipped", message: out.message }, who);
    return "continue";
  }
  const detail = { runId: out.run.id, htmlUrl: out.run.htmlUrl, conclusion: out.run.conclusion };
  if (out.run.conclusion !== "success") {
    const why = await explainCanaryFailure(deps, out.run);
    const message = `Canary run #${out.run.runNumber} concluded ${out.run.conclusion ?? "without a conclusion"}.${why ? ` ${why}` : ""}`;
    endStep(deps.db, stepId, { outcome: "failed", detail, message, rotation: { state: "stopped", message, warning: CANARY_FAILED_WARNING } }, who);
    return "break";
  }
  // Every other repository using the key (the fleet's holders, and those the organization secret reaches) runs
  // its own canary before the old key is deactivated, so none is left holding a dead key.
  const shared = await sharedCanaries(deps, r);
  const failed = shared.filter((x) => x.conclusion !== "success" && x.conclusion !== "skipped");
  if (failed.length > 0) {
    const message = `The canary failed in ${failed.map((x) => `${x.repository} (${x.conclusion}${x.note ? `: ${x.note}` : ""})`).join(", ")}, which use${failed.length === 1 ? "s" : ""} the new key: the old key stays active.`;
    endStep(deps.db, stepId, { outcome: "failed", detail: { ...detail, shared }, message, rotation: { state: "stopped", message, warning: CANARY_FAILED_WARNING } }, who);
    return "break";
  }
  endStep(deps.db, stepId, { outcome: "succeeded", detail: shared.length ? { ...detail, shared } : detail }, who);
  return "continue";
}

/** How many other repositories' canaries run at once: GitHub's secondary rate limits punish bursts of dispatches. */
const SHARED_CANARY_CONCURRENCY = 3;

interface SharedCanary {
  repository: string;
  conclusion: string;
  runId?: number;
  htmlUrl?: string;
  note?: string;
}

/**
 * The canary in every other repository using the new key: those whose own repository or environment secrets were
 * written (step 1's fleet holders), the configured ones getting it from an organization holder, and every repository
 * a rotated organization secret reaches (visibility `selected`: its selected repositories). A repository reached only
 * through the organization but with its own AWS_ACCESS_KEY_ID does not use the organization's copy: skipped, said.
 * At most SHARED_CANARY_CONCURRENCY at once.
 */
async function sharedCanaries(deps: RotationDeps, r: RotationRecord): Promise<SharedCanary[]> {
  const holders = plannedHolders(deps, r);
  const { github, repo } = deps.clients;
  const self = repositoryName(repo).toLowerCase();
  const others = new Map<string, { ref: GitHubRepoRef; written: boolean }>();
  const add = (ref: GitHubRepoRef, written: boolean) => {
    const k = repositoryName(ref).toLowerCase();
    if (k === self) return;
    const had = others.get(k);
    others.set(k, { ref: had?.ref ?? ref, written: written || Boolean(had?.written) });
  };
  for (const h of holders) {
    if (h.scope !== "organization") continue;
    for (const x of await withStepRetries(() => listReposUsingOrgSecret({ github, org: h.org }), retryOf(deps))) add(x, false);
    for (const name of h.repositories ?? []) add(holderRepo({ scope: "repository", repository: name }, repo), true);
  }
  for (const h of holders) if (h.scope !== "organization" && h.repository) add(holderRepo(h, repo), true);
  return mapLimit([...others.values()], SHARED_CANARY_CONCURRENCY, async ({ ref: other, written }): Promise<SharedCanary> => {
    const repository = repositoryName(other);
    try {
      if (!written) {
        const own = await withStepRetries(() => listRepoSecrets({ github, repo: other }), retryOf(deps));
        if (own.some((x) => x.name === "AWS_ACCESS_KEY_ID")) return { repository, conclusion: "skipped", note: "its own repository secret shadows the organization's" };
      }
      const out = await runCanary({ github, repo: other, workflowName: deps.workflowName, timeoutMs: deps.options.canaryTimeoutMs, pollMs: deps.options.canaryPollMs });
      if (out.kind === "skipped") return { repository, conclusion: "skipped", note: out.message };
      if (out.run.conclusion !== "success") {
        // The repository's own reason, in the guide's terms (as for the default repository's canary).
        const why = await explainCanaryFailure(deps, out.run, other);
        return { repository, conclusion: out.run.conclusion ?? "unknown", runId: out.run.id, htmlUrl: out.run.htmlUrl, ...(why ? { note: why } : {}) };
      }
      return { repository, conclusion: "success", runId: out.run.id, htmlUrl: out.run.htmlUrl };
    } catch (err) {
      return { repository, conclusion: "error", note: describeFailure(err, "github", "canary").message };
    }
  });
}

class AlreadyDone extends Error {}

/** Step 6: UpdateAccessKey Inactive on the old key, never twice. */
async function stepDeactivateOldKey({ deps, r, stepId, who }: StepRun): Promise<StepResult> {
  const iam = deps.clients.aws.iam;
  const oldKeyId = r.oldKeyId!;
  await withStepRetries(() => updateAccessKey({ iam, userName: r.userName, accessKeyId: oldKeyId, status: "Inactive" }), {
    ...retryOf(deps),
    // Never deactivate twice: a lost response may have done it already.
    beforeRetry: async () => {
      const k = (await listAccessKeys({ iam, userName: r.userName })).find((x) => x.accessKeyId === oldKeyId);
      if (!k || k.status === "Inactive") throw new AlreadyDone();
    },
  }).catch((err) => {
    if (!(err instanceof AlreadyDone)) throw err;
  });
  endStep(deps.db, stepId, { outcome: "succeeded", detail: { oldKeyId } }, who);
  return "continue";
}

/** Step 7 (completed rotations, after the grace period): DeleteAccessKey, unless someone reactivated the key. */
async function stepDeleteOldKey({ deps, r, stepId, who }: StepRun): Promise<StepResult> {
  const iam = deps.clients.aws.iam;
  const oldKeyId = r.oldKeyId!;
  const k = (await withStepRetries(() => listAccessKeys({ iam, userName: r.userName }), retryOf(deps))).find((x) => x.accessKeyId === oldKeyId);
  if (k && k.status === "Active") {
    const message = `The old key ${oldKeyId} was reactivated since the rotation; Deckhand does not delete an active key. Deactivate it first, then delete it.`;
    endStep(deps.db, stepId, { outcome: "skipped", message, rotation: { deleteAfter: null, warning: message } }, who);
    return "break";
  }
  if (k) await withStepRetries(() => deleteAccessKey({ iam, userName: r.userName, accessKeyId: oldKeyId }), retryOf(deps));
  // Gone already: deleted by this step before an interruption, or by someone else (the Credentials page, the console).
  // The goal is reached either way; the step says which of the two it could not tell, never "deleted".
  const message = k ? undefined : `The old key ${oldKeyId} no longer existed: nothing was left to delete.`;
  endStep(deps.db, stepId, { outcome: "succeeded", detail: { oldKeyId, existed: Boolean(k) }, ...(message ? { message } : {}), rotation: { oldKeyDeletedAt: new Date().toISOString() } }, who);
  return "break";
}

/** The executor of each step; step 0 (unwind) is a decision of its own, run by the runner. */
export const STEP_EXECUTORS: Record<Exclude<StepNo, 0>, (run: StepRun) => Promise<StepResult>> = {
  1: stepPreflight,
  2: stepCreateKey,
  3: stepVerifyKey,
  4: stepWriteSecrets,
  5: stepCanary,
  6: stepDeactivateOldKey,
  7: stepDeleteOldKey,
};

/** The call a step failed in, for its message. */
export const STEP_CALLS: Record<StepNo, { service: Service; call: string }> = {
  0: { service: "iam", call: "DeleteAccessKey" },
  1: { service: "iam", call: "preflight" },
  2: { service: "iam", call: "CreateAccessKey" },
  3: { service: "sts", call: "GetCallerIdentity / ECR GetAuthorizationToken with the new key" },
  4: { service: "github", call: "write secrets" },
  5: { service: "github", call: "canary" },
  6: { service: "iam", call: "UpdateAccessKey" },
  7: { service: "iam", call: "DeleteAccessKey" },
};
