// Retire the access key once the OIDC role is proven (issue 17), one confirmed, audited verb per step:
//   deactivate the key(s) — only when the proof says "ready-to-retire" (the role works, the key unused for the
//   grace period); delete the two secrets — only once no key is active; delete the key — only an inactive key,
//   only after the secrets are gone. Until the key is deleted it is reversible: reactivate it (and, if the
//   secrets were deleted, a rotation writes a new key into them). The server actions audit each outcome.

import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { deleteRepoSecret } from "../../integrations/github/write-variable";
import { ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET } from "../../integrations/github/write-secret";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { readRoleProof } from "../../read/oidc-proof";
import { invalidatePosture } from "../../read/posture";
import { deactivateAccessKey, deleteAccessKeyByHand, listPushUserKeys, reactivateAccessKey } from "../keys/manage-access-key";
import type { OperationContext } from "../context";

const proofOf = (ctx: OperationContext, now?: () => Date) => readRoleProof({ clients: ctx.clients, db: ctx.db, userName: ctx.config.iamUser, now });

/**
 * Deactivate every active key of the push user. Refused (SafeError "oidc-blocked") unless the role is proven and the
 * key went unused for the grace period. `now` is for tests (the grace period is days long).
 */
export async function deactivateRetiredKey(ctx: OperationContext, input: { now?: () => Date } = {}): Promise<{ message: string; keys: string[] }> {
  const view = await proofOf(ctx, input.now);
  if (!view || view.proof.verdict !== "ready-to-retire")
    throw new SafeError(`The key cannot be retired yet: ${view?.proof.message ?? "no move to the OIDC role has opened its pull request."}`, "oidc-blocked");
  const active = (await listPushUserKeys(ctx)).filter((k) => k.status === "Active");
  if (active.length === 0) throw new SafeError("No key of the push user is active.", "already-inactive");
  for (const k of active) await deactivateAccessKey(ctx, { accessKeyId: k.accessKeyId, confirmPushesStop: true });
  return { message: `Deactivated ${active.map((k) => k.accessKeyId).join(", ")}. Reactivate to undo; nothing is deleted yet.`, keys: active.map((k) => k.accessKeyId) };
}

/** Reactivate an inactive key of the push user (the undo of deactivateRetiredKey, while the key exists). */
export async function reactivateRetiredKey(ctx: OperationContext, input: { accessKeyId: string }): Promise<{ message: string }> {
  const r = await reactivateAccessKey(ctx, { accessKeyId: input.accessKeyId });
  const secrets = await listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo }).catch(() => null);
  const gone = secrets && !secrets.some((s) => s.name === ACCESS_KEY_ID_SECRET);
  return { message: `${r.message}${gone ? " The secrets were deleted: rotate the key to write a new one into them." : ""}` };
}

/** Delete AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the repository. Refused while any key is active. */
export async function deleteRetiredSecrets(ctx: OperationContext): Promise<{ message: string; deleted: string[] }> {
  const active = (await listPushUserKeys(ctx)).filter((k) => k.status === "Active");
  if (active.length) throw new SafeError(`${active.map((k) => k.accessKeyId).join(", ")} is still active: deactivate the key first.`, "active-key");
  const deleted: string[] = [];
  for (const name of [ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET]) {
    try {
      if ((await deleteRepoSecret({ github: ctx.clients.github, repo: ctx.clients.repo, name })).existed) deleted.push(name);
    } catch (err) {
      throw callFailed(err, "github", "delete repository secret");
    }
  }
  invalidatePosture(ctx.cache, "secrets");
  return { message: deleted.length ? `Deleted ${deleted.join(" and ")}. Reactivating the key and rotating it writes them again.` : "The secrets were already gone.", deleted };
}

/** Delete an inactive key for good (not reversible). Refused while the secrets still exist or the key is active. */
export async function deleteRetiredKey(ctx: OperationContext, input: { accessKeyId: string }): Promise<{ message: string }> {
  const secrets = await listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo }).catch((err) => {
    throw callFailed(err, "github", "list repository secrets");
  });
  if (secrets.some((s) => s.name === ACCESS_KEY_ID_SECRET || s.name === SECRET_ACCESS_KEY_SECRET)) throw new SafeError("Delete the two secrets first: the key is deleted last, once nothing can use it.", "conflict");
  return { message: (await deleteAccessKeyByHand(ctx, { accessKeyId: input.accessKeyId })).message + " This cannot be undone." };
}
