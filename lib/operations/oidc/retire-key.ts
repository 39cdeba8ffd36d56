// Retire the access key once the OIDC role is proven (issue 17), one confirmed, audited verb per step:
//   deactivate the key(s) — only when the proof says "ready-to-retire" (the role works, the key unused for the
//   grace period); delete the two secrets — only once no key is active; delete the key — only an inactive key,
//   only after the secrets are gone. Until the key is deleted it is reversible: reactivate it (and, if the
//   secrets were deleted, a rotation writes a new key into them). The server actions audit each request's outcome;
//   each step is also journaled as started and ended around its calls (retire-journal.ts), so a step a dead process
//   left half-done is found, told truthfully in the audit log, and finished by running the verb again.

import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { deleteRepoSecret } from "../../integrations/github/write-variable";
import { ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET } from "../../integrations/github/write-secret";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { readOtherKeyUsers, readRoleProof } from "../../read/oidc-proof";
import { invalidatePosture, readScopes } from "../../read/posture";
import { listEnvironmentNames, listEnvironmentSecrets } from "../../integrations/github/scoped-secrets";
import { discoveriesOf, servedRepositories } from "../../infra/config/served-repositories";
import { describeOtherKeyUsers } from "../../judgements/oidc/retire-offers";
import { operationReadContext } from "../operation-read-context";
import { pushUserScope } from "../push-user";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { describeCopy } from "../../judgements/posture/secret-scopes";
import { deactivateAccessKey, deleteAccessKeyByHand, listPushUserKeys, reactivateAccessKey } from "../keys/manage-access-key";
import type { OperationContext } from "../context";
import { endRetireStep, reconcileRetireSteps, RETIRE_SECRETS, startRetireStep } from "./retire-journal";

export interface RetireOptions {
  /** Tests only: the clock the proof is judged at (the grace period is days long). */
  now?: () => Date;
  /**
   * DECKHAND_FAILPOINT, kill tests only: "oidc:retire-deactivate-called" / "oidc:retire-delete-key-called" SIGKILL
   * this process right after IAM's UpdateAccessKey / DeleteAccessKey returned, before the step is journaled as ended;
   * "oidc:retire-between-secrets" after the first secret is deleted, before the second;
   * "oidc:retire-secrets-called" after both, before the end.
   */
  failpoint?: string;
}

function hitFailpoint(options: RetireOptions, point: string): void {
  if ((options.failpoint ?? process.env.DECKHAND_FAILPOINT) === point) process.kill(process.pid, "SIGKILL");
}

// The proof of the repository the context acts from, about its own push user's key.
const proofOf = (ctx: OperationContext, now?: () => Date) => readRoleProof({ clients: ctx.clients, db: ctx.db, userName: pushUserScope(ctx).userName, now });

/** Run `step`'s calls between its journal's start and end; a failure ends it as failed (with the whitelisted cause). */
async function journaled<T extends Record<string, unknown>>(ctx: OperationContext, step: Parameters<typeof startRetireStep>[1], detail: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  startRetireStep(ctx, step, detail);
  let result: T;
  try {
    result = await run();
  } catch (err) {
    endRetireStep(ctx, step, "failure", { ...detail, error: err instanceof SafeError ? err.message : "the call failed" });
    throw err;
  }
  endRetireStep(ctx, step, "success", { ...detail, ...result });
  return result;
}

/**
 * Deactivate every active key of the push user. Refused (SafeError "oidc-blocked") unless the role is proven and the
 * key went unused for the grace period, and while another served repository of the same push user still needs the
 * key or cannot be told (readOtherKeyUsers, read fresh: an idle repository would break on its next run). When an earlier attempt's process died after IAM took the call, answers that
 * (and journals it) instead of refusing.
 */
