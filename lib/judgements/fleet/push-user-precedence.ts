// Which IAM push user a served repository has (issue 16: "each repository's user found from the key it holds, or
// configured"). Three sources, in this order:
//   1. named in the configuration: GITHUB_REPOSITORIES `owner/name:user`, or the wildcard `owner/*:user` that serves
//      it. The operator's word: nothing Deckhand found overrides it;
//   2. adopted: an operator clicked "Use <user> as owner/name's push user" on the Fleet page after CloudTrail named
//      that user as the signer of the repository's last successful run (lib/operations/fleet/adopt-push-user.ts,
//      kept in the store, table push_user_adoptions);
//   3. the default, DECKHAND_IAM_USER.
// Pure: the served list and the stored adoptions in, the served list with the adopted users applied out.

/** One stored adoption (a row of push_user_adoptions). */
export interface PushUserAdoption {
  /** owner/name as the operator adopted it; matched case-insensitively (GitHub's names are). */
  repository: string;
  /** The adopted IAM user. */
  pushUser: string;
  /** The operator's login. */
  adoptedBy: string;
  /** ISO 8601. */
  adoptedAt: string;
  /** The GitHub Actions run whose AWS calls CloudTrail said that user signed: the evidence. */
  runId: number;
}

/** What a served repository whose push user was adopted carries: the adoption, and the default it replaced. */
export interface AdoptedPushUser {
  by: string;
  at: string;
  runId: number;
  /** The push user it would have without the adoption (DECKHAND_IAM_USER, or its unnamed wildcard's). */
  instead: string;
}

/** IAM's user name rule (CreateUser UserName: `[\w+=,.@-]+`, 1 to 64 characters). */
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * `served` with each adoption applied to the repository it names (case-insensitive), when that repository's push
 * user is not named in the configuration (`pushUserNamed` false): its `pushUser` becomes the adopted user and
 * `adopted` says by whom, when, from which run, and what it replaced. Ignored: an adoption of a repository not in
 * `served` (no longer served), of one whose push user is named (the configuration wins), one naming the user the
 * repository has anyway, and one whose user name IAM would refuse. For a repository named by two adoptions (the store
 * keeps one per name; only a hand-made list has two) the first wins. Order and every other field are kept; nothing
 * is mutated.
 */
export function applyAdoptions<R extends { repository: string; pushUser: string; pushUserNamed: boolean }>(
  served: readonly R[],
  adoptions: readonly PushUserAdoption[],
): Array<R & { adopted?: AdoptedPushUser }> {
  const byName = new Map<string, PushUserAdoption>();
  for (const a of adoptions) {
    if (typeof a?.repository !== "string" || typeof a.pushUser !== "string" || !IAM_USER_NAME.test(a.pushUser)) continue;
    const k = a.repository.toLowerCase();
    if (!byName.has(k)) byName.set(k, a);
  }
  return served.map((r) => {
    if (r.pushUserNamed) return r;
    const a = byName.get(r.repository.toLowerCase());
    if (!a || a.pushUser === r.pushUser) return r;
    return { ...r, pushUser: a.pushUser, adopted: { by: a.adoptedBy, at: a.adoptedAt, runId: a.runId, instead: r.pushUser } };
  });
}
