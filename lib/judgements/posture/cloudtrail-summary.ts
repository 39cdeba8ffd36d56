// The Activity page's arithmetic over CloudTrail events made with the push user's keys: a zero-filled
// per-day series, failed calls grouped by error code with what the guide says about each, and filters.

import { DAY_MS, toEpochMs, utcDay, type TimeInput } from "./time-util";
import type { CloudTrailEvent } from "./types";
import { explainErrorCode, type ErrorExplanation } from "../guide-errors";

export interface DailyActivity {
  /** UTC day, "YYYY-MM-DD". */
  day: string;
  calls: number;
  errors: number;
}

/** Calls and errors per UTC day for the `days` days ending today (inclusive), oldest first, zero-filled. */
export function summarizeDailyActivity(events: readonly CloudTrailEvent[], options: { now: TimeInput; days?: number }): DailyActivity[] {
  const now = toEpochMs(options.now);
  if (now === null) throw new TypeError("summarizeDailyActivity: now is not a valid time");
  const days = options.days ?? 90;
  const todayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
  const series: DailyActivity[] = [];
  const index = new Map<string, DailyActivity>();
  for (let i = days - 1; i >= 0; i--) {
    const d = { day: utcDay(todayStart - i * DAY_MS), calls: 0, errors: 0 };
    series.push(d);
    index.set(d.day, d);
  }
  for (const e of events) {
    const at = toEpochMs(e.time);
    if (at === null) continue;
    const bucket = index.get(utcDay(at));
    if (!bucket) continue;
    bucket.calls++;
    if (e.errorCode) bucket.errors++;
  }
  return series;
}

export interface ErrorGroup {
  errorCode: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  eventNames: string[];
  accessKeyIds: string[];
  /** The newest error message of the group. */
  sampleMessage: string | null;
  explanation: ErrorExplanation;
}

/** Failed calls grouped by error code, most frequent first. */
export function groupFailedCalls(events: readonly CloudTrailEvent[]): ErrorGroup[] {
  const groups = new Map<string, { events: { at: number; e: CloudTrailEvent }[] }>();
  for (const e of events) {
    if (!e.errorCode) continue;
    const at = toEpochMs(e.time);
    if (at === null) continue;
    const g = groups.get(e.errorCode) ?? { events: [] };
    g.events.push({ at, e });
    groups.set(e.errorCode, g);
  }
  const out: ErrorGroup[] = [];
  for (const [errorCode, g] of groups) {
    g.events.sort((a, b) => a.at - b.at);
    const newest = g.events[g.events.length - 1];
    out.push({
      errorCode,
      count: g.events.length,
      firstSeen: new Date(g.events[0].at).toISOString(),
      lastSeen: new Date(newest.at).toISOString(),
      eventNames: [...new Set(g.events.map((x) => x.e.eventName))].sort(),
      accessKeyIds: [...new Set(g.events.map((x) => x.e.accessKeyId).filter((x): x is string => !!x))].sort(),
      sampleMessage: newest.e.errorMessage,
      explanation: explainErrorCode(errorCode),
    });
  }
  return out.sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
}

export interface EventFilter {
  accessKeyId?: string;
  /** Exact event name, case-insensitive. */
  eventName?: string;
  eventSource?: string;
  errorsOnly?: boolean;
  from?: TimeInput;
  to?: TimeInput;
}

/** Events matching every given filter, newest first. `from` is inclusive, `to` exclusive. */
export function filterEvents(events: readonly CloudTrailEvent[], filter: EventFilter): CloudTrailEvent[] {
  const from = toEpochMs(filter.from ?? null);
  const to = toEpochMs(filter.to ?? null);
  const name = filter.eventName?.trim().toLowerCase();
  return events
    .map((e) => ({ e, at: toEpochMs(e.time) }))
    .filter(({ e, at }) => {
      if (at === null) return false;
      if (filter.accessKeyId && e.accessKeyId !== filter.accessKeyId) return false;
      if (name && e.eventName.toLowerCase() !== name) return false;
      if (filter.eventSource && e.eventSource !== filter.eventSource) return false;
      if (filter.errorsOnly && !e.errorCode) return false;
      if (from !== null && at < from) return false;
      if (to !== null && at >= to) return false;
      return true;
    })
    .sort((a, b) => b.at! - a.at!)
    .map(({ e }) => e);
}
