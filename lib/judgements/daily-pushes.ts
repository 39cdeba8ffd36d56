/**
 * The Overview's 30-day chart: per UTC day, how many pushes succeeded and how many failed, from
 * GitHub workflow runs and (when Deckhand records them) Deckhand's own push jobs. Cancelled and
 * still-running runs are neither; they are counted apart so totals add up.
 */

const DAY = 86_400_000;

export interface PushEvent {
  at: string;
  /** "success" | "failure" | "timed_out" | "cancelled" | null (running) ... */
  outcome: string | null;
  source: "workflow" | "deckhand";
}

export interface DayBucket {
  day: string;
  workflowSuccess: number;
  deckhandSuccess: number;
  failures: number;
  other: number;
}

export function bucketPushesByDay(events: readonly PushEvent[], now: Date, days = 30): DayBucket[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const first = today - (days - 1) * DAY;
  const buckets: DayBucket[] = Array.from({ length: days }, (_, i) => ({
    day: new Date(first + i * DAY).toISOString().slice(0, 10),
    workflowSuccess: 0,
    deckhandSuccess: 0,
    failures: 0,
    other: 0,
  }));
  for (const e of events) {
    const t = Date.parse(e.at);
    if (Number.isNaN(t) || t < first || t >= today + DAY) continue;
    const b = buckets[Math.floor((t - first) / DAY)];
    if (e.outcome === "success" || e.outcome === "skipped") {
      if (e.source === "workflow") b.workflowSuccess++;
      else b.deckhandSuccess++;
    } else if (e.outcome === "failure" || e.outcome === "timed_out" || e.outcome === "startup_failure") b.failures++;
    else b.other++;
  }
  return buckets;
}

/** The y-axis top: the largest stacked day, rounded up to a readable step (at least 1). */
export function chartScale(buckets: readonly DayBucket[]): number {
  const max = Math.max(1, ...buckets.map((b) => b.workflowSuccess + b.deckhandSuccess + b.failures));
  if (max <= 5) return max;
  const step = max <= 20 ? 5 : max <= 100 ? 10 : 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}