export async function deactivateRetiredKey(ctx: OperationContext, input: RetireOptions = {}): Promise<{ message: string; keys: string[] }> {
  const recovered = await reconcileRetireSteps(ctx);
  const view = await proofOf(ctx, input.now);
  if (!view || view.proof.verdict !== "ready-to-retire")
    throw new SafeError(`The key cannot be retired yet: ${view?.proof.message ?? "no move to the OIDC role has opened its pull request."}`, "oidc-blocked");
  const active = (await listPushUserKeys(ctx)).filter((k) => k.status === "Active");
  if (active.length) {
    const others = await readOtherKeyUsers(operationReadContext(ctx, new TtlCache()), servedRepositories(ctx.config, ctx.db), discoveriesOf(ctx.config, ctx.db));
    const shared = describeOtherKeyUsers([...others.users, ...others.unknown]);
    if (shared) throw new SafeError(`The key cannot be retired yet. ${shared}`, "oidc-blocked");
  }
  if (active.length === 0) {
    const inactive = view.keys.map((k) => k.accessKeyId);
    if (recovered.includes("deactivate")) return { message: `${inactive.join(", ")} was already deactivated by an interrupted attempt. Reactivate to undo; nothing is deleted yet.`, keys: inactive };
    throw new SafeError("No key of the push user is active.", "already-inactive");
  }
  const keys = active.map((k) => k.accessKeyId);
  await journaled(ctx, "deactivate", { keys }, async () => {
    for (const id of keys) await deactivateAccessKey(ctx, { accessKeyId: id, confirmPushesStop: true });
    hitFailpoint(input, "oidc:retire-deactivate-called");
    return {};
  });
  return { message: `Deactivated ${keys.join(", ")}. Reactivate to undo; nothing is deleted yet.`, keys };
}

/** Reactivate an inactive key of the push user (the undo of deactivateRetiredKey, while the key exists). */
export async function reactivateRetiredKey(ctx: OperationContext, input: { accessKeyId: string }): Promise<{ message: string }> {
  const r = await reactivateAccessKey(ctx, { accessKeyId: input.accessKeyId });
  const secrets = await listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo }).catch(() => null);
  const gone = secrets && !secrets.some((s) => s.name === ACCESS_KEY_ID_SECRET);
  return { message: `${r.message}${gone ? " The secrets were deleted: rotate the key to write a new one into them." : ""}` };
}

/**
 * Delete AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the repository. Refused while any key is active. Idempotent:
 * a secret already gone counts as deleted, so running it again finishes a deletion a dead process left half-done.
 */
export async function deleteRetiredSecrets(ctx: OperationContext, input: RetireOptions = {}): Promise<{ message: string; deleted: string[] }> {
  await reconcileRetireSteps(ctx);
  const active = (await listPushUserKeys(ctx)).filter((k) => k.status === "Active");
  if (active.length) throw new SafeError(`${active.map((k) => k.accessKeyId).join(", ")} is still active: deactivate the key first.`, "active-key");
  const { deleted } = await journaled(ctx, "delete-secrets", { secrets: [...RETIRE_SECRETS] }, async () => {
    const deleted: string[] = [];
    for (const name of RETIRE_SECRETS) {
      try {
        if ((await deleteRepoSecret({ github: ctx.clients.github, repo: ctx.clients.repo, name })).existed) deleted.push(name);
      } catch (err) {
        throw callFailed(err, "github", "delete repository secret");
      } finally {
        invalidatePosture(ctx.cache, "secrets");
      }
      if (name === RETIRE_SECRETS[0]) hitFailpoint(input, "oidc:retire-between-secrets");
    }
    hitFailpoint(input, "oidc:retire-secrets-called");
    return { deleted };
  });
  return { message: deleted.length ? `Deleted ${deleted.join(" and ")}. Reactivating the key and rotating it writes them again.` : "The secrets were already gone.", deleted };
}

/**
 * Copies of the two secrets at the organization or an environment scope of the repository (the retire deletes only
 * the repository's own): a sentence naming them, or null when there are none. Every environment of the repository is
 * looked at, not only those the ECR workflow names today (another workflow, or a later one, may deploy from it).
 * Fails closed: a scope that cannot be read is named as unknown. Reads fresh (GitHub's organization-secrets list, the
 * repository's environments and each one's secrets).
 */
