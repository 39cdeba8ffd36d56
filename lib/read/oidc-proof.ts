// "Prove before retiring": after the move's pull request merged, CloudTrail and the pull request say whether the
// role works (an assumption by a pinned subject, a push with its session) and whether the key is still used, every
// use listed with where it came from. Read fresh: the page is looked at rarely and must show the latest trail.

import { listAccessKeys } from "../integrations/aws/iam";
import { lookupEventsByAccessKey } from "../integrations/aws/cloudtrail";
import { lookupFirstRoleSessions, lookupWebIdentityEvents } from "../integrations/aws/cloudtrail-web-identity";
import { readPullRequest } from "../integrations/github/pull-requests";
import { listRepoSecrets } from "../integrations/github/secrets";
import { proveRole, type RoleProof } from "../judgements/oidc/prove-role";
import type { CloudTrailEvent } from "../judgements/posture/types";
import { callApi } from "../failures";
import { getGraceDays } from "../operations/oidc/grace-days";
import { latestOidcMove, listOidcSteps } from "../operations/oidc/store";
import { forRepository, repoKey, type ReadContext } from "./context";
import type { ConfiguredRepository } from "../infra/config/env";
import { otherRepositoriesOfPushUser, type DiscoveryState } from "../infra/config/served-repositories";
import { mapLimit } from "../infra/map-limit";
import { readScopes } from "./posture";
import { readEcrWorkflowFile } from "./workflow-list";
import { workflowUsesKeySecret } from "../judgements/fleet/workflow-uses-key";
import { readWorkflowCredentials } from "../judgements/oidc/workflow-credentials";

export interface RoleProofView {
  /** The push user's keys and whether the repository still has the two secrets (what the retire steps act on). */
  keys: Array<{ accessKeyId: string; status: string }>;
  secretsPresent: boolean;
  pullRequest: { number: number; url: string; state: string; merged: boolean; mergedAt: string | null } | null;
  graceDays: number;
  proof: RoleProof;
}

const DAY_MS = 86_400_000;
/** How many of the first (and of the newest) sessions' temporary keys since the merge are looked up for a push (each is one LookupEvents walk). */
const SESSIONS_LOOKED_AT = 5;

/** One web-identity record, whichever lookup found it. */
const eventKey = (e: { time: string; sessionKeyId: string | null; subject: string | null; errorCode: string | null }) => `${e.time}|${e.sessionKeyId ?? ""}|${e.subject ?? ""}|${e.errorCode ?? ""}`;

/**
 * The proof for the latest completed move of the configured repository, or null when there is none (or it opened
 * no pull request). CloudTrail is read from the merge on (at most its 90 days): the newest `webIdentityMax`
 * web-identity records of the account, and the role's first sessions read forward from the merge
 * (lookupFirstRoleSessions), so the grace period starts at the first assumption however busy the account is.
 * Throws CallFailure naming the call.
 */
