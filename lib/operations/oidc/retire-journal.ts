// The retire steps' journal, in the audit log: each step is recorded as started before its first AWS/GitHub call and
// as ended after its last, so a process killed in between (a deploy, a crash) leaves a start without an end. The next
// retire verb, or the server's next start, looks at IAM and GitHub and ends that record with what actually happened:
// the audit log never omits a key that was deactivated or deleted, nor claims a deletion that did not happen.

import { listAudit, recordAudit, type AuditOutcome } from "../../infra/audit/record-audit";
import { ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET } from "../../integrations/github/write-secret";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { callFailed } from "../../failures";
import { listPushUserKeys } from "../keys/manage-access-key";
import type { OperationContext } from "../context";

export const RETIRE_STEPS = ["deactivate", "delete-secrets", "delete-key"] as const;
export type RetireStep = (typeof RETIRE_STEPS)[number];

export const RETIRE_SECRETS = [ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET] as const;

const repositoryOf = (ctx: Pick<OperationContext, "clients">) => `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`;
const action = (step: RetireStep, phase: "start" | "end") => `oidc.retire-${step}.${phase}`;

/** Record that `step` starts for the context's repository (audit `oidc.retire-STEP.start`, detail = what it acts on). */
export function startRetireStep(ctx: OperationContext, step: RetireStep, detail: Record<string, unknown>): void {
  recordAudit(ctx.db, { actor: ctx.actor.login, role: ctx.actor.role, action: action(step, "start"), target: repositoryOf(ctx), outcome: "success", detail });
}

/** Record that `step` ended (audit `oidc.retire-STEP.end`): success with what it did, or failure with why. */
export function endRetireStep(ctx: OperationContext, step: RetireStep, outcome: AuditOutcome, detail: Record<string, unknown>): void {
  recordAudit(ctx.db, { actor: ctx.actor.login, role: ctx.actor.role, action: action(step, "end"), target: repositoryOf(ctx), outcome, detail });
}

/** The detail of `step`'s latest start when no end followed it (a process died in between), else null. */
export function danglingRetireStep(ctx: Pick<OperationContext, "db" | "clients">, step: RetireStep): Record<string, unknown> | null {
  const target = repositoryOf(ctx);
  const start = listAudit(ctx.db, { action: action(step, "start"), target, limit: 1 })[0];
  if (!start) return null;
  const end = listAudit(ctx.db, { action: action(step, "end"), target, limit: 1 })[0];
  return end && end.id > start.id ? null : (start.detail ?? {});
}

/**
 * End every retire step a dead process left started, from what IAM (ListAccessKeys) and GitHub (the repository's
 * secrets) say now: success with `recovered: true` when the step's effect is there (the key inactive or gone, both
 * secrets gone), failure with `interrupted: true` when it is not (the step is to be run again). Answers the steps
 * that had taken effect. Throws SafeError "aws"/"github" naming the call when IAM or GitHub cannot be read.
 */
export async function reconcileRetireSteps(ctx: OperationContext): Promise<RetireStep[]> {
  const done: RetireStep[] = [];
  const deactivate = danglingRetireStep(ctx, "deactivate");
  const deleteKey = danglingRetireStep(ctx, "delete-key");
  const secrets = danglingRetireStep(ctx, "delete-secrets");
  if (deactivate || deleteKey) {
    const keys = await listPushUserKeys(ctx);
    if (deactivate) {
      const ids = (deactivate.keys as string[] | undefined) ?? [];
      const stillActive = ids.filter((id) => keys.some((k) => k.accessKeyId === id && k.status === "Active"));
      if (stillActive.length) endRetireStep(ctx, "deactivate", "failure", { interrupted: true, stillActive });
      else {
        endRetireStep(ctx, "deactivate", "success", { recovered: true, keys: ids });
        done.push("deactivate");
      }
    }
    if (deleteKey) {
      const id = deleteKey.accessKeyId as string;
      if (keys.some((k) => k.accessKeyId === id)) endRetireStep(ctx, "delete-key", "failure", { interrupted: true, accessKeyId: id });
      else {
        endRetireStep(ctx, "delete-key", "success", { recovered: true, accessKeyId: id });
        done.push("delete-key");
      }
    }
  }
  if (secrets) {
    const held = await listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo }).catch((err) => {
      throw callFailed(err, "github", "list repository secrets");
    });
    const remaining = RETIRE_SECRETS.filter((name) => held.some((s) => s.name === name));
    if (remaining.length) endRetireStep(ctx, "delete-secrets", "failure", { interrupted: true, remaining });
    else {
      endRetireStep(ctx, "delete-secrets", "success", { recovered: true, gone: [...RETIRE_SECRETS] });
      done.push("delete-secrets");
    }
  }
  return done;
}
