import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../../infra/db/open-db";
import { appendCappedJobLog } from "./cap-job-log";
import { enqueueJob, readJobLog } from "./job-store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-logcap-"));
const db = openDb(dir);
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const limits = { headBytes: 1000, tailBytes: 2000 };
const line = (i: number) => ({ stream: "stdout", line: `line ${String(i).padStart(5, "0")} ${"x".repeat(30)}` });

describe("appendCappedJobLog", () => {
  it("keeps everything under the cap", () => {
    const { job } = enqueueJob(db, { sha: "a".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" });
    appendCappedJobLog(db, { jobId: job.id, attempt: 1, lines: [line(0), line(1)] }, limits);
    expect(readJobLog(db, job.id).map((l) => l.line)).toEqual([line(0).line, line(1).line]);
  });

  it("keeps the head and the tail of an endless log, with one line saying how much was cut, in order", () => {
    const { job } = enqueueJob(db, { sha: "b".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" });
    // 5,000 lines in batches of 50: far past head + tail.
    for (let b = 0; b < 100; b++) appendCappedJobLog(db, { jobId: job.id, attempt: 1, lines: Array.from({ length: 50 }, (_, i) => line(b * 50 + i)) }, limits);
    const log = readJobLog(db, job.id, 0, 100_000);
    const ids = log.map((l) => l.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const markerAt = log.findIndex((l) => l.line.startsWith("[deckhand] …"));
    expect(markerAt).toBeGreaterThan(0);
    expect(log.filter((l) => l.line.startsWith("[deckhand] …"))).toHaveLength(1);
    // Head: the first lines as they came; tail: the very last line is there.
    expect(log.slice(0, markerAt).map((l) => l.line)).toEqual(Array.from({ length: markerAt }, (_, i) => line(i).line));
    expect(log.at(-1)!.line).toBe(line(4999).line);
    const cut = /… ([\d,]+) lines \((.+)\) of output cut here/.exec(log[markerAt].line)!;
    const kept = log.length - 1;
    expect(Number(cut[1].replace(/,/g, "")) + kept).toBe(5000);
    const bytes = log.reduce((n, l) => n + Buffer.byteLength(l.line) + 64, 0);
    expect(bytes).toBeLessThan(limits.headBytes + limits.tailBytes + 400);
  });

  it("cuts a single endless line to 8192 characters", () => {
    const { job } = enqueueJob(db, { sha: "c".repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" });
    appendCappedJobLog(db, { jobId: job.id, attempt: 1, lines: [{ stream: "stdout", line: "y".repeat(100_000) }] });
    expect(readJobLog(db, job.id)[0].line).toHaveLength(8192);
  });
});
