// Key management by hand: deactivate, reactivate or delete one access key of a push user — the push user of the
// repository the operation acts from (lib/operations/push-user.ts), so each repository's Credentials page manages its
// own user's keys. The rules are a pure judgement (judgeKeyAction); the verbs gather what it needs, then make one
// IAM call.

import { SafeError, type SafeErrorCode } from "../../errors";
import { listAccessKeys, type AccessKeyMetadata } from "../../integrations/aws/iam";
import { deleteAccessKey, updateAccessKey } from "../../integrations/aws/iam-keys";
import { callFailed } from "../../failures";
import { operationReadContext } from "../operation-read-context";
import { invalidatePosture, readEffectiveSecrets } from "../../read/posture";
import { readHeldKey } from "../../read/credentials";
import { listRotations } from "../rotation/store";
import type { OperationContext } from "../context";
import { pushUserScope } from "../push-user";

export type KeyAction = "deactivate" | "reactivate" | "delete";

export type KeyActionVerdict = { ok: true } | { ok: false; code: SafeErrorCode; message: string };

/**
 * May this action go ahead? `githubMayHold`: GitHub's AWS_ACCESS_KEY_ID may name this key (Deckhand
 * wrote it, or the evidence points at it, or nothing rules it out): then pushes stop, and the operator
 * must say so explicitly. An active key is never deleted (deactivate first: reversible, and shows who
 * still used it).
 */
export function judgeKeyAction(input: { action: KeyAction; key: { accessKeyId: string; status: string } | undefined; githubMayHold: boolean; confirmPushesStop: boolean }): KeyActionVerdict {
  const { action, key } = input;
  if (!key) return { ok: false, code: "not-found", message: "That key is not a key of the push user." };
  if (action === "reactivate") return key.status === "Active" ? { ok: false, code: "already-active", message: `${key.accessKeyId} is already active.` } : { ok: true };
  if (action === "deactivate" && key.status !== "Active") return { ok: false, code: "already-inactive", message: `${key.accessKeyId} is already inactive.` };
  if (action === "delete" && key.status === "Active") return { ok: false, code: "active-key", message: `${key.accessKeyId} is active: deactivate it first, then delete it.` };
  if (input.githubMayHold && !input.confirmPushesStop) {
    return {
      ok: false,
      code: "github-holds-key",
      message: `GitHub's secrets hold ${key.accessKeyId} (or may): ${action === "delete" ? "deleting" : "deactivating"} it stops every push until a new key is written. Confirm that pushes will stop to go ahead.`,
    };
  }
  return { ok: true };
}

/**
 * Does GitHub (possibly) hold this key of `userName`, in the repository the context acts from? Deckhand's own last
 * write wins; otherwise the posture's evidence; unsure counts as yes.
 */
async function githubMayHold(ctx: OperationContext, userName: string, accessKeyId: string, keyIds: string[]): Promise<boolean> {
  // The repository's reads, about its push user's keys.
  const reads = { ...operationReadContext(ctx), userName };
  // Any scope a run reads it from counts (an organization or environment secret holds it as much as the repository's).
  const secrets = await readEffectiveSecrets(reads);
  if (secrets.ok && !secrets.data.some((s) => s.name === "AWS_ACCESS_KEY_ID")) return false;
  const written = listRotations(ctx.db, 10).find((r) => r.state === "completed" && r.userName === userName && r.newKeyId && keyIds.includes(r.newKeyId));
  if (written) return written.newKeyId === accessKeyId;
  const held = await readHeldKey(reads);
  const likely = held.ok ? held.data.correlation.mostLikely : null;
  if (likely && likely.level === "high") return likely.accessKeyId === accessKeyId;
  return true;
}

export interface KeyActionInput {
  accessKeyId: string;
  confirmPushesStop?: boolean;
  /**
   * The push user whose key it is; must be the push user of the repository the context acts from (SafeError
   * `invalid-input` otherwise). Absent: that repository's push user.
   */
  userName?: string;
}

/**
 * The keys of `userName` (absent: the push user of the repository the context acts from), read fresh (IAM
 * ListAccessKeys); a SafeError "aws" naming the call when IAM fails.
 */
export async function listPushUserKeys(ctx: Pick<OperationContext, "clients" | "config" | "db" | "repository">, userName?: string): Promise<AccessKeyMetadata[]> {
  const user = userName ?? pushUserScope(ctx).userName;
  try {
    return await listAccessKeys({ iam: ctx.clients.aws.iam, userName: user });
  } catch (err) {
    throw callFailed(err, "iam", "ListAccessKeys");
  }
}

async function manage(ctx: OperationContext, action: KeyAction, input: KeyActionInput): Promise<{ message: string; githubMayHold: boolean }> {
  const iam = ctx.clients.aws.iam;
  const { userName } = pushUserScope(ctx, input.userName);
  const keys = await listPushUserKeys(ctx, userName);
  const key = keys.find((k) => k.accessKeyId === input.accessKeyId);
  const mayHold = action === "reactivate" || !key ? false : await githubMayHold(ctx, userName, input.accessKeyId, keys.map((k) => k.accessKeyId));
  const verdict = judgeKeyAction({ action, key, githubMayHold: mayHold, confirmPushesStop: input.confirmPushesStop === true });
  // The server action that calls this audits the outcome (success, refusal with this code, or failure).
  if (!verdict.ok) throw new SafeError(verdict.message, verdict.code);
  try {
    if (action === "delete") await deleteAccessKey({ iam, userName, accessKeyId: input.accessKeyId });
    else await updateAccessKey({ iam, userName, accessKeyId: input.accessKeyId, status: action === "deactivate" ? "Inactive" : "Active" });
  } catch (err) {
    throw callFailed(err, "iam", action === "delete" ? "DeleteAccessKey" : "UpdateAccessKey");
  } finally {
    // The keys changed, and with them the CloudTrail part (it is read per key).
    invalidatePosture(ctx.cache, "keys", "activity");
  }
  const done = action === "delete" ? "deleted" : action === "deactivate" ? "deactivated" : "reactivated";
  return { message: `${input.accessKeyId} of ${userName} ${done}.${mayHold ? " GitHub held it: pushes stop until a new key is written (rotate)." : ""}`, githubMayHold: mayHold };
}

export const deactivateAccessKey = (ctx: OperationContext, input: KeyActionInput) => manage(ctx, "deactivate", input);
export const reactivateAccessKey = (ctx: OperationContext, input: KeyActionInput) => manage(ctx, "reactivate", input);
export const deleteAccessKeyByHand = (ctx: OperationContext, input: KeyActionInput) => manage(ctx, "delete", input);
