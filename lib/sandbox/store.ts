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
  reusePreparedStatements(db);
  return db;
}

/** Distinct SQL texts kept prepared; texts built with values in them would otherwise grow the cache without bound. */
const PREPARED_MAX = 500;

/**
 * `db.prepare(sql)` answers the statement it prepared before for the same text: better-sqlite3 parses and plans the
 * SQL on every prepare (a tenth of a millisecond), and every request prepares several (the repository, the caller's
 * permission, the handler's own reads), which was a tenth of a 200-repository Fleet read's time. A statement is
 * stateless between runs (no bind() is used here) except its pluck/raw/expand mode, reset on each reuse; SQLite
 * re-prepares it itself after a schema change. Least recently used texts are dropped past PREPARED_MAX.
 */
function reusePreparedStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const known = cache.get(sql);
    if (known) {
      cache.delete(sql);
      cache.set(sql, known);
      if (known.reader) known.pluck(false).raw(false).expand(false);
      return known;
    }
    const statement = prepare(sql);
    if (cache.size >= PREPARED_MAX) cache.delete(cache.keys().next().value!);
    cache.set(sql, statement);
    return statement;
  }) as Database.Database["prepare"];
}

export function getMeta(db: Database.Database, key: string): string | undefined {
  const row = db.prepare(`SELECT value FROM sandbox_meta WHERE key = ?`).get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Database.Database, key: string, value: string): void {
  db.prepare(`INSERT INTO sandbox_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
}
