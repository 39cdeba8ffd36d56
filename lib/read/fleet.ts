// The Fleet page: can every configured repository push right now? One row per repository, each read through the
// same readers as the single-repository pages (forRepository: GitHub reads about that repository, AWS reads about
// its push user), so the caches are shared: repositories sharing a push user share its IAM and CloudTrail reads
// (one ListAccessKeys per user, not per repository). Repositories are read a few at a time (GitHub's secondary
// rate limits ask for no flood of concurrent requests).

import type { ConfiguredRepository } from "../infra/config/env";
import { limiter, mapLimit } from "../infra/map-limit";
import { judgeFleetRow, summarizeFleet, type FleetRow, type FleetSummary } from "../judgements/fleet/judge-fleet";
import type { CheckResult } from "../judgements/posture/doctor-checks";
import type { OidcCheckResult } from "../judgements/oidc/doctor-checks";
import { lastFinishedJobOf, type PushJob } from "../operations/pushes/job-store";
import { RECENT_RUNS_PER_PAGE } from "../integrations/github/runs";
import { pickLastEcrRun, type LastRunView } from "../judgements/fleet/last-ecr-run";
import type { Failure, Part } from "../failures";
import { forRepository, READ_CACHE_PREFIXES, type ReadContext } from "./context";
import { readHeldKey, readKeyVerdicts, type KeysView } from "./credentials";
import { readStoreFacts, type StoreFacts } from "./doctor";
import type { DoctorMode } from "./oidc";
import { judgeRepositoryReadiness, readRepositoryChecks, repositoryNotFound } from "./repository-checks";
import { OVERVIEW_ACTIVITY_WAIT_MS } from "./overview";
import { readActivity, readKeys, readPolicies, readRepositories, readRuns, readScopes, readUser } from "./posture";
import { readLastRun } from "./workflows";
import { readRunSigner } from "./run-signer";
import { withinTime } from "./time-box";
import type { RunSigner } from "../judgements/fleet/run-signer";

/**
 * Repositories read at once (and rows judged at once): each is ~5 GitHub calls cold, 4 of them together, so 16
 * repositories ask for about 64 at a time; the GitHub client lets 50 per process through (GITHUB_MAX_CONCURRENT, under
 * GitHub's documented limit of 100 concurrent requests), the rest wait their turn there.
 */
export const FLEET_CONCURRENCY = 16;

export interface FleetRowView extends FleetRow {
  /** The ECR workflow's newest run; null when it has none or GitHub could not say (then `lastRunFailure`). */
  lastRun: LastRunView | null;
  lastRunFailure: Failure | null;
  /** Deckhand's newest finished push job of the repository, null when none. */
  lastPush: Pick<PushJob, "id" | "state" | "finishedAt" | "sha"> | null;
  /** When the oldest data behind the verdict was read (ISO 8601). */
  asOf: string | null;
}

export interface FleetView {
  rows: FleetRowView[];
  summary: FleetSummary;
}

/** How long a judged row is kept: the posture parts' lifetime (invalidatePosture drops the rows with any part). */
const FLEET_ROW_TTL_MS = 30_000;

/**
 * One repository's row, the judged part cached per repository and push user (judging runs the key correlation and
 * every Doctor check over the user's CloudTrail events: pure work that 200 repositories would repeat on every
 * read); the last Deckhand push is read from the store each time.
 */
/** What a fleet read gathers once for every row: per push user its key ids and key verdicts, and the store's facts. */
interface Shared {
  keysByUser: Record<string, string[]>;
  verdictsByUser: Record<string, Part<KeysView>>;
  store: StoreFacts;
}

async function readRow(ctx: ReadContext, r: ConfiguredRepository, isDefault: boolean, shared: Shared): Promise<FleetRowView> {
  // "|" ends the key, so dropping it below never drops another repository's or user's row.
  const key = `${READ_CACHE_PREFIXES.posture}fleet:${r.repository.toLowerCase()}:${r.pushUser}|`;
  const judged = await ctx.cache.get(key, ctx.ttlMs ?? FLEET_ROW_TTL_MS, () => judgeRow(ctx, r, shared));
  // A row that could not be judged (a part failed or CloudTrail was still loading) is judged again next time.
  if (judged.answer === "unknown") ctx.cache.invalidate(key);
  const job = lastFinishedJobOf(ctx.db, r.repository, isDefault);
  return { ...judged, lastPush: job ? { id: job.id, state: job.state, finishedAt: job.finishedAt, sha: job.sha } : null };
}

