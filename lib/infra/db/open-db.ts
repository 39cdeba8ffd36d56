import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { migrations as allMigrations, type Migration } from "./migrations";

export type Db = Database.Database;

export const DB_FILE = "deckhand.db";

/**
 * Open (creating if needed) the store under dataDir, in WAL mode, and apply pending migrations,
 * each in its own transaction so a crash mid-migration leaves the previous version intact.
 */
export function openDb(dataDir: string, migrations: Migration[] = allMigrations): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DB_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Several processes (app, workers, CLI) share the file: wait for locks instead of failing.
  db.pragma("busy_timeout = 5000");
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, migrations: Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set((db.prepare(`SELECT version FROM schema_migrations`).all() as { version: number }[]).map((r) => r.version));
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE: two processes starting together must not both apply the same version.
    db.transaction(() => {
      const again = db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`).get(m.version);
      if (again) return;
      db.exec(m.sql);
      db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`).run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}

export function schemaVersion(db: Db): number {
  const row = db.prepare(`SELECT MAX(version) AS v FROM schema_migrations`).get() as { v: number | null };
  return row.v ?? 0;
}

/** Fail early, naming the setting, when the data dir cannot hold the store. */
export function checkDataDirWritable(dataDir: string): string | null {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, "ok");
    fs.unlinkSync(probe);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return `cannot write to ${dataDir} (${code}); point it at a writable directory`;
  }
}
