// The guided setup verbs: start, resume, and resume after a crash. Server actions, instrumentation (resume
// on start) and the tests call these. They hand the runner its key step (the rotation verbs) and its first
// push (the push verb) as dependencies: setup's runner imports no other domain's verbs.

import { SafeError } from "../../errors";
import { inFlightRegistry } from "../in-flight";
import { operationReadContext } from "../operation-read-context";
import { actingFrom } from "../push-user";
import { selectRepository } from "../../infra/config/env";
import { servedRepositories } from "../../infra/config/served-repositories";
import { planGuidedSetup, readExpectedDocument, setupNames, type SetupContext } from "../../read/setup";
import { getRotation, activeRotation, listSteps } from "../rotation/store";
import { isRotationRunningHere, resumeRotation, startRotation, type RotationExtras } from "../rotation/rotate-access-key";
import { triggerPush } from "../pushes/trigger-push";
import { DEFAULT_SETUP_OPTIONS, runSetup, type KeyRotation, type SetupDeps, type SetupOptions } from "./runner";
import { activeSetup, getSetup, insertSetup, SetupBusyError, setSetupState } from "./store";
import type { SetupPlan, SetupRecord } from "./types";
import type { OperationContext } from "../context";

export interface SetupExtras {
  rotation?: RotationExtras;
  options?: Partial<SetupOptions>;
}

/** Setups this process runs now: one runner per setup per process. */
const inFlight = inFlightRegistry<SetupRecord>("setup");

/** What the setup's planning reads with: the verb's own clients, store and cache, about the repository it acts from and its push user. */
function setupReadContext(ctx: OperationContext): SetupContext {
  return operationReadContext(ctx);
}

/** The key step's port: the rotation verbs, for this actor and these test windows. */
function keyRotation(ctx: OperationContext, extras: RotationExtras): KeyRotation {
  return {
    start: () => startRotation(ctx, { trigger: "operator" }, extras),
    resume: (rotationId) => resumeRotation(ctx, { rotationId }, extras),
    get: (rotationId) => getRotation(ctx.db, rotationId),
    active: () => activeRotation(ctx.db),
    runningHere: isRotationRunningHere,
    canary: (rotationId) => listSteps(ctx.db, rotationId).filter((x) => x.step === 5).pop(),
  };
}

function depsFor(ctx: OperationContext, expectedPolicy: Record<string, unknown>, extras: SetupExtras): SetupDeps {
  return {
    ctx,
    expectedPolicy,
    rotation: keyRotation(ctx, extras.rotation ?? {}),
    triggerPush: (branch) => triggerPush(ctx, { ref: branch }, "manual"),
    options: {
      ...DEFAULT_SETUP_OPTIONS,
      ...(ctx.config.mode === "sandbox" ? { canaryPollMs: 400, firstPushPollMs: 500 } : {}),
      failpoint: process.env.DECKHAND_FAILPOINT,
      ...extras.options,
    },
  };
}

const track = (id: number, p: Promise<SetupRecord>) => inFlight.track(id, p);

/**
 * Start a setup for the repository the context acts from (`ctx.repository`, else `ctx.clients.repo`) and its push
 * user: the plan is computed again now (never trusted from the browser), refused when it has
 * blockers or when Deckhand's own credentials lack a permission it needs — before anything changes. One setup at a
 * time across every repository (SafeError "setup-busy" naming the other's repository).
 * The steps run in the background (`done` settles when the runner stops).
 */