async function judgeRow(ctx: ReadContext, r: ConfiguredRepository, shared: Shared): Promise<Omit<FleetRowView, "lastPush">> {
  const rctx = forRepository(ctx, r);
  const wait = { activityWaitMs: OVERVIEW_ACTIVITY_WAIT_MS };
  const [doctor, held, keys, scopes, lastRun] = await Promise.all([
    readRepositoryChecks(rctx, { ...wait, store: shared.store }),
    readHeldKey(rctx, { ...wait, ownKeyActivity: shared.store.ownKeyActivity }),
    // The push user's key verdicts, judged once per user for the read.
    shared.verdictsByUser[r.pushUser] ?? readKeyVerdicts(rctx),
    readScopes(rctx),
    readLastEcrRun(rctx),
  ]);
  const keySource = scopes.ok ? (scopes.data.secrets.find((s) => s.name === "AWS_ACCESS_KEY_ID")?.source ?? null) : undefined;
  const mostLikely = held.ok ? held.data.correlation.mostLikely : null;
  const heldKeyId = mostLikely?.accessKeyId ?? null;
  // Who signed the last run, unless the correlation is sure (a held key with strong evidence) or the workflow uses a role.
  const signer = doctor.mode === "key" && mostLikely?.level !== "high" ? await readLastRunSigner(rctx, lastRun.ok ? lastRun.data : null) : {};
  const row = judgeFleetRow({
    repository: r.repository,
    pushUser: r.pushUser,
    pushUserNamed: r.pushUserNamed,
    signIn: doctor.mode === "oidc" ? "role" : "key",
    repositoryNotFound: repositoryNotFound(doctor.snapshot.runs),
    readiness: judgeRepositoryReadiness(doctor, r.pushUser, r.repository),
    checks: doctor.checks,
    keys: keys.ok ? keys.data.keys : null,
    keysFailure: keys.ok ? null : keys.failure.message,
    heldKeyId,
    heldLevel: mostLikely?.level,
    keysByUser: shared.keysByUser,
    keySource,
    runSigner: signer.runSigner,
    runSignerFailure: signer.failure,
  });
  return {
    ...row,
    lastRun: lastRun.ok ? lastRun.data : null,
    lastRunFailure: lastRun.ok ? null : lastRun.failure,
    asOf: doctor.asOf,
  };
}

/**
 * Who signed the last successful run, when no configured user's key is known to be held: the answer (with "not yet"
 * while CloudTrail may still be delivering), or the remembered failure naming the call. Never waits for CloudTrail: a
 * row uses what an earlier read found (cached), and a lookup not done yet is queued for the next read (a cold Fleet
 * of 200 repositories must not wait on 400 paced LookupEvents); both fields are then undefined.
 */
async function readLastRunSigner(ctx: ReadContext, run: LastRunView | null): Promise<{ runSigner?: RunSigner; failure?: Failure }> {
  if (!run || !signsItsOwnCalls(run)) return {};
  const r = await withinTime(readRunSigner(ctx, run), 0);
  if (!r.done) return {};
  return r.value.ok ? { runSigner: r.value.data } : { failure: r.value.failure };
}

/**
 * Whether a run's window may name who signed it: only a successful run surely signed AWS calls of its own (in a failed
 * run's window, another repository's run could be the only signer).
 */
export function signsItsOwnCalls(run: Pick<LastRunView, "status" | "conclusion">): boolean {
  return run.status === "completed" && run.conclusion === "success";
}

/**
 * The ECR workflow's newest run from the runs part the Doctor reads anyway (the repository's newest runs of every
 * workflow); only when that page cannot say (pickLastEcrRun: "ask") the workflow's own runs (readLastRun: list
 * workflows + one run), as before. Saves two GitHub calls per repository.
 */
export async function readLastEcrRun(ctx: ReadContext): Promise<{ ok: true; data: LastRunView | null } | { ok: false; failure: Failure }> {
  const runs = await readRuns(ctx);
  if (runs.ok) {
    const picked = pickLastEcrRun(runs.data, ctx.workflowName, runs.data.length < RECENT_RUNS_PER_PAGE);
    if (picked !== "ask") return { ok: true, data: picked.found };
  }
  const last = await readLastRun(ctx);
  if (!last.ok) return last;
  const r = last.data;
  return { ok: true, data: r && { id: r.id, status: r.status, conclusion: r.conclusion, createdAt: r.createdAt, updatedAt: r.updatedAt } };
}

