// "Let time pass" for browser tests (POST /_sandbox/age): Deckhand runs on the real clock, so instead of moving the
// clock forward the sandbox moves everything it has recorded N days back. Each half lists its time columns
// (aws/age.ts, github/age.ts); this module shifts them, all in one transaction, so no reader ever sees a half-aged
// world. Whole days only: a whole-day shift in UTC changes an ISO timestamp's date and nothing else, so every
// recorded format (seconds, milliseconds, GitHub's seven-digit log stamps) keeps its exact shape.

import type Database from "better-sqlite3";

export const DAY_MS = 86_400_000;

/** One table's time columns: epoch milliseconds (INTEGER) and text holding ISO-8601 timestamps anywhere in it. */
export interface AgedTable {
  table: string;
  /** INTEGER columns of epoch milliseconds; NULL stays NULL. */
  ms?: string[];
  /** TEXT columns that are, or contain (JSON, CSV, logs), ISO-8601 UTC timestamps: each one found is shifted. */
  iso?: string[];
}

const ISO = /\b(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/g;

/**
 * Every ISO-8601 timestamp in `text` moved `days` whole days earlier (negative: later), its time of day, fraction and
 * zone kept as written. Anything else in the text is left byte for byte.
 */
export function shiftIsoTimestamps(text: string, days: number): string {
  return text.replace(ISO, (whole, y: string, m: string, d: string, rest: string) => {
    const t = Date.UTC(Number(y), Number(m) - 1, Number(d));
    if (Number.isNaN(t)) return whole;
    return `${new Date(t - days * DAY_MS).toISOString().slice(0, 10)}T${rest}`;
  });
}

/** Shift the listed columns of `tables` by `days` whole days back. Call inside a transaction (ageSandbox does). */
export function ageTables(db: Database.Database, tables: AgedTable[], days: number): number {
  let rows = 0;
  const delta = days * DAY_MS;
  for (const t of tables) {
    for (const c of t.ms ?? []) rows += db.prepare(`UPDATE ${t.table} SET ${c} = ${c} - ? WHERE ${c} IS NOT NULL`).run(delta).changes;
    if (!t.iso?.length) continue;
    const cols = t.iso;
    const select = db.prepare(`SELECT rowid AS r, ${cols.join(", ")} FROM ${t.table}`);
    const update = db.prepare(`UPDATE ${t.table} SET ${cols.map((c) => `${c} = ?`).join(", ")} WHERE rowid = ?`);
    for (const row of select.all() as Array<Record<string, unknown>>) {
      const values = cols.map((c) => (typeof row[c] === "string" ? shiftIsoTimestamps(row[c] as string, days) : row[c]));
      update.run(...values, row.r);
      rows++;
    }
  }
  return rows;
}
