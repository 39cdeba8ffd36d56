// The Overview: can the repository push to ECR right now, and is anything about to break? Its cards read
// through the same readers as the pages they link to (credentials, policy, workflows, pushes, doctor); this
// module holds what only the Overview shows: the Doctor's summary and the 30-day push chart.

import { bucketPushesByDay, type DayBucket } from "../judgements/daily-pushes";
import type { CheckResult } from "../judgements/posture/doctor-checks";
import { toPart, type Part } from "../failures";
import type { ReadContext } from "./context";
import { readDoctorChecks } from "./doctor";
import { readJobOutcomes } from "./pushes";
import { readRunsWindow } from "./workflows";

/**
 * 90 days of CloudTrail can take many LookupEvents pages. The Overview waits for it at most this long; the
 * load carries on into the shared cache, so the next (auto-)refresh has the full evidence.
 */
export const OVERVIEW_ACTIVITY_WAIT_MS = 1200;

export interface DoctorSummary {
  passed: number;
  failed: CheckResult[];
  unknown: number;
  total: number;
}

/** The Doctor's checks counted, with the failing ones (CloudTrail time-boxed: checks needing it say unknown). */
export async function readDoctorSummary(ctx: ReadContext): Promise<Part<DoctorSummary>> {
  return toPart([], async () => {
    const checks = await readDoctorChecks(ctx, { activityWaitMs: OVERVIEW_ACTIVITY_WAIT_MS });
    const failed = checks.filter((c) => c.status === "fail");
    const unknown = checks.filter((c) => c.status === "unknown").length;
    return { passed: checks.length - failed.length - unknown, failed, unknown, total: checks.length };
  });
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