export async function readRoleProof(ctx: Pick<ReadContext, "clients" | "db" | "userName"> & { now?: () => Date }, { webIdentityMax = 1000 }: { webIdentityMax?: number } = {}): Promise<RoleProofView | null> {
  const { github, repo } = ctx.clients;
  const { cloudtrail, iam } = ctx.clients.aws;
  const move = latestOidcMove(ctx.db, `${repo.owner}/${repo.repo}`);
  const prStep = move ? listOidcSteps(ctx.db, move.id).find((s) => s.step === "workflow-pr" && s.outcome === "succeeded" && typeof s.detail?.pullRequest === "number") : undefined;
  if (!move || !prStep) return null;
  const now = ctx.now?.() ?? new Date();
  const graceDays = getGraceDays(ctx.db);
  const [pr, keys, secrets] = await Promise.all([
    readPullRequest({ github, repo, number: prStep.detail!.pullRequest as number }),
    callApi("iam", "ListAccessKeys", () => listAccessKeys({ iam, userName: ctx.userName })),
    callApi("github", "list repository secrets", () => listRepoSecrets({ github, repo })),
  ]);
  const held = { keys: keys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })), secretsPresent: secrets.some((x) => x.name === "AWS_ACCESS_KEY_ID" || x.name === "AWS_SECRET_ACCESS_KEY") };
  const mergedAt = pr?.merged ? pr.mergedAt : null;
  const base = { roleArn: move.plan.roleArn, subjects: move.plan.subjects, now, graceDays };
  const pullRequest = pr && { number: pr.number, url: pr.url, state: pr.state, merged: pr.merged, mergedAt: pr.mergedAt };
  if (!mergedAt) return { ...held, pullRequest, graceDays, proof: proveRole({ ...base, mergedAt: null, webIdentity: [], sessionEvents: [], keyEvents: [] }) };
  const start = new Date(Math.max(new Date(mergedAt).getTime() - 60_000, now.getTime() - 90 * DAY_MS));
  // The newest records (refusals, the latest assumption) and, read forward from the merge, the role's first sessions:
  // in a busy account the newest 1,000 records do not reach back to the merge, and the grace period runs from the first.
  const [newest, first] = await Promise.all([
    callApi("cloudtrail", "LookupEvents", () => lookupWebIdentityEvents({ cloudtrail, start, end: now, max: webIdentityMax })),
    callApi("cloudtrail", "LookupEvents", () => lookupFirstRoleSessions({ cloudtrail, roleArn: move.plan.roleArn, start, end: now, want: SESSIONS_LOOKED_AT, max: webIdentityMax })),
  ]);
  const seen = new Set(newest.map(eventKey));
  const webIdentity = [...newest, ...first.filter((e) => !seen.has(eventKey(e)))].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  // The OLDEST sessions since the merge (CloudTrail answers newest first): the role is proven by its first push, and
  // the grace period runs from it; a busy repository's newest sessions would restart it on every run.
  const oldestFirst = [...new Set(webIdentity.filter((e) => e.roleArn === move.plan.roleArn && !e.errorCode && e.sessionKeyId).map((e) => e.sessionKeyId!).reverse())];
  // And the newest few: when none of the first sessions pushed (runs that only logged in, say), a later one that did
  // still proves the role; its push is later than the true first push, so the grace period can only start later.
  const sessionKeys = [...new Set([...oldestFirst.slice(0, SESSIONS_LOOKED_AT), ...oldestFirst.slice(-SESSIONS_LOOKED_AT)])];
  const lookup = (accessKeyId: string) => callApi("cloudtrail", "LookupEvents", () => lookupEventsByAccessKey({ cloudtrail, accessKeyId, start, end: now }));
  const [sessionEvents, keyEvents] = await Promise.all([
    Promise.all(sessionKeys.map(lookup)).then((x) => x.flat()),
    Promise.all(keys.map((k) => lookup(k.accessKeyId))).then((x) => x.flat() as CloudTrailEvent[]),
  ]);
  return {
    ...held,
    pullRequest,
    graceDays,
    proof: proveRole({ ...base, mergedAt, webIdentity, sessionEvents, keyEvents }),
  };
}

/** Other served repositories of the same push user that still need its key (the retire's "who else uses it"). */
export interface OtherKeyUsers {
  /** Each as "owner/name (why)": a workflow of it signs in with the key, or it holds the key's secrets and how it signs in is unknown. */
  users: string[];
  /** Each as "owner/name (where)": its runs still get AWS_ACCESS_KEY_ID at some scope, whatever its workflow does (the key is not deleted under them). */
  holders: string[];
  /** Each as "owner/name (the failure)": whether it still needs or holds the key could not be read. Counts as both (fails closed). */
  unknown: string[];
}

/** What readOtherKeyUsers needs of an owner wildcard's last discovery (DiscoveryState, discoveriesOf(config, db)). */
export type DiscoveryAnswer = Pick<DiscoveryState, "rule" | "pushUser" | "discoveredAt" | "failure"> & Partial<Pick<DiscoveryState, "skipped">>;

/**
 * The owner wildcards of `pushUser` (case-insensitive, as IAM compares) whose repositories are not all known: never
 * discovered yet, or the last discovery failed (what it found before may be stale); and the repositories a discovery
 * skipped because a read failed (`unread`). Each as "owner/* (why)" or "owner/name (why)", for
 * OtherKeyUsers.unknown: a repository discovery has not listed may hold or need the key, so the retire fails closed.
 * Pure.
 */
