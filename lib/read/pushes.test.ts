import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../infra/db/open-db";
import { recordWorkerSeen } from "../operations/pushes/job-parts-store";
import { readPushes } from "./pushes";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("readPushes' workers", () => {
  it("marks a worker not heard from for over five minutes (gone or stuck), not one that asked a minute ago", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-read-pushes-"));
    dirs.push(dir);
    const db = openDb(dir);
    const now = new Date("2026-12-03T12:00:00Z");
    recordWorkerSeen(db, { workerId: "live", kind: "embedded", platforms: ["linux/amd64"], now: new Date(now.getTime() - 60_000) });
    recordWorkerSeen(db, { workerId: "gone", kind: "standalone", platforms: ["linux/arm64"], now: new Date(now.getTime() - 6 * 60_000) });
    const { workers } = readPushes({ db, now: () => now });
    expect(Object.fromEntries(workers.map((w) => [w.workerId, w.silent]))).toEqual({ live: false, gone: true });
    db.close();
  });
});