export async function startGuidedSetup(
  ctx: OperationContext,
  input: { removeRegionSecret: boolean },
  extras: SetupExtras = {},
): Promise<{ setupId: number; plan: SetupPlan; done: Promise<SetupRecord> }> {
  let current = activeSetup(ctx.db);
  // A stopped setup of a repository Deckhand no longer serves can never be resumed: it would block every setup.
  if (current && current.state === "stopped" && current.names.repository && !selectRepository(servedRepositories(ctx.config, ctx.db), current.names.repository)) {
    setSetupState(ctx.db, current.id, { state: "failed", message: `Abandoned: Deckhand no longer serves ${current.names.repository}.` }, ctx.actor);
    current = null;
  }
  if (current) throw new SafeError(`Setup #${current.id}${current.names.repository ? ` of ${current.names.repository}` : ""} is ${current.state}; resume it or let it finish. One setup at a time.`, "setup-busy");
  const reads = setupReadContext(ctx);
  const expectedPolicy = await readExpectedDocument(reads);
  const { plan, permissions } = await planGuidedSetup(reads);
  if (plan.blockers.length) throw new SafeError(`Setup cannot start: ${plan.blockers.join(" ")}`, "setup-blocked");
  if (permissions.kind === "missing") {
    throw new SafeError(`Deckhand's own AWS credentials lack ${permissions.actions.join(", ")}, which this setup needs. Nothing was changed. ${permissions.why}`, "missing-permission");
  }
  if (permissions.kind === "unknown" && /could not read its own policies/.test(permissions.why)) {
    throw new SafeError("Deckhand could not read its own IAM policies (iam:ListUserPolicies / iam:GetUserPolicy on itself), so it cannot check that it may make this setup's calls. Nothing was changed.", "missing-permission");
  }
  let setupId: number;
  try {
    setupId = insertSetup(ctx.db, { requestedBy: ctx.actor.login, names: setupNames(reads), plan: plan.steps, removeRegionSecretConfirmed: input.removeRegionSecret, who: ctx.actor });
  } catch (err) {
    if (err instanceof SetupBusyError) throw new SafeError(`Setup #${err.activeId} is running or stopped; one setup at a time.`, "setup-busy");
    throw err;
  }
  return { setupId, plan, done: track(setupId, runSetup(depsFor(ctx, expectedPolicy, extras), setupId, ctx.actor)) };
}

/**
 * Resume a stopped setup, or one whose process died, acting from the repository it was started for (whichever page
 * asks; a setup recorded before setups were per repository is the default repository's). Throws SafeError
 * `unknown-repository` when Deckhand no longer serves that repository.
 */
export async function resumeGuidedSetup(caller: OperationContext, input: { setupId: number }, extras: SetupExtras = {}): Promise<{ setupId: number; done: Promise<SetupRecord> }> {
  const s = getSetup(caller.db, input.setupId);
  if (!s) throw new SafeError(`There is no setup #${input.setupId}.`, "not-found");
  // Recorded before setups were per repository: it was the default's when only one was served; with several, which
  // one it meant cannot be told any more (GITHUB_REPOSITORIES may have been reordered).
  if (!s.names.repository && servedRepositories(caller.config, caller.db).length > 1)
    throw new SafeError(`Setup #${s.id} was recorded without its repository, before several were served: start a new setup from the repository's own Setup page.`, "not-resumable");
  const ctx: OperationContext = actingFrom(caller, s.names.repository ?? caller.config.github.repository);
  // The push user the setup's steps were planned for (its policy, its key) must still be the repository's.
  if (ctx.repository && ctx.repository.pushUser !== s.names.userName)
    throw new SafeError(`Setup #${s.id} was planned for the push user ${s.names.userName}, but ${ctx.repository.repository}'s push user is now ${ctx.repository.pushUser}: start a new setup from its Setup page.`, "not-resumable");
  if (s.state !== "stopped" && s.state !== "running") throw new SafeError(`Setup #${s.id} is ${s.state}; there is nothing to resume.`, "not-resumable");
  if (inFlight.has(s.id)) throw new SafeError(`Setup #${s.id} is running now.`, "running");
  const expectedPolicy = await readExpectedDocument(setupReadContext(ctx));
  if (s.state === "stopped") setSetupState(ctx.db, s.id, { state: "running", message: null }, ctx.actor);
  const done = runSetup(depsFor(ctx, expectedPolicy, extras), s.id, ctx.actor).catch((err) => {
    if (/being run by another process/.test(String((err as Error).message))) throw new SafeError(`Setup #${s.id} is being run by another Deckhand process.`, "running");
    throw err;
  });
  return { setupId: s.id, done: track(s.id, done) };
}

/** On server start: continue a setup whose process died mid-way (it is still "running"). */
export async function resumeInterruptedSetup(ctx: OperationContext, extras: SetupExtras = {}): Promise<number | null> {
  const s = activeSetup(ctx.db);
  if (!s || s.state !== "running" || inFlight.has(s.id)) return null;
  try {
    await resumeGuidedSetup({ ...ctx, actor: { login: s.requestedBy, role: "system" } }, { setupId: s.id }, extras);
    return s.id;
  } catch (err) {
    console.error(`[deckhand] setup #${s.id} was left as it is: ${err instanceof SafeError ? err.message : "it could not be resumed"}`);
    return null;
  }
}
