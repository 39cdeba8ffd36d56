import { z } from "zod";
import type { Actor } from "../context";
import type { Db } from "../../infra/db/open-db";

// Whether GitHub's push webhook makes Deckhand build and push. Off when the repository's own workflow is the one
// pusher (the "two pushers" finding's second way out): deliveries are then recorded as ignored, saying why.
// Operators' own pushes (the Pushes page, POST /api/push) still run: they are asked for explicitly.

const KEY = "pushes.webhook";

export const webhookPushesSchema = z.object({ enabled: z.enum(["on", "off"], { error: 'must be "on" or "off"' }) });

/** true unless an operator turned webhook pushes off in Settings. */
export function getWebhookPushes(db: Db): boolean {
  const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get(KEY) as { value: string } | undefined;
  return row?.value !== "off";
}

/** Turn webhook pushes on or off; returns what changed (for the audit log), empty when nothing did. */
export function setWebhookPushes({ db, actor }: { db: Db; actor: Actor }, enabled: boolean): Record<string, { from: boolean; to: boolean }> {
  const before = getWebhookPushes(db);
  db.prepare(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(KEY, enabled ? "on" : "off", new Date().toISOString(), actor.login);
  return before === enabled ? {} : { webhookPushes: { from: before, to: enabled } };
}
