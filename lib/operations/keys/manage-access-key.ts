// Key management by hand: deactivate, reactivate or delete one access key of the push user. The rules
// are a pure judgement (judgeKeyAction); the verbs gather what it needs, then make one IAM call.

import { SafeError } from "../../errors";
import { appCache, type TtlCache } from "../../infra/cache/ttl-cache";
import { listAccessKeys } from "../../integrations/aws/iam";
import { deleteAccessKey, updateAccessKey } from "../../integrations/aws/iam-keys";
import { describeFailure } from "../../overview/describe-failure";
import { invalidatePosture, loadActivity, loadKeys, loadRuns, loadSecrets, postureDepsFrom } from "../../read/load-posture";
import { correlateSection } from "../../read/views";
import { listRotations } from "../rotation/store";
import type { ServiceContext } from "../context";

export type KeyAction = "deactivate" | "reactivate" | "delete";

export type KeyActionVerdict = { ok: true } | { ok: false; code: string; message: string };

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

/** Does GitHub (possibly) hold this key? Deckhand's own last write wins; otherwise the posture's evidence; unsure counts as yes. */
async function githubMayHold(ctx: ServiceContext, accessKeyId: string, keyIds: string[], cache: TtlCache): Promise<boolean> {
  const deps = postureDepsFrom(ctx.config, ctx.clients, cache);
  const secrets = await loadSecrets(deps);
  if (secrets.ok && !secrets.data.some((s) => s.name === "AWS_ACCESS_KEY_ID")) return false;
  const written = listRotations(ctx.db, 10).find((r) => r.state === "completed" && r.userName === ctx.config.iamUser && r.newKeyId && keyIds.includes(r.newKeyId));
  if (written) return written.newKeyId === accessKeyId;
  const [keys, activity, runs] = await Promise.all([loadKeys(deps), loadActivity(deps), loadRuns(deps)]);
  const c = correlateSection({ secrets, keys, activity, runs, now: new Date() });
  const likely = c?.correlation.mostLikely;
  if (likely && likely.level === "high") return likely.accessKeyId === accessKeyId;
  return true;
}

export interface KeyActionInput {
  accessKeyId: string;
  confirmPushesStop?: boolean;
}

async function manage(ctx: ServiceContext, action: KeyAction, input: KeyActionInput, cache: TtlCache = appCache()): Promise<{ message: string; githubMayHold: boolean }> {
  const iam = ctx.clients.aws.iam;
  const userName = ctx.config.iamUser;
  let keys;
  try {
    keys = await listAccessKeys({ iam, userName });
  } catch (err) {
    throw new SafeError(describeFailure(err, "AWS", "IAM ListAccessKeys").message, "aws", { cause: err });
  }
  const key = keys.find((k) => k.accessKeyId === input.accessKeyId);
  const mayHold = action === "reactivate" || !key ? false : await githubMayHold(ctx, input.accessKeyId, keys.map((k) => k.accessKeyId), cache);
  const verdict = judgeKeyAction({ action, key, githubMayHold: mayHold, confirmPushesStop: input.confirmPushesStop === true });
  // The server action that calls this audits the outcome (success, refusal with this code, or failure).
  if (!verdict.ok) throw new SafeError(verdict.message, verdict.code);
  try {
    if (action === "delete") await deleteAccessKey({ iam, userName, accessKeyId: input.accessKeyId });
    else await updateAccessKey({ iam, userName, accessKeyId: input.accessKeyId, status: action === "deactivate" ? "Inactive" : "Active" });
  } catch (err) {
    throw new SafeError(describeFailure(err, "AWS", action === "delete" ? "IAM DeleteAccessKey" : "IAM UpdateAccessKey").message, "aws", { cause: err });
  } finally {
    invalidatePosture(cache, "iam:");
  }
  const done = action === "delete" ? "deleted" : action === "deactivate" ? "deactivated" : "reactivated";
  return { message: `${input.accessKeyId} ${done}.${mayHold ? " GitHub held it: pushes stop until a new key is written (rotate)." : ""}`, githubMayHold: mayHold };
}

export const deactivateAccessKey = (ctx: ServiceContext, input: KeyActionInput, cache?: TtlCache) => manage(ctx, "deactivate", input, cache);
export const reactivateAccessKey = (ctx: ServiceContext, input: KeyActionInput, cache?: TtlCache) => manage(ctx, "reactivate", input, cache);
export const deleteAccessKeyByHand = (ctx: ServiceContext, input: KeyActionInput, cache?: TtlCache) => manage(ctx, "delete", input, cache);
