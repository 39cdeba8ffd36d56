import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";

/** The sandbox keeps its whole state in one SQLite file (plus blobs on disk) so it survives restarts. */
export function openSandboxDb(root: string): Database.Database {
  fs.mkdirSync(root, { recursive: true });
  const db = new Database(path.join(root, "sandbox.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.exec(`CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  return db;
}

export function getMeta(db: Database.Database, key: string): string | undefined {
  const row = db.prepare(`SELECT value FROM sandbox_meta WHERE key = ?`).get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Database.Database, key: string, value: string): void {
  db.prepare(`INSERT INTO sandbox_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
}