async function keyCopiesElsewhere(ctx: OperationContext): Promise<string | null> {
  const scopes = await readScopes(operationReadContext(ctx, new TtlCache()));
  if (!scopes.ok) return `Cannot tell whether the organization or an environment still holds the key (${scopes.failure.message}): the key is deleted only once no copy can hold it.`;
  const names: readonly string[] = RETIRE_SECRETS;
  const copies = scopes.data.secrets
    .filter((r) => names.includes(r.name))
    .flatMap((r) => [r.source, ...r.shadowed].filter((c) => c.scope !== "repository").map((c) => `${r.name} (${describeCopy(c, "secret")})`));
  const { github, repo } = ctx.clients;
  let environments: string[];
  try {
    environments = await listEnvironmentNames({ github, repo });
  } catch (err) {
    return `Cannot tell whether an environment of the repository still holds the key (${callFailed(err, "github", "list environments").message}): the key is deleted only once no copy can hold it.`;
  }
  for (const environment of environments) {
    let held;
    try {
      held = await listEnvironmentSecrets({ github, repo, environment });
    } catch (err) {
      return `Cannot tell whether the environment ${environment} still holds the key (${callFailed(err, "github", "list environment secrets").message}): the key is deleted only once no copy can hold it.`;
    }
    for (const s of held) {
      const copy = `${s.name} (${describeCopy({ scope: "environment", environment, createdAt: s.createdAt, updatedAt: s.updatedAt }, "secret")})`;
      if (names.includes(s.name) && !copies.includes(copy)) copies.push(copy);
    }
  }
  if (copies.length) return `Still held elsewhere: ${copies.join(", ")}. Delete those copies where they live (other repositories may read an organization secret) before the key: a secret must never hold a deleted key.`;
  const unreadable = scopes.data.unreadable.filter((u) => u.kind === "secret");
  if (unreadable.length) return `Cannot tell whether these scopes hold the key: ${unreadable.map((u) => `${u.scope} (${u.reason})`).join("; ")}. The key is deleted only once no copy can hold it.`;
  return null;
}

/**
 * Delete an inactive key for good (not reversible). Refused while either secret still exists, in the repository or
 * as a copy at the organization or an environment scope, or in another served repository of the same push user (a
 * secret must never hold a deleted key; a failed read refuses too), or the key is active. When an earlier attempt's process died after IAM deleted it, answers that.
 */
export async function deleteRetiredKey(ctx: OperationContext, input: RetireOptions & { accessKeyId: string }): Promise<{ message: string }> {
  const recovered = await reconcileRetireSteps(ctx);
  const secrets = await listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo }).catch((err) => {
    throw callFailed(err, "github", "list repository secrets");
  });
  if (secrets.some((s) => s.name === ACCESS_KEY_ID_SECRET || s.name === SECRET_ACCESS_KEY_SECRET)) throw new SafeError("Delete the two secrets first: the key is deleted last, once nothing can use it.", "conflict");
  const elsewhere = await keyCopiesElsewhere(ctx);
  if (elsewhere) throw new SafeError(elsewhere, "conflict");
  // Another served repository of the push user whose secrets still hold the key (even one moved to its own role).
  const others = await readOtherKeyUsers(operationReadContext(ctx, new TtlCache()), servedRepositories(ctx.config, ctx.db), discoveriesOf(ctx.config, ctx.db));
  const still = [...new Set([...others.holders, ...others.users, ...others.unknown])];
  if (still.length) throw new SafeError(`Other repositories of the push user still hold or need the key: ${still.join("; ")}. Delete their AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or finish their move) first: a secret must never hold a deleted key.`, "conflict");
  if (!(await listPushUserKeys(ctx)).some((k) => k.accessKeyId === input.accessKeyId)) {
    if (recovered.includes("delete-key")) return { message: `${input.accessKeyId} was already deleted by an interrupted attempt. This cannot be undone.` };
    throw new SafeError(`${input.accessKeyId} is not a key of the push user (any more).`, "not-found");
  }
  const { message } = await journaled(ctx, "delete-key", { accessKeyId: input.accessKeyId }, async () => {
    const r = await deleteAccessKeyByHand(ctx, { accessKeyId: input.accessKeyId });
    hitFailpoint(input, "oidc:retire-delete-key-called");
    return { message: r.message };
  });
  return { message: `${message} This cannot be undone.` };
}
