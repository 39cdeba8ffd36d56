// Adopt the push user CloudTrail found for a repository (issue 16: "each repository's user found from the key it
// holds"): the Fleet row of a repository whose last successful ECR workflow run was signed by another IAM user than
// its push user offers "Use <user> as owner/name's push user". One operator click, checked here on the server against
// the configuration, IAM and CloudTrail read afresh (never what the browser says), kept in the store
// (lib/infra/config/push-user-adoptions.ts) and audited; from then on servedRepositories() serves the repository with
// that user, so its rotation, key actions, policy, Credentials page and checks act on it. "Stop using" undoes it.

import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { formatUtc } from "../../format";
import { recordAudit } from "../../infra/audit/record-audit";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { servedRepositories, type ServedRepository } from "../../infra/config/served-repositories";
import { readAdoption, recordAdoption, removeAdoption, type PushUserAdoption } from "../../infra/config/push-user-adoptions";
import { IAM_USER_NAME } from "../../judgements/fleet/push-user-precedence";
import { selectRepository } from "../../infra/config/env";
import { clientsForRepository } from "../../integrations/clients";
import { getUser } from "../../integrations/aws/iam";
import { forRepository, readContextFrom } from "../../read/context";
import { readLastEcrRun, signsItsOwnCalls } from "../../read/fleet";
import { invalidatePosture } from "../../read/posture";
import { readRunSigner } from "../../read/run-signer";
import { activeRotation } from "../rotation/store";
import { latestOidcMove } from "../oidc/store";
import type { OperationContext } from "../context";

export interface PushUserChoice {
  /** owner/name of a served repository (case-insensitive). */
  repository: string;
  /** The IAM user to adopt (or, to stop using it, the one adopted now). */
  userName: string;
}

export interface Adopted {
  /** owner/name as served. */
  repository: string;
  userName: string;
  /** The push user it had before (the default, or the user adopted before). */
  previous: string;
  /** The run whose signer was the evidence. */
  runId: number;
}

type Ctx = OperationContext & { now?: () => Date };

function servedOne(ctx: Ctx, name: string): ServedRepository {
  const r = selectRepository(servedRepositories(ctx.config, ctx.db), name) as ServedRepository | null;
  if (!name || !r) throw new SafeError(`Deckhand does not serve the repository “${name}”: a push user is adopted only for a repository it serves.`, "unknown-repository");
  return r;
}

function checkUserName(userName: string): void {
  if (!IAM_USER_NAME.test(userName)) throw new SafeError("That is not an IAM user name (1 to 64 letters, digits and +=,.@_-).", "invalid-input");
}

/** A rotation of either user running or stopped acts on the holders it planned at its start: none may change under it. */
function checkNoRotation(ctx: Ctx, users: string[]): void {
  for (const u of users) {
    const r = activeRotation(ctx.db, u);
    if (r) throw new SafeError(`Rotation #${r.id} of ${u} is ${r.state}: finish or resume it first, then change which push user a repository has.`, "rotation-busy");
  }
}

/**
 * A repository with an OIDC move (running, stopped, or completed: its proof and retire steps act on the push user's
 * key, lib/operations/oidc/retire-key.ts) keeps its push user: changed under the move, "deactivate the key" would act
 * on another user's key. A failed move planned nothing that acts later.
 */
function checkNoOidcMove(ctx: Ctx, repository: string, pushUser: string): void {
  const move = latestOidcMove(ctx.db, repository);
  if (move && move.state !== "failed") {
    throw new SafeError(
      `${repository} has an OIDC move (#${move.id}, ${move.state}) whose proof and retire steps act on ${pushUser}'s key: its push user does not change under it. Nothing changed.`,
      "oidc-busy",
    );
  }
}

/**
 * Serve `repository` with push user `userName` from now on, when CloudTrail says that user signed its last
 * successful ECR workflow run. Checks, in this order, each refusal a SafeError that changes nothing:
 * - the repository is served (servedRepositories: named or discovered), else `unknown-repository`;
 * - its push user is not named in GITHUB_REPOSITORIES (`owner/name:user`, `owner/*:user`), else `push-user-named`
 *   (the configuration wins: change it there);
 * - `userName` is an IAM user name and not its push user already (`invalid-input`, `conflict`);
 * - no rotation of its push user or of `userName` is running or stopped (`rotation-busy`);
 * - it has no OIDC move but a failed one (`oidc-busy`, checkNoOidcMove);
 * - IAM GetUser finds `userName` (`not-found`; a failed call `aws` naming it);
 * - read afresh (no cache) as the Fleet row reads it: the ECR workflow's last run (GitHub) succeeded, and CloudTrail
 *   LookupEvents (readRunSigner: once delivered, 15 minutes after the run; paced at 1 request/s) names exactly
 *   `userName` as its signer, else `signer-mismatch` saying what CloudTrail said (a failed call: `aws`/`github`).
 * Then records the adoption (repository, user, actor, time, the run's id) with an audit entry `push-user.adopt` in one
 * transaction, replacing one made before, and drops the posture caches (every read keyed by the push user).
 * `ctx.now` is the clock (the tests' "15 minutes later").
 */
