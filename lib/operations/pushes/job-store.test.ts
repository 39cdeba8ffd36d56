import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../../infra/db/open-db";
import {
  jobOutcomesSince,
  lastPushPerService,
  appendJobLog,
  cancelJob,
  claimNextJob,
  enqueueJob,
  getJob,
  heartbeatJob,
  readJobLog,
  recordServiceResult,
  reportJobResult,
} from "./job-store";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function dir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-jobs-"));
  dirs.push(d);
  return d;
}
const sha = (c: string) => c.repeat(40);
const push = (s: string, branch: string | null = "main") => ({ sha: sha(s), branch, ref: branch ? `refs/heads/${branch}` : null, trigger: "webhook" as const, requestedBy: "github" });

describe("job store", () => {
  it("supersedes queued jobs of the same branch and never queues the same commit twice", () => {
    const db = openDb(dir());
    const a = enqueueJob(db, push("a"));
    const other = enqueueJob(db, push("c", "feature"));
    const b = enqueueJob(db, push("b"));
    expect(b.kind).toBe("enqueued");
    if (a.kind !== "enqueued" || b.kind !== "enqueued" || other.kind !== "enqueued") throw new Error("expected enqueued");
    expect(b.superseded).toEqual([a.job.id]);
    expect(getJob(db, a.job.id)).toMatchObject({ state: "superseded", supersededBy: b.job.id });
    expect(getJob(db, other.job.id)?.state).toBe("queued");
    const again = enqueueJob(db, push("b"));
    expect(again).toMatchObject({ kind: "duplicate", job: { id: b.job.id } });
  });

  it("hands a job to exactly one of two workers sharing the file", () => {
    const d = dir();
    const db1 = openDb(d);
    const db2 = openDb(d);
    enqueueJob(db1, push("a"));
    const c1 = claimNextJob(db1, { workerId: "w1" });
    const c2 = claimNextJob(db2, { workerId: "w2" });
    expect(c1?.attempt).toBe(1);
    expect(c2).toBeNull();
  });

  it("requeues a job whose worker stopped heartbeating, and fences the old worker out", () => {
    const db = openDb(dir());
    const { job } = enqueueJob(db, push("a")) as { job: { id: string } };
    const t0 = 1_000_000;
    const first = claimNextJob(db, { workerId: "dead", leaseMs: 1000, now: t0 })!;
    expect(heartbeatJob(db, { jobId: job.id, workerId: "dead", attempt: 1, now: t0 + 500, leaseMs: 1000 })).toMatchObject({ ok: true });
    // The lease runs out: another worker's claim sweeps it back into the queue and takes it.
    const second = claimNextJob(db, { workerId: "alive", leaseMs: 1000, now: t0 + 5000 })!;
    expect(second.job.id).toBe(first.job.id);
    expect(second.attempt).toBe(2);
    expect(heartbeatJob(db, { jobId: job.id, workerId: "dead", attempt: 1, now: t0 + 5001 })).toMatchObject({ ok: false, reason: "lease-lost" });
    expect(reportJobResult(db, { jobId: job.id, workerId: "dead", attempt: 1, result: "succeeded" })).toMatchObject({ ok: false });
    expect(recordServiceResult(db, { jobId: job.id, workerId: "dead", attempt: 1, result: { service: "s", repository: "s", decision: "pushed" } })).toBe(false);
    expect(reportJobResult(db, { jobId: job.id, workerId: "alive", attempt: 2, result: "skipped" })).toEqual({ ok: true });
    expect(getJob(db, job.id)?.state).toBe("skipped");
  });

  it("fails a job after its last attempt's lease expires", () => {
    const db = openDb(dir());
    const { job } = enqueueJob(db, { ...push("a"), maxAttempts: 1 }) as { job: { id: string } };
    claimNextJob(db, { workerId: "w", leaseMs: 10, now: 0 });
    expect(claimNextJob(db, { workerId: "w2", now: 100 })).toBeNull();
    expect(getJob(db, job.id)).toMatchObject({ state: "failed", error: expect.stringMatching(/no attempts remain/) });
  });

  it("cancels queued and running jobs; a running worker learns it on its heartbeat", () => {
    const db = openDb(dir());
    const { job } = enqueueJob(db, push("a")) as { job: { id: string } };
    claimNextJob(db, { workerId: "w" });
    expect(cancelJob(db, job.id)).toEqual({ ok: true, workerMustStop: true });
    expect(heartbeatJob(db, { jobId: job.id, workerId: "w", attempt: 1 })).toMatchObject({ ok: false, reason: "cancelled" });
    expect(cancelJob(db, job.id)).toEqual({ ok: false, reason: "already-finished" });
    expect(cancelJob(db, "nope")).toEqual({ ok: false, reason: "not-found" });
  });

  it("keeps log lines in order per job", () => {
    const db = openDb(dir());
    const { job } = enqueueJob(db, push("a")) as { job: { id: string } };
    appendJobLog(db, { jobId: job.id, attempt: 1, lines: [{ stream: "stdout", line: "one" }, { stream: "stderr", line: "two" }] });
    const lines = readJobLog(db, job.id);
    expect(lines.map((l) => l.line)).toEqual(["one", "two"]);
    expect(readJobLog(db, job.id, lines[0].id).map((l) => l.line)).toEqual(["two"]);
  });

  it("summarises the last decision per service and finished jobs for charts", () => {
    const db = openDb(dir());
    const run = (s: string, decisions: Record<string, "pushed" | "skipped" | "failed">, result: "succeeded" | "skipped" | "failed") => {
      const { job } = enqueueJob(db, { ...push(s), branch: null }) as { job: { id: string } };
      const claim = claimNextJob(db, { workerId: "w" })!;
      for (const [service, decision] of Object.entries(decisions)) recordServiceResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result: { service, repository: service, decision } });
      reportJobResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result });
      return job.id;
    };
    run("a", { tcp: "pushed", http: "pushed" }, "succeeded");
    const second = run("b", { tcp: "skipped" }, "skipped");
    run("c", {}, "failed");
    const last = lastPushPerService(db);
    expect(last.map((l) => [l.service, l.decision, l.sha[0]])).toEqual([
      ["http", "pushed", "a"],
      ["tcp", "skipped", "b"],
    ]);
    expect(last.find((l) => l.service === "tcp")?.jobId).toBe(second);
    // http is not in the newest job that resolved the compose file: removed since, its last push is history.
    expect(last.map((l) => [l.service, l.inCurrentCompose])).toEqual([
      ["http", false],
      ["tcp", true],
    ]);
    expect(jobOutcomesSince(db, 30).map((o) => o.outcome).sort()).toEqual(["failure", "success", "success"]);
  });

  it("per repository: another served repository's jobs are neither this one's services nor its chart", () => {
    const db = openDb(dir());
    const run = (s: string, repository: string | null, decisions: Record<string, "pushed" | "failed">, result: "succeeded" | "failed") => {
      const { job } = enqueueJob(db, { ...push(s), branch: null, repository }) as { job: { id: string } };
      const claim = claimNextJob(db, { workerId: "w" })!;
      for (const [service, decision] of Object.entries(decisions)) recordServiceResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result: { service, repository: service, decision } });
      reportJobResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result });
    };
    // The default repository's job (stored without a name, as before several repositories), then another's, failing
    // on a service of the same name.
    run("a", null, { tcp: "pushed" }, "succeeded");
    run("b", "acme/billing-worker", { tcp: "failed", worker: "failed" }, "failed");
    const own = { name: "acme/mcp-servers", isDefault: true };
    expect(lastPushPerService(db, own).map((l) => [l.service, l.decision, l.sha[0], l.inCurrentCompose])).toEqual([["tcp", "pushed", "a", true]]);
    expect(jobOutcomesSince(db, 30, new Date(), own).map((o) => o.outcome)).toEqual(["success"]);
    const other = { name: "ACME/billing-worker", isDefault: false };
    expect(lastPushPerService(db, other).map((l) => [l.service, l.decision])).toEqual([
      ["tcp", "failed"],
      ["worker", "failed"],
    ]);
    expect(jobOutcomesSince(db, 30, new Date(), other).map((o) => o.outcome)).toEqual(["failure"]);
    expect(lastPushPerService(db, { name: "acme/web-gateway", isDefault: false })).toEqual([]);
  });

  it("a job still running neither shows its services nor hides the finished job's (only finished jobs count)", () => {
    const db = openDb(dir());
    const { job: done } = enqueueJob(db, { ...push("a"), branch: null }) as { job: { id: string } };
    let claim = claimNextJob(db, { workerId: "w" })!;
    for (const service of ["tcp", "http"]) recordServiceResult(db, { jobId: done.id, workerId: "w", attempt: claim.attempt, result: { service, repository: service, decision: "pushed" } });
    reportJobResult(db, { jobId: done.id, workerId: "w", attempt: claim.attempt, result: "succeeded" });
    const { job: running } = enqueueJob(db, { ...push("b"), branch: null }) as { job: { id: string } };
    claim = claimNextJob(db, { workerId: "w" })!;
    recordServiceResult(db, { jobId: running.id, workerId: "w", attempt: claim.attempt, result: { service: "http", repository: "http", decision: "skipped" } });
    expect(lastPushPerService(db).map((l) => [l.service, l.decision, l.sha[0], l.inCurrentCompose])).toEqual([
      ["http", "pushed", "a", true],
      ["tcp", "pushed", "a", true],
    ]);
  });
});
