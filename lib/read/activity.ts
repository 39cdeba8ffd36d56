// The Activity page: the push user's CloudTrail events over the window, filtered by the page's query, with
// a per-day series, failed calls grouped by error code (in the guide's terms) and one page of rows.

import { filterEvents, groupFailedCalls, summarizeDailyActivity, type DailyActivity, type ErrorGroup } from "../judgements/posture/cloudtrail-summary";
import { parseActivityQuery, type ActivityQuery } from "../judgements/posture/activity-filter";
import type { CloudTrailEvent } from "../judgements/posture/types";
import type { Part } from "../failures";
import { readActivity, type ActivityData, type PostureContext } from "./posture";

/** Rows of the event table per page: a hundred reads on a phone; the filters narrow the rest. */
export const ACTIVITY_ROWS = 100;

export interface ActivityView {
  query: ActivityQuery;
  /** Every key looked up and every event name seen, for the filters. */
  accessKeyIds: string[];
  eventNames: string[];
  windowDays: number;
  total: number;
  matching: number;
  series: DailyActivity[];
  groups: ErrorGroup[];
  /** The events of the page the query asks for, newest first. */
  rows: CloudTrailEvent[];
  hasNewer: boolean;
  hasOlder: boolean;
  /** History that could not be read (a LookupEvents page failed): the events before it are kept and shown. */
  gaps: ActivityData["gaps"];
}

/** The page for `searchParams` (key, event, errors, from, to, page; malformed values are dropped). */
export async function readActivityPage(ctx: PostureContext, searchParams: Record<string, string | string[] | undefined>): Promise<{ query: ActivityQuery; activity: Part<ActivityView> }> {
  const { query, filter } = parseActivityQuery(searchParams);
  const activity = await readActivity(ctx);
  if (!activity.ok) return { query, activity };
  const { events, accessKeyIds, windowDays } = activity.data;
  const shown = filterEvents(events, filter);
  return {
    query,
    activity: {
      ...activity,
      data: {
        query,
        accessKeyIds,
        eventNames: [...new Set(events.map((e) => e.eventName))].sort(),
        windowDays,
        total: events.length,
        matching: shown.length,
        series: summarizeDailyActivity(shown, { now: ctx.now?.() ?? new Date(), days: windowDays }),
        groups: groupFailedCalls(shown),
        rows: shown.slice(query.page * ACTIVITY_ROWS, (query.page + 1) * ACTIVITY_ROWS),
        hasNewer: query.page > 0,
        hasOlder: (query.page + 1) * ACTIVITY_ROWS < shown.length,
        gaps: activity.data.gaps ?? [],
      },
    },
  };
}
