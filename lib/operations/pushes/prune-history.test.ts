import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../../infra/db/open-db";
import { appendJobLog, enqueueJob, getJob, readJobLog } from "./job-store";
import { pruneHistory } from "./prune-history";
import { lastBuildCacheDrop, recentImageInputs, recordImageInputs, requestBuildCacheDrop } from "./build-records";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-prune-"));
const db = openDb(dir);
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

describe("pruneHistory", () => {
  it("forgets finished jobs, their logs and deliveries past the retention, keeps recent and unfinished ones, and compacts the file", () => {
    const old = enqueueJob(db, { sha: "a".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" }, days(40)).job;
    db.prepare(`UPDATE push_jobs SET state = 'succeeded', finished_at = ? WHERE id = ?`).run(days(40).toISOString(), old.id);
    const oldQueued = enqueueJob(db, { sha: "b".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" }, days(40)).job;
    const recent = enqueueJob(db, { sha: "c".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" }, days(2)).job;
    db.prepare(`UPDATE push_jobs SET state = 'failed', finished_at = ? WHERE id = ?`).run(days(2).toISOString(), recent.id);
    const big = Array.from({ length: 3000 }, (_, i) => ({ stream: "stdout", line: `${i} ${"z".repeat(200)}` }));
    appendJobLog(db, { jobId: old.id, attempt: 1, lines: big }, { headBytes: 10_000_000, tailBytes: 10_000_000 });
    appendJobLog(db, { jobId: recent.id, attempt: 1, lines: [{ stream: "stdout", line: "keep me" }] });
    const insert = db.prepare(`INSERT INTO webhook_deliveries (id, event, received_at, outcome, body_bytes) VALUES (?, 'push', ?, ?, 10)`);
    insert.run("old-delivery", days(40).toISOString(), "ignored");
    insert.run("old-pending", days(40).toISOString(), "pending");
    insert.run("new-delivery", days(1).toISOString(), "enqueued");

    const out = pruneHistory(db, { retentionDays: 30 });
    expect(out).toMatchObject({ jobs: 1, logLines: 3000, deliveries: 1, vacuumed: true });
    expect(getJob(db, old.id)).toBeNull();
    expect(readJobLog(db, old.id)).toEqual([]);
    expect(getJob(db, oldQueued.id)?.state).toBe("queued");
    expect(readJobLog(db, recent.id).map((l) => l.line)).toEqual(["keep me"]);
    const ids = (db.prepare(`SELECT id FROM webhook_deliveries ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(["new-delivery", "old-pending"]);
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    // Nothing more to do the second time.
    expect(pruneHistory(db, { retentionDays: 30 })).toEqual({ jobs: 0, logLines: 0, deliveries: 0, vacuumed: false });
  });

  it("keeps the five most recent build-input records per repository and the last cache-drop request, whatever their age", () => {
    const digest = (n: number) => `sha256:${String(n).padStart(64, "0")}`;
    for (let i = 0; i < 8; i++) recordImageInputs(db, { repository: "api", imageDigest: digest(i), inputsDigest: digest(100 + i), jobId: "j" }, days(60 - i));
    recordImageInputs(db, { repository: "web", imageDigest: digest(50), inputsDigest: digest(150), jobId: "j" }, days(90));
    recordImageInputs(db, { repository: "web", imageDigest: digest(51), inputsDigest: digest(151), jobId: "j" }, days(1));
    requestBuildCacheDrop(db, "a", days(50));
    requestBuildCacheDrop(db, "b", days(40));
    pruneHistory(db, { retentionDays: 30 });
    const left = db.prepare(`SELECT repository, image_digest FROM image_build_inputs ORDER BY repository, image_digest`).all() as { repository: string; image_digest: string }[];
    expect(left.filter((r) => r.repository === "api").map((r) => r.image_digest)).toEqual([3, 4, 5, 6, 7].map(digest));
    expect(left.filter((r) => r.repository === "web")).toHaveLength(2);
    expect(recentImageInputs(db)).toHaveLength(7);
    expect(lastBuildCacheDrop(db)?.requestedBy).toBe("b");
    expect((db.prepare(`SELECT COUNT(*) AS n FROM build_cache_drops`).get() as { n: number }).n).toBe(1);
  });
});
