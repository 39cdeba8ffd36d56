// The guided setup verbs. Server actions, instrumentation (resume on start) and the tests call these.

import { SafeError } from "../../errors";
import { describeFailure } from "../../overview/describe-failure";
import { loadExpectedPolicy, postureDepsFrom } from "../../read/load-posture";
import { appCache } from "../../infra/cache/ttl-cache";
import { planSetup } from "./plan";
import { checkOwnPermissions, readSetupState } from "./read-state";
import { DEFAULT_SETUP_OPTIONS, runSetup, type SetupOptions } from "./runner";
import { activeSetup, getSetup, insertSetup, latestSetup, listSetupSteps, SetupBusyError, setSetupState } from "./store";
import type { SetupNames, SetupPlan, SetupRecord, SetupState, SetupStepRecord } from "./types";
import type { PermissionVerdict } from "./permissions";
import type { RotationExtras } from "../rotation/rotate-access-key";
import type { ServiceContext } from "../context";

export interface SetupExtras {
  rotation?: RotationExtras;
  options?: Partial<SetupOptions>;
}

const g = globalThis as unknown as { deckhandSetups?: Map<number, Promise<SetupRecord>> };
const inFlight = () => (g.deckhandSetups ??= new Map());

export function setupNames(ctx: Pick<ServiceContext, "config" | "clients">): SetupNames {
  return { userName: ctx.config.iamUser, policyName: ctx.config.iamPolicyName, region: ctx.config.aws.region ?? ctx.clients.aws.region ?? "us-east-1" };
}

async function expectedPolicyOf(ctx: ServiceContext): Promise<Record<string, unknown>> {
  const e = await loadExpectedPolicy(postureDepsFrom(ctx.config, ctx.clients, appCache()));
  if (!e.ok) throw new SafeError(e.error.message, "expected-policy");
  return e.data.document;
}

export interface SetupOverview {
  state: SetupState;
  plan: SetupPlan;
  permissions: PermissionVerdict;
}

/** The state of each guide step, the plan of what is missing or wrong, and the permission preflight (read only). */
export async function planGuidedSetup(ctx: ServiceContext): Promise<SetupOverview> {
  const state = await readSetupState({ clients: ctx.clients, db: ctx.db, names: setupNames(ctx), expectedPolicy: await expectedPolicyOf(ctx), pushBranch: ctx.config.github.branch ?? "the default branch" });
  const plan = planSetup(state);
  const permissions = await checkOwnPermissions({ clients: ctx.clients, required: plan.requiredActions });
  return { state, plan, permissions };
}

function depsFor(ctx: ServiceContext, expectedPolicy: Record<string, unknown>, extras: SetupExtras) {
  return {
    ctx,
    expectedPolicy,
    rotation: extras.rotation ?? {},
    options: {
      ...DEFAULT_SETUP_OPTIONS,
      ...(ctx.config.mode === "sandbox" ? { canaryPollMs: 400, firstPushPollMs: 500 } : {}),
      failpoint: process.env.DECKHAND_FAILPOINT,
      ...extras.options,
    },
  };
}

const whoOf = (ctx: ServiceContext) => ({ actor: ctx.actor.login, role: ctx.actor.role });

function track(id: number, p: Promise<SetupRecord>): Promise<SetupRecord> {
  inFlight().set(id, p);
  const clear = () => inFlight().delete(id);
  p.then(clear, (err) => {
    clear();
    console.error(`[deckhand] setup ${id} runner stopped unexpectedly: ${describeFailure(err, "AWS", "setup").message}`);
  });
  return p;
}

/**
 * Start a setup: the plan is computed again now (never trusted from the browser), refused when it has
 * blockers or when Deckhand's own credentials lack a permission it needs — before anything changes.
 * The steps run in the background (`done` settles when the runner stops).
 */
