import type { Db } from "../db/open-db";

export type AuditOutcome = "success" | "refused" | "failure";

export interface AuditEntry {
  actor: string;
  role?: string | null;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  /** Plain, non-secret facts about what happened. Never put secret values here. */
  detail?: Record<string, unknown> | null;
  errorId?: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown> | null;
  error_id: string | null;
}

export function recordAudit(db: Db, entry: AuditEntry, at: Date = new Date()): number {
  const info = db
    .prepare(`INSERT INTO audit_log (at, actor, role, action, target, outcome, detail, error_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(
      at.toISOString(),
      entry.actor,
      entry.role ?? null,
      entry.action,
      entry.target ?? null,
      entry.outcome,
      entry.detail ? JSON.stringify(entry.detail) : null,
      entry.errorId ?? null,
    );
  return Number(info.lastInsertRowid);
}

export interface AuditQuery {
  limit?: number;
  beforeId?: number;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditOutcome;
}

export function listAudit(db: Db, q: AuditQuery = {}): AuditRow[] {
  const filters: Array<[string, unknown]> = [];
  if (q.beforeId) filters.push(["id < ?", q.beforeId]);
  if (q.actor) filters.push(["actor = ?", q.actor]);
  if (q.action) filters.push(["action = ?", q.action]);
  if (q.target) filters.push(["target = ?", q.target]);
  if (q.outcome) filters.push(["outcome = ?", q.outcome]);
  const where = filters.map(([clause]) => clause);
  const args = filters.map(([, value]) => value);
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  args.push(Math.min(Math.max(q.limit ?? 50, 1), 500));
  return (db.prepare(sql).all(...args) as Array<Omit<AuditRow, "detail"> & { detail: string | null }>).map((r) => ({
    ...r,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  }));
}
