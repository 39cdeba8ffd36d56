// Dates cross the page/API boundary as ISO strings; judgements work in epoch milliseconds.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A timestamp as plain data: ISO 8601 string (what the pages pass) or a Date. */
export type TimeInput = string | Date;

/** Epoch ms, or null for a missing or unparseable value (never NaN leaking into arithmetic). */
export function toEpochMs(value: TimeInput | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Whole days from `from` to `to`, rounded down; negative when `from` is later. */
export function wholeDaysBetween(fromMs: number, toMs: number): number {
  return Math.floor((toMs - fromMs) / DAY_MS);
}

/** UTC calendar day of a timestamp: "2026-11-25". */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
