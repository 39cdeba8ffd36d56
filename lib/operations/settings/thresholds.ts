import { z } from "zod";
import type { Actor } from "../context";
import type { Db } from "../../infra/db/open-db";
import { wholeDaysField } from "../../judgements/form-input";
import { THRESHOLD_LIMITS } from "./threshold-limits";

/** Audit defaults: rotate at 90 days (warn from 75), an active key unused for 45 days is a finding. */
export const DEFAULT_THRESHOLDS = { rotateAfterDays: 90, warnAfterDays: 75, unusedAfterDays: 45 } as const;

export { THRESHOLD_LIMITS };

export const thresholdsSchema = z
  .object({
    rotateAfterDays: wholeDaysField(THRESHOLD_LIMITS),
    warnAfterDays: wholeDaysField(THRESHOLD_LIMITS),
    unusedAfterDays: wholeDaysField(THRESHOLD_LIMITS),
  })
  .refine((t) => t.warnAfterDays < t.rotateAfterDays, { message: "The warning must come before the rotation age", path: ["warnAfterDays"] });

export type Thresholds = z.output<typeof thresholdsSchema>;

const KEYS = ["rotateAfterDays", "warnAfterDays", "unusedAfterDays"] as const;

export function getThresholds(db: Db): Thresholds {
  const rows = db.prepare(`SELECT key, value FROM settings WHERE key IN (${KEYS.map(() => "?").join(",")})`).all(...KEYS.map((k) => `thresholds.${k}`)) as {
    key: string;
    value: string;
  }[];
  const out: Record<string, number> = { ...DEFAULT_THRESHOLDS };
  for (const r of rows) out[r.key.slice("thresholds.".length)] = Number(r.value);
  return out as Thresholds;
}

/** Writes all thresholds in one transaction; returns what changed (for the audit log). */
export function updateThresholds({ db, actor }: { db: Db; actor: Actor }, input: Thresholds): Record<string, { from: number; to: number }> {
  const before = getThresholds(db);
  const now = new Date().toISOString();
  const changed: Record<string, { from: number; to: number }> = {};
  const upsert = db.prepare(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  db.transaction(() => {
    for (const k of KEYS) {
      if (before[k] !== input[k]) changed[k] = { from: before[k], to: input[k] };
      upsert.run(`thresholds.${k}`, String(input[k]), now, actor.login);
    }
  }).immediate();
  return changed;
}
