// The OIDC move's verbs: start (plan computed again now, never trusted from the browser) and resume. The plan
// applied is fixed in the store when the move starts, so a resume applies exactly what the operator confirmed.

import { SafeError } from "../../errors";
import { inFlightRegistry } from "../in-flight";
import { operationReadContext } from "../operation-read-context";
import { actingFrom } from "../push-user";
import { readOidcPlan } from "../../read/oidc";
import { GITHUB_OIDC_URL, STS_AUDIENCE } from "../../judgements/oidc/github-oidc";
import type { OperationContext } from "../context";
import { runOidcMove, type OidcMoveOptions } from "./runner";
import { activeOidcMove, getOidcMove, insertOidcMove, OidcMoveBusyError, runningOidcMoves, setOidcMoveState } from "./store";
import type { OidcMovePlan, OidcMoveRecord } from "./types";

const inFlight = inFlightRegistry<OidcMoveRecord>("oidc-move");

const optionsFor = (extras: OidcMoveOptions): OidcMoveOptions => ({ failpoint: process.env.DECKHAND_FAILPOINT, ...extras });

/**
 * Start the move's IAM steps for the repository the context acts from (`ctx.repository`, else `ctx.clients.repo`),
 * with its push user's expected policy and its own role (lib/read/oidc.ts oidcRoleName). Refuses (SafeError "oidc-blocked", nothing changed)
 * when the plan has no pinned trust policy, an existing role's trust is wider than or refuses what the workflow
 * presents, or a step's state could not be read. `done` settles when the runner stops.
 */
export async function startOidcMove(ctx: OperationContext, extras: OidcMoveOptions = {}): Promise<{ moveId: number; done: Promise<OidcMoveRecord> }> {
  const reads = operationReadContext(ctx);
  const repository = `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`;
  const current = activeOidcMove(ctx.db, repository);
  if (current) throw new SafeError(`The move #${current.id} is ${current.state}; resume it or let it finish.`, "oidc-busy");
  const { state, plan } = await readOidcPlan(reads);
  if (plan.prerequisite) throw new SafeError(`Cannot start: ${plan.prerequisite.missing} Nothing was changed.`, "oidc-blocked");
  if (!plan.trustPolicy || !plan.providerArn || !plan.roleArn || !plan.subjects)
    throw new SafeError(`Cannot start: ${plan.subjects?.problems[0] ?? state.errors[0] ?? "the workflow or the account could not be read"}. Nothing was changed.`, "oidc-blocked");
  const blocked = plan.steps.find((s) => s.status === "blocked" || s.status === "unknown");
  if (blocked) {
    const findings = blocked.id === "role" ? ` ${plan.trustFindings.map((f) => f.message).join(" ")}` : "";
    throw new SafeError(`Cannot start: ${blocked.title}: ${blocked.state}${findings} ${blocked.action} Nothing was changed.`, "oidc-blocked");
  }
  const movePlan: OidcMovePlan = {
    repository,
    providerUrl: GITHUB_OIDC_URL,
    providerArn: plan.providerArn,
    audience: STS_AUDIENCE,
    roleName: state.roleName,
    roleArn: plan.roleArn,
    trustPolicy: JSON.stringify(plan.trustPolicy),
    subjectPrefix: state.template?.prefix ?? `repo:${repository}`,
    subjects: plan.subjects.subjects.map((s) => ({ value: s.value, operator: s.operator, because: s.because })),
    policyName: state.policyName,
    permissionPolicy: JSON.stringify(state.permissionPolicy.document),
    workflowPath: state.workflow?.path ?? "",
    workflowBefore: state.workflow?.text ?? "",
    workflowAfter: plan.workflowChange?.ok ? plan.workflowChange.text : (state.workflow?.text ?? ""),
  };
  let moveId: number;
  try {
    moveId = insertOidcMove(ctx.db, { requestedBy: ctx.actor.login, plan: movePlan, who: ctx.actor });
  } catch (err) {
    if (err instanceof OidcMoveBusyError) throw new SafeError(`The move #${err.activeId} is running or stopped; one at a time.`, "oidc-busy");
    throw err;
  }
  return { moveId, done: inFlight.track(moveId, runOidcMove(ctx, moveId, ctx.actor, optionsFor(extras))) };
}

/** Resume a stopped move, or one whose process died. */
export async function resumeOidcMove(ctx: OperationContext, input: { moveId: number }, extras: OidcMoveOptions = {}): Promise<{ moveId: number; done: Promise<OidcMoveRecord> }> {
  const m = getOidcMove(ctx.db, input.moveId);
  if (!m) throw new SafeError(`There is no move #${input.moveId}.`, "not-found");
  // A move runs with the clients of its own repository (its pull request goes there): never another's.
  const acting = `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`;
  if (m.repository.toLowerCase() !== acting.toLowerCase()) throw new SafeError(`The move #${m.id} is ${m.repository}'s, not ${acting}'s: resume it from that repository's page.`, "invalid-input");
  if (m.state !== "stopped" && m.state !== "running") throw new SafeError(`The move #${m.id} is ${m.state}; there is nothing to resume.`, "not-resumable");
  if (inFlight.has(m.id)) throw new SafeError(`The move #${m.id} is running now.`, "running");
  if (m.state === "stopped") setOidcMoveState(ctx.db, m.id, { state: "running", message: null }, ctx.actor);
  const done = runOidcMove(ctx, m.id, ctx.actor, optionsFor(extras)).catch((err) => {
    if (/being run by another process/.test(String((err as Error).message))) throw new SafeError(`The move #${m.id} is being run by another Deckhand process.`, "running");
    throw err;
  });
  return { moveId: m.id, done: inFlight.track(m.id, done) };
}

/**
 * On server start: continue every move whose process died mid-way (still "running"), each with the clients of its
 * own repository. A move of a repository Deckhand no longer serves is left as it is and logged. Answers the ids resumed.
 */
export async function resumeInterruptedOidcMoves(ctx: OperationContext): Promise<number[]> {
  const resumed: number[] = [];
  for (const m of runningOidcMoves(ctx.db)) {
    if (inFlight.has(m.id)) continue;
    let scoped: OperationContext;
    try {
      scoped = { ...actingFrom(ctx, m.repository), actor: { login: m.requestedBy, role: "system" } };
    } catch {
      console.error(`[deckhand] the move #${m.id} to the OIDC role is left running: Deckhand no longer serves ${m.repository}.`);
      continue;
    }
    try {
      await resumeOidcMove(scoped, { moveId: m.id });
      resumed.push(m.id);
    } catch {
      // Another process runs it, or it settled meanwhile: nothing to resume here.
    }
  }
  return resumed;
}
