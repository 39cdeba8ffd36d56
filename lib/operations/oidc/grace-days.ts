import { z } from "zod";
import type { Actor } from "../context";
import type { Db } from "../../infra/db/open-db";

// How long the access key must go unused after the OIDC role was proven, before Deckhand offers to retire it
// (issue 17: default 7 days). Kept in the settings table like the other operator settings.

const KEY = "oidc.key-grace-days";
export const DEFAULT_GRACE_DAYS = 7;

export const graceDaysSchema = z.coerce.number().int("must be a whole number of days").min(1, "must be at least 1 day").max(90, "must be at most 90 days (CloudTrail's LookupEvents window)");

/** The grace period in days: the operator's setting, else 7. A stored value that no longer parses is the default. */
export function getGraceDays(db: Db): number {
  const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get(KEY) as { value: string } | undefined;
  const parsed = graceDaysSchema.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_GRACE_DAYS;
}

/** Set the grace period (validated by graceDaysSchema by the caller); returns what changed for the audit log. */
export function setGraceDays({ db, actor }: { db: Db; actor: Actor }, days: number): Record<string, { from: number; to: number }> {
  const before = getGraceDays(db);
  db.prepare(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(KEY, String(days), new Date().toISOString(), actor.login);
  return before === days ? {} : { oidcGraceDays: { from: before, to: days } };
}
