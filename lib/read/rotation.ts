// The key rotation pages: what a rotation would do now (read fresh from IAM and GitHub, never cached: it
// decides whether the Rotate button shows), past rotations with their steps, one rotation's live view, and
// the rotation settings. Store reads only go through lib/operations/rotation/store.ts, never its verbs.

import { listAccessKeys } from "../integrations/aws/iam";
import { findWorkflowByName, listWorkflows } from "../integrations/github/workflows";
import { ownerAlive } from "../infra/db/process-owner";
import { activeSetup } from "../operations/setup/store";
import { activeRotation, getRotation, getRotationSettings, listRotations, listSteps, type RotationSettings } from "../operations/rotation/store";
import { toRotationView, type RotationView } from "../operations/rotation/view";
import type { RotationRecord } from "../operations/rotation/types";
import { getThresholds } from "../operations/settings/thresholds";
import { classifyFailure, describeFailure } from "../failures";
import type { ConfiguredRepository } from "../infra/config/env";
import { findFleetKeyHolders, HolderLookupError, repositoryName, type PlannedHolder } from "../operations/rotation/holders";
import { READ_CACHE_PREFIXES, type ReadContext } from "./context";
import { readPolicies, readScopes } from "./posture";
import { computeEffectiveActions } from "../judgements/posture/effective-actions";
import { findMissingPushActions } from "../judgements/posture/policy-drift";
import { TtlCache } from "../infra/cache/ttl-cache";
import { mapLimit } from "../infra/map-limit";
import { clientsForRepository } from "../integrations/clients";
import { REGION_VARIABLE } from "../judgements/posture/github-config";

/**
 * A rotation of the context's push user (`userName`; absent: of any user) or the guided setup is running or stopped
 * mid-way (the store's own state, no API call): two active keys are then expected until the old one is deactivated,
 * so the key verdicts must not call them an anomaly.
 */
export function keyChangeUnderway(ctx: Pick<ReadContext, "db"> & Partial<Pick<ReadContext, "userName">>): boolean {
  return activeRotation(ctx.db, ctx.userName) !== null || activeSetup(ctx.db) !== null;
}

export interface RotationPlan {
  /** The push user rotated: the push user of the repository the plan is read for. */
  userName: string;
  /** That repository (owner/name): the rotation's primary holder and first canary. */
  repository: string;
  keys: { accessKeyId: string; status: string; createDate: string; ageDays: number }[];
  /** False when IAM ListAccessKeys failed: `keys` is then empty because unknown, not because the user has none. */
  keysRead: boolean;
  /** IAM answered NoSuchEntity: the push user does not exist (an account nobody set up); the way on is Setup. */
  userMissing: boolean;
  /** The key that will be deactivated (the only active one), if any. */
  oldKeyId: string | null;
  /** Why a rotation cannot start now (the preflight will refuse). */
  blockers: string[];
  /** An inactive second key that must go first (offered for separate deletion). */
  inactiveSecondKeyId: string | null;
  graceDays: number;
  workflow: { name: string; found: boolean };
  active: RotationRecord | null;
  /**
   * Where the key would be written, per repository and scope, across the configured repositories whose configured
   * push user is this one (the preflight also drops those whose key resolves to another user's); empty with
   * `holdersFailure` when GitHub could not say.
   */
  holders: PlannedHolder[];
  holdersFailure: string | null;
  /**
   * What will make the rotation stop part-way, said before it starts (it does not refuse: the old key stays active
   * and a Resume continues once fixed), e.g. a repository using the key whose run gets no AWS_REGION at any scope,
   * so its canary fails.
   */
  warnings: string[];
}

/** How long the plan's holder list is kept (the posture parts' lifetime). */
const PLAN_HOLDERS_TTL_MS = 30_000;

/**
 * What a rotation would do now: IAM ListAccessKeys and the workflow list, read fresh; where the key would be
 * written (every holder across `repositories` whose configured push user is this one), cached briefly.
 */
