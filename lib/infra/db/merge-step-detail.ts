import type { Db } from "./open-db";

/**
 * Merge progress into a step's JSON detail (a rotation's canary run id, a setup's push job id) in one
 * IMMEDIATE transaction, so a resuming process finds it. The table is one of the step logs, never input.
 */
export function mergeStepDetail(db: Db, table: "rotation_steps" | "setup_steps" | "oidc_move_steps", stepId: number, detail: Record<string, unknown>): void {
  db.transaction(() => {
    const row = db.prepare(`SELECT detail FROM ${table} WHERE id = ?`).get(stepId) as { detail: string | null } | undefined;
    const merged = { ...(row?.detail ? JSON.parse(row.detail) : {}), ...detail };
    db.prepare(`UPDATE ${table} SET detail = ? WHERE id = ?`).run(JSON.stringify(merged), stepId);
  }).immediate();
}
