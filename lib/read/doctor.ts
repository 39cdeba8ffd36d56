// The Doctor's checks over the posture parts: the guide's Troubleshooting, section by section
// (lib/judgements/posture/doctor-checks.ts judges; this reads what it judges). Used by the Doctor page, the
// Overview's Doctor card, GET /api/checks, /api/metrics and the guided setup's verification.

import { runDoctorChecks, type CheckResult } from "../judgements/posture/doctor-checks";
import type { PostureSnapshot } from "../judgements/posture/snapshot";
import { failure, type Part } from "../failures";
import { PART_CALLS, readActivity, readEffectiveSecrets, readEffectiveVariables, readKeys, readPolicies, readRepositories, readRuns, readUser, type ActivityData, type PostureContext, type PostureParts } from "./posture";
import { withinTime } from "./time-box";
import type { ReadContext } from "./context";
import { keyChangeUnderway } from "./rotation";
import { listOwnKeyActivity } from "../operations/rotation/store";

export type { CheckResult } from "../judgements/posture/doctor-checks";

/** The parts as the doctor's snapshot: CloudTrail as its events, repositories under the region they were read in. */
export function toSnapshot(
  parts: Omit<PostureParts, "identity" | "expected">,
  o: { now: Date; userName: string; region: string; rotationInProgress?: boolean; ownKeyActivity?: PostureSnapshot["ownKeyActivity"] },
): PostureSnapshot {
  const events: Part<ActivityData["events"]> = parts.activity.ok ? { ...parts.activity, data: parts.activity.data.events } : parts.activity;
  return {
    now: o.now,
    userName: o.userName,
    user: parts.user,
    accessKeys: parts.keys,
    policies: parts.policies,
    secrets: parts.secrets,
    variables: parts.variables,
    runs: parts.runs,
    cloudTrail: events,
    ecrRepositories: { [o.region]: parts.repositories },
    rotationInProgress: o.rotationInProgress ?? false,
    ownKeyActivity: o.ownKeyActivity,
  };
}

/**
 * CloudTrail, waited for at most `ms` (90 days of LookupEvents can take many pages): a summary page answers
 * with what is ready, the load carries on into the cache, and the next (auto-)refresh has it.
 */
export async function readActivityWithin(ctx: PostureContext, ms: number): Promise<Part<ActivityData>> {
  const r = await withinTime(readActivity(ctx), ms);
  if (r.done) return r.value;
  return { ok: false, calls: [...PART_CALLS.activity], failure: failure("cloudtrail", "LookupEvents (90 days of events)", "still-loading") };
}

/** What the Doctor judges from Deckhand's own store (no API call): a key change underway, Deckhand's own key uses. */
export interface StoreFacts {
  rotationInProgress: boolean;
  ownKeyActivity: NonNullable<PostureSnapshot["ownKeyActivity"]>;
}

/** Read once for many repositories' checks (the Fleet): the same two queries every repository's snapshot would make. */
export function readStoreFacts(db: ReadContext["db"]): StoreFacts {
  return { rotationInProgress: keyChangeUnderway({ db }), ownKeyActivity: listOwnKeyActivity(db) };
}

export interface DoctorSnapshot {
  snapshot: PostureSnapshot;
  /** When the oldest part the checks rely on was read (ISO 8601); null when none was read. */
  asOf: string | null;
  /** IAM GetUser answered NoSuchEntity (true), found the user (false), or failed (null). */
  userMissing: boolean | null;
}

export interface DoctorReadOptions {
  activityWaitMs?: number;
  now?: Date;
  store?: StoreFacts;
}

/**
 * The parts the Doctor judges, read in parallel (cached), as one snapshot with the age of its oldest part.
 * `activityWaitMs`: time-box CloudTrail; checks needing it then say unknown. `store`: the store's facts when the caller
 * read them already (else read here from `ctx.db`).
 */
export async function readDoctorSnapshot(ctx: PostureContext & Partial<Pick<ReadContext, "db">>, opts: DoctorReadOptions = {}): Promise<DoctorSnapshot> {
  const [user, keys, policies, activity, secrets, variables, runs, repositories] = await Promise.all([
    readUser(ctx),
    readKeys(ctx),
    readPolicies(ctx),
    opts.activityWaitMs === undefined ? readActivity(ctx) : readActivityWithin(ctx, opts.activityWaitMs),
    // What a run gets, across environment, repository and organization scopes.
    readEffectiveSecrets(ctx),
    readEffectiveVariables(ctx),
    readRuns(ctx),
    readRepositories(ctx),
  ]);
  const now = opts.now ?? ctx.now?.() ?? new Date();
  const parts = [user, keys, policies, activity, secrets, variables, runs, repositories];
  const times = parts.flatMap((p) => (p.ok && p.asOf ? [p.asOf] : [])).sort();
  const snapshot = toSnapshot(
    { user, keys, policies, activity, secrets, variables, runs, repositories },
    {
      now,
      userName: ctx.userName,
      region: ctx.clients.aws.region,
      rotationInProgress: opts.store ? opts.store.rotationInProgress : ctx.db ? keyChangeUnderway({ db: ctx.db }) : false,
      ownKeyActivity: opts.store ? opts.store.ownKeyActivity : ctx.db ? listOwnKeyActivity(ctx.db) : undefined,
    },
  );
  return { snapshot, asOf: times[0] ?? null, userMissing: user.ok ? user.data === null : null };
}

/** Every check, over parts read in parallel (cached). `activityWaitMs`: time-box CloudTrail; checks needing it then say unknown. */
export async function readDoctorChecks(ctx: PostureContext & Partial<Pick<ReadContext, "db">>, opts: { activityWaitMs?: number; now?: Date } = {}): Promise<CheckResult[]> {
  return runDoctorChecks((await readDoctorSnapshot(ctx, opts)).snapshot);
}