export async function readRotationPlan(
  ctx: Pick<ReadContext, "clients" | "db" | "userName" | "workflowName" | "now"> & Partial<Pick<ReadContext, "cache">>,
  repositories: readonly ConfiguredRepository[] = [],
): Promise<RotationPlan> {
  const userName = ctx.userName;
  const now = (ctx.now?.() ?? new Date()).getTime();
  let keys: RotationPlan["keys"] = [];
  let keysRead = true;
  let userMissing = false;
  const blockers: string[] = [];
  try {
    keys = (await listAccessKeys({ iam: ctx.clients.aws.iam, userName })).map((k) => ({ ...k, ageDays: Math.floor((now - Date.parse(k.createDate)) / 86_400_000) }));
  } catch (err) {
    keysRead = false;
    // IAM answers NoSuchEntity when the user is not there: an account nobody set up, not a failed call.
    userMissing = classifyFailure(err) === "not-found";
    blockers.push(userMissing ? `The push user ${userName} does not exist in this account yet: run the guided setup first.` : describeFailure(err, "iam", "ListAccessKeys").message);
  }
  const active = keys.filter((k) => k.status === "Active");
  const inactive = keys.filter((k) => k.status !== "Active");
  // One rotation per push user: another user's rotation does not block this one. While this user's rotation is
  // running or stopped, its own second key is the rotation's doing: resuming it is the way on, not a key action.
  const current = activeRotation(ctx.db, userName);
  let inactiveSecondKeyId: string | null = null;
  if (current) blockers.push(`Rotation #${current.id} of ${userName} is ${current.state}: open it to follow or resume it.`);
  else if (keys.length >= 2 && inactive.length) {
    inactiveSecondKeyId = inactive[0].accessKeyId;
    blockers.push(`The user already has two keys; ${inactiveSecondKeyId} is inactive and must be deleted first.`);
  } else if (active.length >= 2) blockers.push("The user has two active keys: deactivate the one GitHub does not hold first.");
  let found = false;
  try {
    found = Boolean(findWorkflowByName(await listWorkflows({ github: ctx.clients.github, repo: ctx.clients.repo }), ctx.workflowName));
  } catch (err) {
    blockers.push(describeFailure(err, "github", "list workflows").message);
  }
  let holders: PlannedHolder[] = [];
  let holdersFailure: string | null = null;
  const self = repositoryName(ctx.clients.repo).toLowerCase();
  const others = repositories.filter((r) => r.pushUser === userName && r.repository.toLowerCase() !== self).map((r) => ({ owner: r.owner, repo: r.repo }));
  try {
    const repos = [ctx.clients.repo, ...others];
    const load = async () => (await findFleetKeyHolders({ github: ctx.clients.github, repos, workflowName: ctx.workflowName })).holders;
    // A few GitHub calls per repository: kept for the posture parts' lifetime (a fleet of 200 would list ~1000
    // secrets on every view otherwise); a rotation invalidates the posture prefix when it ends.
    const key = `${READ_CACHE_PREFIXES.posture}rotation-holders:${userName}:${repos.map(repositoryName).join(",").toLowerCase()}|`;
    holders = ctx.cache ? await ctx.cache.get(key, PLAN_HOLDERS_TTL_MS, load) : await load();
  } catch (err) {
    const where = err instanceof HolderLookupError ? err.repository : repositoryName(ctx.clients.repo);
    holdersFailure = `${where}: ${describeFailure(err instanceof HolderLookupError ? err.cause : err, "github", "list secrets").message}`;
  }
  const warnings = await policyWarnings(ctx);
  warnings.push(...await canaryWarnings(ctx, [repositoryName(ctx.clients.repo), ...others.map(repositoryName), ...holders.flatMap((h) => (h.repository ? [h.repository] : (h.repositories ?? [])))]));
  return {
    userName,
    repository: repositoryName(ctx.clients.repo),
    keys,
    keysRead,
    userMissing,
    oldKeyId: active.length === 1 ? active[0].accessKeyId : null,
    blockers,
    inactiveSecondKeyId,
    graceDays: getRotationSettings(ctx.db).graceDays,
    workflow: { name: ctx.workflowName, found },
    active: current,
    holders,
    holdersFailure,
    warnings,
  };
}

/** What the guide's workflow calls on every run, whether or not an image changed (login, repository lookup, compare). */
const EVERY_RUN_ACTIONS: ReadonlySet<string> = new Set(["ecr:GetAuthorizationToken", "ecr:DescribeRepositories", "ecr:DescribeImages"]);

