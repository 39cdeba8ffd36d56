// Applies an OIDC move's steps in order: provider → role → role-policy → workflow-pr (the pull request). Each step is recorded as begun,
// then as ended, before the next one starts; every step is idempotent (CreateOpenIDConnectProvider and CreateRole
// tolerate EntityAlreadyExists, AddClientID and PutRolePolicy are idempotent by nature), so a resume re-runs the
// one in doubt and closes the record a dead runner left "running" as "interrupted". A role that already exists is
// re-judged against the planned subjects: a wider (or refusing) trust stops the move with the findings, and is
// never changed.

import { describeFailure } from "../../failures";
import { createRole, ensureOidcProvider, putRolePolicy } from "../../integrations/aws/iam-oidc-roles";
import { judgeTrustPolicy } from "../../judgements/oidc/trust-policy";
import { openWorkflowPullRequest, StaleReviewError } from "./workflow-pull-request";
import type { Actor, OperationContext } from "../context";
import { beginOidcStep, claimOidcMove, closeInterruptedOidcSteps, endOidcStep, getOidcMove, listOidcSteps, releaseOidcMove, setOidcMoveState } from "./store";
import { OIDC_STEP_TITLES, OIDC_STEPS, type OidcMoveRecord, type OidcStepId } from "./types";

export interface OidcMoveOptions {
  /**
   * DECKHAND_FAILPOINT, kill tests only: "oidc:after-STEP" SIGKILLs this process right after STEP is persisted,
   * "oidc:in-STEP" right after STEP is recorded as begun, "oidc:in-STEP-called" right after STEP's IAM call
   * returned, before it is recorded as ended.
   */
  failpoint?: string;
}

/** A step that cannot go on without the operator: the move stops (resumable) with this message. */
class OidcStop extends Error {}

function hitFailpoint(options: OidcMoveOptions, point: string): void {
  if (options.failpoint === point) process.kill(process.pid, "SIGKILL");
}

async function runStep(ctx: OperationContext, move: OidcMoveRecord, step: OidcStepId, options: OidcMoveOptions): Promise<{ detail: Record<string, unknown>; message?: string }> {
  const { iam } = ctx.clients.aws;
  const p = move.plan;
  if (step === "provider") {
    const r = await ensureOidcProvider({ iam, url: p.providerUrl, audience: p.audience, arn: p.providerArn });
    hitFailpoint(options, "oidc:in-provider-called");
    return { detail: { providerArn: r.arn, created: r.created, audienceAdded: r.audienceAdded }, message: r.created ? "Created." : r.audienceAdded ? `Reused; the audience ${p.audience} was added.` : "Reused as it was." };
  }
  if (step === "role") {
    const r = await createRole({ iam, roleName: p.roleName, trustPolicy: p.trustPolicy, description: `GitHub Actions OIDC push role for ${p.repository} (made by Deckhand)` });
    hitFailpoint(options, "oidc:in-role-called");
    if (!r.created) {
      let doc: unknown = null;
      try {
        doc = JSON.parse(r.role.trustPolicy);
      } catch {
        doc = null;
      }
      const findings = judgeTrustPolicy(doc, p.providerArn, p.subjectPrefix, p.subjects);
      if (findings.length > 0)
        throw new OidcStop(`The role ${p.roleName} already exists and Deckhand does not change its trust: ${findings.map((f) => f.message).join(" ")} Update its trust policy to the proposed one (or delete the role), then resume.`);
    }
    return { detail: { roleArn: r.role.arn, created: r.created }, message: r.created ? "Created with the pinned trust policy." : "Reused: its trust admits exactly what the workflow presents." };
  }
  if (step === "role-policy") {
    await putRolePolicy({ iam, roleName: p.roleName, policyName: p.policyName, document: p.permissionPolicy });
    hitFailpoint(options, "oidc:in-role-policy-called");
    return { detail: { policyName: p.policyName }, message: "The expected push policy is the role's inline policy." };
  }
  let opened;
  try {
    opened = await openWorkflowPullRequest({ clients: ctx.clients, plan: p });
  } catch (err) {
    if (err instanceof StaleReviewError) throw new OidcStop(err.message);
    throw err;
  }
  hitFailpoint(options, "oidc:in-workflow-pr-called");
  if (!opened) return { detail: { skipped: true }, message: "The workflow already assumes the role; nothing to change." };
  const pr = opened.pullRequest;
  return { detail: { pullRequest: pr.number, url: pr.url, branch: pr.headRef, created: opened.created }, message: `Pull request #${pr.number} ${opened.created ? "opened" : "already open"} from ${pr.headRef} into ${pr.baseRef}. Merge it to move the workflow to the role.` };
}

/** Run (or resume) a move until it completes or stops. One runner per move (the owner in the store). */
export async function runOidcMove(ctx: OperationContext, moveId: number, who: Actor, options: OidcMoveOptions = {}): Promise<OidcMoveRecord> {
  const { db } = ctx;
  if (!claimOidcMove(db, moveId)) throw new Error(`OIDC move ${moveId} is being run by another process`);
  try {
    closeInterruptedOidcSteps(db, moveId, who);
    const move = getOidcMove(db, moveId)!;
    if (move.state !== "running") return move;
    for (const step of OIDC_STEPS) {
      const records = listOidcSteps(db, moveId).filter((r) => r.step === step);
      const latest = records[records.length - 1];
      if (latest && (latest.outcome === "succeeded" || latest.outcome === "skipped")) continue;
      const stepId = beginOidcStep(db, moveId, step, who);
      hitFailpoint(options, `oidc:in-${step}`);
      try {
        const end = await runStep(ctx, move, step, options);
        endOidcStep(db, stepId, { outcome: "succeeded", detail: end.detail, message: end.message }, who);
      } catch (err) {
        const message = err instanceof OidcStop ? err.message : `${OIDC_STEP_TITLES[step]} stopped: ${describeFailure(err, step === "workflow-pr" ? "github" : "iam", step).message}. Resume when it is fixed.`;
        endOidcStep(db, stepId, { outcome: "failed", message }, who);
        setOidcMoveState(db, moveId, { state: "stopped", message }, who);
        return getOidcMove(db, moveId)!;
      }
      hitFailpoint(options, `oidc:after-${step}`);
    }
    setOidcMoveState(db, moveId, { state: "completed", message: "The provider, the role and its push policy are in place, and the pull request moving the workflow to the role is open. Merge it; the key keeps working until it is retired." }, who);
    return getOidcMove(db, moveId)!;
  } finally {
    releaseOidcMove(db, moveId);
  }
}