/**
 * Every configured repository's row (the default first in `repositories`), those that cannot push first, and the
 * one answer. Calls: per push user IAM GetUser, ListAccessKeys (+ GetAccessKeyLastUsed per key), policies and
 * CloudTrail (time-boxed to OVERVIEW_ACTIVITY_WAIT_MS); per account region the ECR repositories; per organization its
 * secrets and variables with their selected repositories; per repository five GitHub calls (secrets, variables,
 * workflows, the ECR workflow file, the newest runs; the last run is picked from those), plus the failing runs' jobs
 * and logs; per repository whose held key the correlation is not sure of, CloudTrail LookupEvents over its last
 * successful run's minutes once CloudTrail has delivered them (who signed it: readRunSigner, two EventSource lookups,
 * paced at 1 request per second); all through the shared cache.
 */
export async function readFleet(ctx: ReadContext, repositories: readonly ConfiguredRepository[]): Promise<FleetView> {
  // Whose key does a repository hold? Every configured push user's key ids, one ListAccessKeys per user. The users'
  // other AWS reads and the account's ECR repositories start with it, not behind the first rows: a row waits for
  // its user's IAM and CloudTrail (time-boxed), and rows waiting held the slots the next repositories' GitHub reads
  // needed, so AWS and GitHub ran one after the other instead of together.
  const users = [...new Set(repositories.map((r) => r.pushUser))];
  const keysByUser: Record<string, string[]> = {};
  const verdictsByUser: Record<string, Part<KeysView>> = {};
  // Deckhand's own store, read once for every row (each row's checks and key correlation read the same two queries).
  const store = readStoreFacts(ctx.db);
  void readRepositories(ctx);
  const awsReads = mapLimit(users, FLEET_CONCURRENCY, async (userName) => {
    const u = { ...ctx, userName };
    // Parts never reject (a failure is the part's); these fill the cache the rows read from.
    void readUser(u);
    void readPolicies(u);
    void readActivity(u);
    const keys = await readKeys(u);
    keysByUser[userName] = keys.ok ? keys.data.map((k) => k.accessKeyId) : [];
    verdictsByUser[userName] = await readKeyVerdicts(u);
  });
  // Each repository's GitHub reads, a few repositories at a time, while AWS answers; a repository whose reads are in
  // is judged as soon as the AWS reads are too, while the next repositories' reads are out (judging 200 rows after
  // the last read left the reads' waits and the judging's CPU one after the other). The judging holds no read slot.
  const judging = limiter(FLEET_CONCURRENCY);
  const rows = new Array<Promise<FleetRowView>>(repositories.length);
  await mapLimit(repositories, FLEET_CONCURRENCY, async (r, i) => {
    const rctx = forRepository(ctx, r);
    await Promise.all([readScopes(rctx), readLastEcrRun(rctx)]);
    rows[i] = awsReads.then(() => judging(() => readRow(ctx, r, i === 0, { keysByUser, verdictsByUser, store })));
    // Never unhandled while the other reads go on; awaited below.
    rows[i].catch(() => {});
  });
  const judged = await Promise.all(rows);
  const { rows: sorted, summary } = summarizeFleet(judged);
  return { rows: sorted, summary };
}

export interface LabelledRepositoryChecks {
  repository: string;
  pushUser: string;
  /** Which checks: the Doctor's OIDC mode when the ECR workflow assumes a role, else the guide's checks of the key. */
  mode: DoctorMode;
  /** No check fails. */
  ok: boolean;
  checks: Array<(CheckResult | OidcCheckResult) & { repository: string }>;
}

/**
 * Every Doctor check of each repository in its workflow's sign-in mode (GET /api/checks), each check labelled with its
 * repository; CloudTrail is read whole (not time-boxed), as on the Doctor page.
 */
export async function readChecksPerRepository(ctx: ReadContext, repositories: readonly ConfiguredRepository[]): Promise<LabelledRepositoryChecks[]> {
  return mapLimit(repositories, FLEET_CONCURRENCY, async (r) => {
    const set = await readRepositoryChecks(forRepository(ctx, r));
    const checks = set.checks.map((c) => ({ ...c, repository: r.repository }));
    return { repository: r.repository, pushUser: r.pushUser, mode: set.mode, ok: checks.every((c) => c.status !== "fail"), checks };
  });
}