/**
 * A canary runs the ECR workflow, which pushes with the push user's permissions: when its policies lack an action
 * the workflow needs (`findMissingPushActions`, the Doctor's access-denied question), a canary that needs it fails and
 * the rotation stops before the old key is deactivated. One sentence naming them; nothing when the policies cannot be
 * read (the Doctor says that) or allow everything.
 */
async function policyWarnings(ctx: Parameters<typeof readRotationPlan>[0]): Promise<string[]> {
  const policies = await readPolicies({ ...ctx, cache: ctx.cache ?? new TtlCache(), policyName: "", expectedPolicyPath: undefined });
  if (!policies.ok) return [];
  const missing = findMissingPushActions(computeEffectiveActions(policies.data)).filter((m) => m.breaksPush);
  if (missing.length === 0) return [];
  const conditional = (m: (typeof missing)[number]) => m.status === "conditionally-allowed" || m.status === "conditionally-denied";
  const denied = missing.filter((m) => !conditional(m)).map((m) => m.action);
  const unsure = missing.filter(conditional).map((m) => m.action);
  const what = [denied.length ? `do not allow ${denied.join(", ")}` : "", unsure.length ? `allow ${unsure.join(", ")} only under a condition` : ""].filter(Boolean).join(" and ");
  // The guide's workflow logs in, looks each repository up and compares with `latest` on every run, but uploads only
  // a changed image: a missing upload action fails only a canary that has something to push.
  const when = missing.some((m) => EVERY_RUN_ACTIONS.has(m.action)) ? "every canary run will fail" : "a canary run that has an image to push will fail";
  return [
    `${ctx.userName}'s policies ${what}, which the ECR workflow needs: ${when} and the rotation will stop before the old key is deactivated (every holder keeps the new key, the old one stays active). Fix the policy first (Policy page), or Resume once it is fixed.`,
  ];
}

/**
 * The repositories whose canary cannot pass because no scope gives their run AWS_REGION (the guide's
 * configure-aws-credentials step then fails): one sentence each. Reads each repository's secret and variable scopes
 * (cached posture parts, a few at a time); a repository whose scopes cannot be read is not guessed about.
 */
async function canaryWarnings(ctx: Parameters<typeof readRotationPlan>[0], repositories: string[]): Promise<string[]> {
  const unique = [...new Map(repositories.map((r) => [r.toLowerCase(), r])).values()];
  const cache = ctx.cache ?? new TtlCache();
  const missing = await mapLimit(unique, 4, async (name) => {
    const [owner, repo] = name.split("/");
    const scopes = await readScopes({ ...ctx, cache, policyName: "", expectedPolicyPath: undefined, clients: clientsForRepository(ctx.clients, { owner, repo }) });
    return scopes.ok && !scopes.data.effectiveVariables.some((v) => v.name === REGION_VARIABLE && v.value.trim() !== "") ? name : null;
  });
  return missing
    .filter((n): n is string => n !== null)
    .map((n) => `${n}'s runs get no AWS_REGION variable at any scope: its canary will fail and the rotation will stop before the old key is deactivated (every holder keeps the new key, the old one stays active). Set AWS_REGION there first, or Resume once it is set.`);
}

/** The newest rotations, each with its steps. */
export function readRotationHistory(ctx: Pick<ReadContext, "db">, limit = 20): RotationView[] {
  return listRotations(ctx.db, limit).map((r) => toRotationView(r, listSteps(ctx.db, r.id)));
}

/** One rotation as the progress page shows it; `running`: a live process holds its lease. Null when there is none. */
export function readRotation(ctx: Pick<ReadContext, "db">, rotationId: number): { view: RotationView; updatedAt: string; running: boolean } | null {
  const r = Number.isInteger(rotationId) ? getRotation(ctx.db, rotationId) : null;
  if (!r) return null;
  const running = r.state === "running" && r.leaseUntil !== null && r.leaseUntil > Date.now() && ownerAlive(r.owner);
  return { view: toRotationView(r, listSteps(ctx.db, r.id)), updatedAt: r.updatedAt, running };
}

/** The rotation settings, and the key age the Settings page rotates at (for the form's hint). */
export function readRotationSettings(ctx: Pick<ReadContext, "db">): { settings: RotationSettings; rotateAfterDays: number } {
  return { settings: getRotationSettings(ctx.db), rotateAfterDays: getThresholds(ctx.db).rotateAfterDays };
}
