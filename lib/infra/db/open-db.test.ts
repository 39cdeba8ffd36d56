import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkDataDirWritable, openDb, schemaVersion } from "./open-db";
import { migrations } from "./migrations";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-db-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("openDb", () => {
  it("creates the file in WAL mode with every migration applied once", () => {
    const dir = tmp();
    const db = openDb(dir);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(schemaVersion(db)).toBe(Math.max(...migrations.map((m) => m.version)));
    db.close();
    const again = openDb(dir);
    const count = again.prepare(`SELECT COUNT(*) AS n FROM schema_migrations`).get() as { n: number };
    expect(count.n).toBe(migrations.length);
    again.close();
  });

  it("keeps data across reopen", () => {
    const dir = tmp();
    const db = openDb(dir);
    db.prepare(`INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('k', 'v', 'now', 'me')`).run();
    db.close();
    const again = openDb(dir);
    expect(again.prepare(`SELECT value FROM settings WHERE key = 'k'`).get()).toEqual({ value: "v" });
    again.close();
  });

  it("rolls back a failing migration entirely", () => {
    const dir = tmp();
    const bad = [...migrations, { version: 999, name: "broken", sql: "CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;" }];
    expect(() => openDb(dir, bad)).toThrow(/no_such_table/);
    const db = openDb(dir);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get()).toBeUndefined();
    expect(schemaVersion(db)).toBe(Math.max(...migrations.map((m) => m.version)));
    db.close();
  });
});

describe("migration 7: interrupted steps", () => {
  it("keeps every step a version-4 store had and then accepts the outcome 'interrupted'", () => {
    const dir = tmp();
    const old = openDb(dir, migrations.filter((m) => m.version <= 4));
    old.prepare(`INSERT INTO rotations (state, trigger, requested_by, user_name, keys_before, created_at, updated_at) VALUES ('running', 'operator', 'me', 'u', '[]', 't', 't')`).run();
    old.prepare(`INSERT INTO rotation_steps (rotation_id, step, name, outcome, started_at, detail) VALUES (1, 5, 'canary', 'running', 't', '{"runId":7}')`).run();
    old.prepare(`INSERT INTO setups (state, requested_by, names, plan, created_at, updated_at) VALUES ('running', 'me', '{}', '[]', 't', 't')`).run();
    old.prepare(`INSERT INTO setup_steps (setup_id, step, outcome, started_at) VALUES (1, 'put-policy', 'running', 't')`).run();
    expect(() => old.prepare(`UPDATE rotation_steps SET outcome = 'interrupted'`).run()).toThrow(/CHECK constraint/);
    old.close();

    const db = openDb(dir);
    expect(db.prepare(`SELECT id, step, outcome, detail FROM rotation_steps`).all()).toEqual([{ id: 1, step: 5, outcome: "running", detail: '{"runId":7}' }]);
    db.prepare(`UPDATE rotation_steps SET outcome = 'interrupted'`).run();
    db.prepare(`UPDATE setup_steps SET outcome = 'interrupted'`).run();
    expect(db.prepare(`SELECT outcome FROM setup_steps`).get()).toEqual({ outcome: "interrupted" });
    // New rows continue the old ids (the AUTOINCREMENT sequence moved with the table).
    const id = db.prepare(`INSERT INTO rotation_steps (rotation_id, step, name, outcome, started_at) VALUES (1, 6, 'deactivate-old-key', 'running', 't')`).run().lastInsertRowid;
    expect(Number(id)).toBe(2);
    expect(() => db.prepare(`UPDATE setup_steps SET outcome = 'lost'`).run()).toThrow(/CHECK constraint/);
    db.close();
  });

  it("keeps every push job a version-9 store had and then accepts the state 'waiting'", () => {
    const dir = tmp();
    const old = openDb(dir, migrations.filter((m) => m.version <= 9));
    old.prepare(`INSERT INTO push_jobs (id, state, trigger, requested_by, sha, max_attempts, created_at, fresh_bases) VALUES ('j1', 'running', 'manual', 'me', 'abc', 3, 't', 1)`).run();
    expect(() => old.prepare(`UPDATE push_jobs SET state = 'waiting'`).run()).toThrow(/CHECK constraint/);
    old.close();

    const db = openDb(dir);
    expect(db.prepare(`SELECT seq, id, state, fresh_bases FROM push_jobs`).all()).toEqual([{ seq: 1, id: "j1", state: "running", fresh_bases: 1 }]);
    db.prepare(`UPDATE push_jobs SET state = 'waiting'`).run();
    // New jobs continue the old sequence (the AUTOINCREMENT sequence moved with the table).
    const seq = db.prepare(`INSERT INTO push_jobs (id, state, trigger, requested_by, sha, max_attempts, created_at) VALUES ('j2', 'queued', 'manual', 'me', 'def', 3, 't')`).run().lastInsertRowid;
    expect(Number(seq)).toBe(2);
    expect(() => db.prepare(`UPDATE push_jobs SET state = 'lost'`).run()).toThrow(/CHECK constraint/);
    db.close();
  });

  it("keeps a version-10 store's jobs, deliveries and accepted heads as the default repository's (repository NULL / '')", () => {
    const dir = tmp();
    const old = openDb(dir, migrations.filter((m) => m.version <= 10));
    old.prepare(`INSERT INTO push_branch_heads (branch, sha, job_id, accepted_at) VALUES ('main', 'abc', 'j1', 't')`).run();
    old.prepare(`INSERT INTO push_jobs (id, state, trigger, requested_by, sha, max_attempts, created_at) VALUES ('j1', 'succeeded', 'webhook', 'github', 'abc', 3, 't')`).run();
    old.close();

    const db = openDb(dir);
    expect(db.prepare(`SELECT repository, branch, sha FROM push_branch_heads`).all()).toEqual([{ repository: "", branch: "main", sha: "abc" }]);
    expect(db.prepare(`SELECT repository FROM push_jobs WHERE id = 'j1'`).get()).toEqual({ repository: null });
    // The same branch of another repository is a head of its own.
    db.prepare(`INSERT INTO push_branch_heads (repository, branch, sha, job_id, accepted_at) VALUES ('acme/web-gateway', 'main', 'def', NULL, 't')`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM push_branch_heads WHERE branch = 'main'`).get()).toEqual({ n: 2 });
    db.close();
  });
});

describe("checkDataDirWritable", () => {
  it("accepts a writable directory and reports an unwritable one", () => {
    expect(checkDataDirWritable(tmp())).toBeNull();
    const file = path.join(tmp(), "a-file");
    fs.writeFileSync(file, "x");
    expect(checkDataDirWritable(path.join(file, "sub"))).toMatch(/cannot write/);
  });
});