export async function startGuidedSetup(
  ctx: ServiceContext,
  input: { removeRegionSecret: boolean },
  extras: SetupExtras = {},
): Promise<{ setupId: number; plan: SetupPlan; done: Promise<SetupRecord> }> {
  const current = activeSetup(ctx.db);
  if (current) throw new SafeError(`Setup #${current.id} is ${current.state}; resume it or let it finish. One setup at a time.`, "setup-busy");
  const expectedPolicy = await expectedPolicyOf(ctx);
  const { plan, permissions } = await planGuidedSetup(ctx);
  if (plan.blockers.length) throw new SafeError(`Setup cannot start: ${plan.blockers.join(" ")}`, "setup-blocked");
  if (permissions.kind === "missing") {
    throw new SafeError(`Deckhand's own AWS credentials lack ${permissions.actions.join(", ")}, which this setup needs. Nothing was changed. ${permissions.why}`, "missing-permission");
  }
  if (permissions.kind === "unknown" && /could not read its own policies/.test(permissions.why)) {
    throw new SafeError("Deckhand could not read its own IAM policies (iam:ListUserPolicies / iam:GetUserPolicy on itself), so it cannot check that it may make this setup's calls. Nothing was changed.", "missing-permission");
  }
  let setupId: number;
  try {
    setupId = insertSetup(ctx.db, { requestedBy: ctx.actor.login, names: setupNames(ctx), plan: plan.steps, removeRegionSecretConfirmed: input.removeRegionSecret, who: whoOf(ctx) });
  } catch (err) {
    if (err instanceof SetupBusyError) throw new SafeError(`Setup #${err.activeId} is running or stopped; one setup at a time.`, "setup-busy");
    throw err;
  }
  return { setupId, plan, done: track(setupId, runSetup(depsFor(ctx, expectedPolicy, extras), setupId, whoOf(ctx))) };
}

/** Resume a stopped setup, or one whose process died. */
export async function resumeGuidedSetup(ctx: ServiceContext, input: { setupId: number }, extras: SetupExtras = {}): Promise<{ setupId: number; done: Promise<SetupRecord> }> {
  const s = getSetup(ctx.db, input.setupId);
  if (!s) throw new SafeError(`There is no setup #${input.setupId}.`, "not-found");
  if (s.state !== "stopped" && s.state !== "running") throw new SafeError(`Setup #${s.id} is ${s.state}; there is nothing to resume.`, "not-resumable");
  if (inFlight().has(s.id)) throw new SafeError(`Setup #${s.id} is running now.`, "running");
  const expectedPolicy = await expectedPolicyOf(ctx);
  if (s.state === "stopped") setSetupState(ctx.db, s.id, { state: "running", message: null }, whoOf(ctx));
  const done = runSetup(depsFor(ctx, expectedPolicy, extras), s.id, whoOf(ctx)).catch((err) => {
    if (/being run by another process/.test(String((err as Error).message))) throw new SafeError(`Setup #${s.id} is being run by another Deckhand process.`, "running");
    throw err;
  });
  return { setupId: s.id, done: track(s.id, done) };
}

/** On server start: continue a setup whose process died mid-way (it is still "running"). */
export async function resumeInterruptedSetup(ctx: ServiceContext, extras: SetupExtras = {}): Promise<number | null> {
  const s = activeSetup(ctx.db);
  if (!s || s.state !== "running" || inFlight().has(s.id)) return null;
  try {
    await resumeGuidedSetup({ ...ctx, actor: { login: s.requestedBy, role: "system" } }, { setupId: s.id }, extras);
    return s.id;
  } catch {
    return null;
  }
}

export function setupWithSteps(ctx: Pick<ServiceContext, "db">, setupId?: number): { setup: SetupRecord; steps: SetupStepRecord[]; running: boolean } | null {
  const s = setupId === undefined ? latestSetup(ctx.db) : getSetup(ctx.db, setupId);
  return s ? { setup: s, steps: listSetupSteps(ctx.db, s.id), running: inFlight().has(s.id) } : null;
}