export async function adoptPushUser(ctx: Ctx, input: PushUserChoice): Promise<Adopted> {
  const r = servedOne(ctx, input.repository);
  if (r.pushUserNamed) {
    const entry = r.discovered ? `${r.discovered.rule}:${r.pushUser}` : `${r.repository}:${r.pushUser}`;
    throw new SafeError(
      `GITHUB_REPOSITORIES names ${r.repository}'s push user (${entry}): the configuration wins. To serve it with ${input.userName}, change that entry to ${r.repository}:${input.userName} and restart Deckhand.`,
      "push-user-named",
    );
  }
  checkUserName(input.userName);
  if (input.userName === r.pushUser) throw new SafeError(`${input.userName} is ${r.repository}'s push user already: nothing to change.`, "conflict");
  checkNoRotation(ctx, [r.pushUser, input.userName]);
  checkNoOidcMove(ctx, r.repository, r.pushUser);
  const clients = clientsForRepository(ctx.clients, r);
  let exists;
  try {
    exists = await getUser({ iam: clients.aws.iam, userName: input.userName });
  } catch (err) {
    throw callFailed(err, "iam", "GetUser");
  }
  if (!exists) throw new SafeError(`IAM has no user ${input.userName} in this account: nothing changed.`, "not-found");

  // The same reads as the Fleet row, with a cache of their own: nothing remembered from an earlier view counts.
  const reads = { ...forRepository(readContextFrom(ctx.config, clients, new TtlCache(), ctx.db), r), now: ctx.now };
  const last = await readLastEcrRun(reads);
  if (!last.ok) throw new SafeError(last.failure.message, last.failure.service === "github" ? "github" : "aws");
  const run = last.data;
  if (!run || !signsItsOwnCalls(run)) {
    throw new SafeError(`${r.repository}'s last ${ctx.config.workflowName} run ${run ? `(#${run.id}) did not succeed` : "does not exist"}: CloudTrail names who signed a successful run only. Nothing changed.`, "signer-mismatch");
  }
  const signer = await readRunSigner(reads, run);
  if (!signer.ok) throw new SafeError(signer.failure.message, "aws");
  const s = signer.data;
  if (s?.state !== "signed" || s.userName !== input.userName) {
    const said =
      s === null
        ? "CloudTrail shows no ECR or STS call signed in its minutes"
        : s.state === "not-yet"
          ? `CloudTrail may still be delivering its events: ask again from ${formatUtc(s.readyAt)}`
          : s.state === "several"
            ? `several IAM users signed ECR or STS calls in its minutes (${s.candidates.join(", ")})`
            : s.state === "too-many-events"
              ? `there were more ${s.eventSource} events in its minutes than Deckhand reads (${s.read})`
              : `CloudTrail says ${s.userName} signed it`;
    throw new SafeError(`CloudTrail does not name ${input.userName} as the signer of ${r.repository}'s last successful run (#${run.id}): ${said}. Nothing changed.`, "signer-mismatch");
  }

  const at = (ctx.now?.() ?? new Date()).toISOString();
  const adoption: PushUserAdoption = { repository: r.repository, pushUser: input.userName, adoptedBy: ctx.actor.login, adoptedAt: at, runId: run.id };
  ctx.db.transaction(() => {
    // Again inside the write: a rotation or an OIDC move started during the reads above must not be changed under.
    checkNoRotation(ctx, [r.pushUser, input.userName]);
    checkNoOidcMove(ctx, r.repository, r.pushUser);
    const before = recordAdoption(ctx.db, adoption);
    recordAudit(ctx.db, {
      actor: ctx.actor.login,
      role: ctx.actor.role,
      action: "push-user.adopt",
      target: r.repository,
      outcome: "success",
      detail: { repository: r.repository, userName: input.userName, previous: r.pushUser, replacedAdoption: before?.pushUser ?? null, runId: run.id, signedCalls: s.calls },
    });
  }).immediate();
  invalidatePosture(ctx.cache);
  return { repository: r.repository, userName: input.userName, previous: r.pushUser, runId: run.id };
}

/**
 * Stop using the push user adopted for `repository`: it is served with its default push user again (DECKHAND_IAM_USER,
 * or its unnamed wildcard's). `userName` must be the adopted user (a stale page is refused, `conflict`); no adoption:
 * `not-found`; a rotation of either user running or stopped: `rotation-busy`; an OIDC move of the repository (checkNoOidcMove):
 * `oidc-busy`. An adoption the configuration
 * overrides now (the repository's push user named since, or the repository no longer served) may be removed too.
 * Removes it with an audit entry `push-user.stop-adopted` in one transaction and drops the posture caches. Returns
 * the user it goes back to (null when the repository is not served any more).
 */
export function stopUsingAdoptedPushUser(ctx: Ctx, input: PushUserChoice): { repository: string; userName: string; back: string | null } {
  checkUserName(input.userName);
  const stored = input.repository ? readAdoption(ctx.db, input.repository) : null;
  if (!stored) throw new SafeError(`No push user was adopted for ${input.repository || "that repository"}: nothing to stop.`, "not-found");
  if (stored.pushUser !== input.userName) {
    throw new SafeError(`${stored.repository}'s adopted push user is ${stored.pushUser}, not ${input.userName}: reload the page. Nothing changed.`, "conflict");
  }
  const served = selectRepository(servedRepositories(ctx.config, ctx.db), stored.repository) as ServedRepository | null;
  const back = served ? (served.adopted?.instead ?? served.pushUser) : null;
  checkNoRotation(ctx, back && back !== stored.pushUser ? [stored.pushUser, back] : [stored.pushUser]);
  checkNoOidcMove(ctx, stored.repository, stored.pushUser);
  ctx.db.transaction(() => {
    removeAdoption(ctx.db, stored.repository);
    recordAudit(ctx.db, {
      actor: ctx.actor.login,
      role: ctx.actor.role,
      action: "push-user.stop-adopted",
      target: stored.repository,
      outcome: "success",
      detail: { repository: stored.repository, userName: stored.pushUser, back, adoptedBy: stored.adoptedBy, adoptedAt: stored.adoptedAt, runId: stored.runId },
    });
  }).immediate();
  invalidatePosture(ctx.cache);
  return { repository: stored.repository, userName: stored.pushUser, back };
}