export function unansweredDiscoveries(discoveries: readonly DiscoveryAnswer[], pushUser: string): string[] {
  const user = pushUser.toLowerCase();
  return discoveries
    .filter((d) => d.pushUser.toLowerCase() === user)
    .flatMap((d) =>
      d.discoveredAt === null
        ? [`${d.rule} (its repositories have not been discovered yet${d.failure ? `: ${d.failure}` : ""})`]
        : [
            ...(d.failure ? [`${d.rule} (the last discovery of its repositories failed, so a new one may be missing: ${d.failure})`] : []),
            // A repository discovery could not read (its workflows, a workflow file, its secrets) may use the key.
            ...(d.skipped ?? []).filter((s) => s.unread).map((s) => `${s.repository} (${d.rule}'s discovery could not read it: ${s.reason})`),
          ],
    );
}

/**
 * The served repositories (`served`, e.g. servedRepositories(config, db)) other than `ctx`'s that share its push user
 * (`ctx.userName`, compared case-insensitively as IAM does) and still need or hold the key:
 * - `users`: its ECR workflow (DECKHAND_WORKFLOW, on the default branch) signs in with the key in any job (a role in
 *   one job does not make the key unused in another), or, with no such workflow, a run there gets AWS_ACCESS_KEY_ID;
 * - `holders`: a run there gets AWS_ACCESS_KEY_ID at any scope (repository, environment, organization), even after
 *   it moved to its own role: the key must not be deleted while a secret holds it;
 * - `unknown`: a read failed, or a scope that could hold the secret could not be read, or an owner wildcard of the
 *   push user (`discoveries`, discoveriesOf(config, db)) has not listed its repositories (unansweredDiscoveries).
 * CloudTrail's quiet grace period (readRoleProof) covers the key's use; this names an idle repository that would
 * break on its next run. Repositories Deckhand does not serve are not seen here. Reads each repository's workflow file
 * and its secrets at every scope (through `ctx.cache`: pass a fresh one to read now), four at a time. Never throws.
 */
export async function readOtherKeyUsers(ctx: ReadContext, served: readonly ConfiguredRepository[], discoveries: readonly DiscoveryAnswer[]): Promise<OtherKeyUsers> {
  const sharing = otherRepositoriesOfPushUser(served, repoKey(ctx), ctx.userName);
  const users: string[] = [];
  const holders: string[] = [];
  const unknown: string[] = unansweredDiscoveries(discoveries, ctx.userName);
  await mapLimit(sharing, 4, async (r) => {
    const other = forRepository(ctx, r);
    const [file, scopes] = await Promise.all([readEcrWorkflowFile(other, other.clients.github), readScopes(other)]);
    if (!scopes.ok) return void unknown.push(`${r.repository} (${scopes.failure.message})`);
    const gets = scopes.data.effectiveSecrets.some((x) => x.name === "AWS_ACCESS_KEY_ID");
    const unreadable = scopes.data.unreadable.filter((u) => u.kind === "secret");
    if (gets) holders.push(`${r.repository} (its runs get AWS_ACCESS_KEY_ID)`);
    else if (unreadable.length) unknown.push(`${r.repository} (its ${unreadable.map((u) => u.scope).join(" and ")} secrets cannot be read: ${unreadable[0].reason})`);
    if (!file.ok) return void unknown.push(`${r.repository} (${file.failure.message})`);
    if (file.data && file.data.text !== null) {
      const uses = workflowUsesKeySecret(file.data.text);
      if (uses.uses) return void users.push(`${r.repository} (its workflow ${file.data.path} signs in with the key)`);
      if (readWorkflowCredentials(file.data.text).kind === "role") return;
    }
    // No ECR workflow to tell how it signs in (or one that configures no AWS credentials): getting the key is needing it.
    if (gets) users.push(`${r.repository} (its runs get AWS_ACCESS_KEY_ID and no workflow shows it signs in with a role)`);
  });
  return { users: users.sort(), holders: holders.sort(), unknown: [...new Set(unknown)].sort() };
}
