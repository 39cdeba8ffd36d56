// The Overview: can the repository push to ECR right now, and is anything about to break? Its cards read
// through the same readers as the pages they link to (credentials, policy, workflows, pushes, doctor); this
// module holds what only the Overview shows: the Doctor's summary and the 30-day push chart.

import { bucketPushesByDay, type DayBucket } from "../judgements/daily-pushes";
import { toPart, type Part } from "../failures";
import { repoKey, type ReadContext } from "./context";
import { readActivityWithin } from "./doctor";
import { detectTwoPushers, type RepositoryPushers } from "../judgements/push/detect-two-pushers";
import { isDeckhandUserAgent } from "../judgements/posture/secret-correlation";
import { pushesSince } from "../operations/pushes/job-store";
import { readUser } from "./posture";
import type { PushReadiness, ReadinessCheck } from "../judgements/posture/push-readiness";
import type { DoctorMode } from "./oidc";
import { judgeRepositoryReadiness, readRepositoryChecks } from "./repository-checks";
import { activeRotations } from "../operations/rotation/store";
import { activeSetup } from "../operations/setup/store";
import { readJobOutcomes } from "./pushes";
import { readRunsWindow } from "./workflows";

/**
 * 90 days of CloudTrail can take many LookupEvents pages. The Overview waits for it at most this long; the
 * load carries on into the shared cache, so the next (auto-)refresh has the full evidence.
 */
export const OVERVIEW_ACTIVITY_WAIT_MS = 1200;

export interface DoctorSummary {
  /** Which checks: the guide's Troubleshooting (the key) or the OIDC mode's (the workflow assumes a role). */
  mode: DoctorMode;
  passed: number;
  failed: ReadinessCheck[];
  unknown: number;
  total: number;
}

/**
 * The Overview's Doctor snapshot and its checks, once per read context (one per request): the verdict and the
 * Doctor card judge the same data of one moment, and the checks run once.
 */
const overviewChecks = new WeakMap<ReadContext, ReturnType<typeof judgeOverviewSnapshot>>();
function readOverviewChecks(ctx: ReadContext) {
  let found = overviewChecks.get(ctx);
  if (!found) overviewChecks.set(ctx, (found = judgeOverviewSnapshot(ctx)));
  return found;
}
function judgeOverviewSnapshot(ctx: ReadContext) {
  return readRepositoryChecks(ctx, { activityWaitMs: OVERVIEW_ACTIVITY_WAIT_MS });
}

/** The Doctor's checks counted, with the failing ones (CloudTrail time-boxed: checks needing it say unknown). */
export async function readDoctorSummary(ctx: ReadContext): Promise<Part<DoctorSummary>> {
  const part = await toPart([], () => readOverviewChecks(ctx));
  if (!part.ok) return part;
  const checks = part.data.checks;
  const failed = checks.filter((c) => c.status === "fail");
  const unknown = checks.filter((c) => c.status === "unknown").length;
  return { ok: true, calls: [], asOf: part.data.asOf ?? undefined, data: { mode: part.data.mode, passed: checks.length - failed.length - unknown, failed, unknown, total: checks.length } };
}

export interface PushChartView {
  buckets: DayBucket[];
  workflowName: string | null;
  /** GitHub lists at most 1,000 runs per query: older days may be incomplete. */
  truncated: boolean;
}

/** Per UTC day of the last 30: the ECR workflow's runs and Deckhand's own push jobs, succeeded and failed. */
export async function readPushChart(ctx: ReadContext, days = 30): Promise<Part<PushChartView>> {
  const runs = await readRunsWindow(ctx, days);
  if (!runs.ok) return runs;
  const buckets = bucketPushesByDay(
    [
      ...runs.data.runs.map((r) => ({ at: r.createdAt, outcome: r.status === "completed" ? r.conclusion : null, source: "workflow" as const })),
      ...readJobOutcomes(ctx, days).map((j) => ({ ...j, source: "deckhand" as const })),
    ],
    ctx.now?.() ?? new Date(),
    days,
  );
  return { ...runs, data: { buckets, workflowName: runs.data.workflowName, truncated: runs.data.truncated } };
}

export interface PushVerdictView {
  readiness: PushReadiness;
  /** When the oldest data behind the verdict was read (ISO 8601), so the page can say how old it is. */
  asOf: string | null;
}

/**
 * "Can we push right now?": one verdict over the Doctor's checks of one snapshot (CloudTrail time-boxed as for the
 * Doctor card). Never throws: a part that failed makes its checks unknown, and the verdict says which call failed.
 */
export async function readPushVerdict(ctx: ReadContext): Promise<PushVerdictView> {
  const set = await readOverviewChecks(ctx);
  return { readiness: judgeRepositoryReadiness(set, ctx.userName, repoKey(ctx)), asOf: set.asOf };
}

export interface StoppedOperation {
  kind: "rotation" | "setup";
  id: number;
  state: "running" | "stopped";
  message: string | null;
  /** The page that shows it with its Resume button. */
  href: string;
  /** A rotation's push user and the repository it acts from (owner/name; null: the default one). */
  userName?: string;
  repository?: string | null;
}

/** The rotations (one per push user at most) and guided setup running or stopped mid-way (the store's state, no API call). */
export function readUnfinishedOperations(ctx: Pick<ReadContext, "db">): StoppedOperation[] {
  const out: StoppedOperation[] = [];
  for (const r of activeRotations(ctx.db)) {
    if (r.state === "running" || r.state === "stopped") out.push({ kind: "rotation", id: r.id, state: r.state, message: r.message, href: `/credentials/rotation/${r.id}`, userName: r.userName, repository: r.repository });
  }
  const s = activeSetup(ctx.db);
  if (s && (s.state === "running" || s.state === "stopped")) {
    const repository = s.names.repository ?? null;
    out.push({ kind: "setup", id: s.id, state: s.state, message: s.message, href: repository ? `/setup?repo=${encodeURIComponent(repository)}` : "/setup", repository });
  }
  return out;
}

/**
 * Is this an account nobody has set up yet (IAM GetUser: NoSuchEntity for the push user)? One cached call; the
 * Overview then shows the way to Setup instead of a wall of red cards. False when it exists or could not be read.
 */
export async function readAccountNotSetUp(ctx: ReadContext): Promise<boolean> {
  const user = await readUser(ctx);
  return user.ok && user.data === null;
}

export interface TwoPushersView {
  repositories: RepositoryPushers[];
  windowDays: number;
}

/**
 * Repositories both Deckhand's worker and the repository's own workflow pushed to in the last `windowDays`: their
 * builds differ, so neither can skip and `latest` flips between them. CloudTrail time-boxed as on the Overview;
 * Deckhand's own calls (its User-Agent) never count as the workflow's.
 */
export async function readTwoPushers(ctx: ReadContext, windowDays = 14): Promise<Part<TwoPushersView>> {
  const activity = await readActivityWithin(ctx, OVERVIEW_ACTIVITY_WAIT_MS);
  if (!activity.ok) return activity;
  const now = ctx.now?.() ?? new Date();
  const since = new Date(now.getTime() - windowDays * 86_400_000).toISOString();
  const workflowEvents = activity.data.events.filter((e) => !isDeckhandUserAgent(e.userAgent));
  const repositories = detectTwoPushers({ deckhandPushes: pushesSince(ctx.db, since), workflowEvents, now, windowDays });
  return { ...activity, data: { repositories, windowDays } };
}
