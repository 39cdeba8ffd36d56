/**
 * Versioned, append-only migrations. Never edit a released one: add the next version.
 * Reserved while features are built in parallel: 2 = pushes (webhook deliveries, jobs, job logs),
 * 3 = key rotation, 4 = guided setup, 5 = posture snapshots/cache. Append in version order.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: "audit log and settings",
    sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'refused', 'failure')),
        detail TEXT,
        error_id TEXT
      );
      CREATE INDEX audit_log_at ON audit_log (at DESC);
      CREATE INDEX audit_log_action ON audit_log (action);
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
    `,
  },
];
