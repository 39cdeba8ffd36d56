import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb, type Db } from "../../infra/db/open-db";
import { cancelJob, claimNextJob, enqueueJob, getJob, listServiceResults, recordServiceResult, reportJobResult } from "./job-store";
import { claimNextPart, heartbeatPart, holdsLease, listJobParts, listWorkers, recordWorkerSeen, reportPartResult, sweepJobParts } from "./job-parts-store";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function db(): Db {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-parts-"));
  dirs.push(d);
  return openDb(d);
}
const sha = (c: string) => c.repeat(40);
const push = (s: string) => ({ sha: sha(s), branch: "main", ref: "refs/heads/main", trigger: "webhook" as const, requestedBy: "github" });
const T0 = 1_800_000_000_000;
const AMD = ["linux/amd64"];
const ARM = ["linux/amd64", "linux/arm64"];

/** A job worker A ran: `web` pushed, `arm` left waiting for linux/arm64. */
function waitingJob(store: Db, c = "a") {
  const { job } = enqueueJob(store, push(c)) as { job: { id: string } };
  const claim = claimNextJob(store, { workerId: "A", now: T0 })!;
  recordServiceResult(store, { jobId: job.id, workerId: "A", attempt: claim.attempt, result: { service: "web", repository: "web", decision: "pushed", localManifestDigest: "sha256:" + "1".repeat(64) } });
  recordServiceResult(store, { jobId: job.id, workerId: "A", attempt: claim.attempt, result: { service: "arm", repository: "arm", decision: "waiting", detail: "waits-for-platform: waits for a worker that can build linux/arm64" } });
  const d = reportJobResult(store, {
    jobId: job.id,
    workerId: "A",
    attempt: claim.attempt,
    result: "succeeded",
    summary: { services: [] },
    waiting: [{ service: "arm", repository: "arm", platform: "linux/arm64" }],
    waitMinutes: 1,
    now: new Date(T0),
  });
  expect(d).toEqual({ ok: true });
  return job.id;
}

describe("holdsLease: the fence of a worker's other calls", () => {
  it("a running job's worker at its attempt; nobody once the job left running", () => {
    const store = db();
    const { job } = enqueueJob(store, push("f")) as { job: { id: string } };
    const claim = claimNextJob(store, { workerId: "A", now: T0 })!;
    expect(holdsLease(store, { jobId: job.id, workerId: "A", attempt: claim.attempt })).toBe(true);
    expect(holdsLease(store, { jobId: job.id, workerId: "B", attempt: claim.attempt })).toBe(false);
    expect(holdsLease(store, { jobId: job.id, workerId: "A", attempt: claim.attempt + 1 })).toBe(false);
    expect(holdsLease(store, { jobId: "no-such-job", workerId: "A", attempt: claim.attempt })).toBe(false);
    expect(reportJobResult(store, { jobId: job.id, workerId: "A", attempt: claim.attempt, result: "succeeded" })).toEqual({ ok: true });
    expect(holdsLease(store, { jobId: job.id, workerId: "A", attempt: claim.attempt })).toBe(false);
  });
  it("a part's holder at the part's attempt, only while the job waits for it", () => {
    const store = db();
    const id = waitingJob(store, "g");
    // The job's worker no longer holds the (waiting) job, and holds no part.
    expect(holdsLease(store, { jobId: id, workerId: "A", attempt: 1 })).toBe(false);
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "B", attempt: 1 })).toBe(false);
    claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: T0 + 1 });
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "B", attempt: 1 })).toBe(true);
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "A", attempt: 1 })).toBe(false);
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "B", attempt: 2 })).toBe(false);
    expect(holdsLease(store, { jobId: id, service: "web", workerId: "B", attempt: 1 })).toBe(false);
    // A job that no longer waits (ended by another path while the part's row still says running): the part is nobody's.
    store.prepare(`UPDATE push_jobs SET state = 'failed' WHERE id = ?`).run(id);
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "B", attempt: 1 })).toBe(false);
  });
  it("nobody's after a cancel", () => {
    const store = db();
    const id = waitingJob(store, "h");
    claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: T0 + 1 });
    cancelJob(store, id);
    expect(holdsLease(store, { jobId: id, service: "arm", workerId: "B", attempt: 1 })).toBe(false);
  });
});

describe("job parts in the store", () => {
  it("a job with a waiting service waits; only a worker reporting the platform claims the part; its result finishes the job", () => {
    const store = db();
    const id = waitingJob(store);
    expect(getJob(store, id)).toMatchObject({ state: "waiting", finishedAt: null });
    expect(listJobParts(store, id)).toMatchObject([{ service: "arm", platform: "linux/arm64", state: "waiting", deadline: T0 + 60_000 }]);

    expect(claimNextPart(store, { workerId: "A", platforms: AMD, leaseMs: 30_000, now: T0 + 1 })).toBeNull();
    // The waiting job is not a queued job: no worker claims it whole again.
    expect(claimNextJob(store, { workerId: "A", now: T0 + 1 })).toBeNull();
    const part = claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: T0 + 2 })!;
    expect(part).toMatchObject({ attempt: 1, part: { service: "arm", state: "running", workerId: "B" }, job: { id } });
    expect(claimNextPart(store, { workerId: "C", platforms: ARM, leaseMs: 30_000, now: T0 + 3 })).toBeNull();

    expect(heartbeatPart(store, { jobId: id, service: "arm", workerId: "A", attempt: 1, leaseMs: 30_000, now: T0 + 4 })).toEqual({ ok: false, reason: "lease-lost" });
    expect(heartbeatPart(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, leaseMs: 30_000, now: T0 + 4 })).toEqual({ ok: true, leaseUntil: T0 + 30_004 });

    const pushed = { service: "arm", repository: "arm", decision: "pushed" as const, localManifestDigest: "sha256:" + "2".repeat(64) };
    expect(reportPartResult(store, { jobId: id, service: "arm", workerId: "A", attempt: 1, result: pushed, now: T0 + 5 }).decision).toEqual({ ok: false, reason: "lease-lost" });
    const out = reportPartResult(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, result: pushed, now: T0 + 5 });
    expect(out.decision).toEqual({ ok: true });
    expect(out.finished?.summary).toEqual({ state: "succeeded", status: { state: "success", description: "pushed arm, web" } });
    expect(getJob(store, id)).toMatchObject({ state: "succeeded", error: null });
    // The part's record replaced the "waiting" one, under the job's attempt.
    expect(listServiceResults(store, id).map((s) => [s.service, s.decision, s.attempt])).toEqual([
      ["arm", "pushed", 1],
      ["web", "pushed", 1],
    ]);
    // A late second report changes nothing.
    expect(reportPartResult(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, result: { ...pushed, decision: "failed" }, now: T0 + 6 }).decision).toEqual({ ok: false, reason: "not-running" });
  });

  it("a part nobody claims fails at its deadline, and the job fails saying which platform waited in vain", () => {
    const store = db();
    const id = waitingJob(store);
    expect(sweepJobParts(store, { now: T0 + 59_999, waitMinutes: 1 })).toEqual([]);
    const finished = sweepJobParts(store, { now: T0 + 60_000, waitMinutes: 1 });
    expect(finished.map((f) => [f.job.id, f.summary.state])).toEqual([[id, "failed"]]);
    expect(finished[0].summary.status.description).toBe("pushed web; failed arm");
    expect(getJob(store, id)).toMatchObject({ state: "failed", error: "arm: platform-unavailable: no worker that can build linux/arm64 claimed it within 1 min" });
    expect(listJobParts(store, id)[0]).toMatchObject({ state: "failed", error: "no worker that can build linux/arm64 claimed it within 1 min" });
    expect(claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: T0 + 60_001 })).toBeNull();
  });

  it("a part whose worker died waits again; the dead worker's late report is refused, the new holder's counts", () => {
    const store = db();
    const id = waitingJob(store);
    claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 10_000, now: T0 });
    expect(sweepJobParts(store, { now: T0 + 10_000, waitMinutes: 1 })).toEqual([]);
    expect(listJobParts(store, id)[0]).toMatchObject({ state: "waiting", attempts: 1, workerId: null, deadline: T0 + 70_000 });
    const again = claimNextPart(store, { workerId: "B2", platforms: ARM, leaseMs: 10_000, now: T0 + 10_001 })!;
    expect(again.attempt).toBe(2);
    const failed = { service: "arm", repository: "arm", decision: "failed" as const, detail: "build-failed: exec format error" };
    expect(reportPartResult(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, result: failed }).decision).toEqual({ ok: false, reason: "lease-lost" });
    expect(reportPartResult(store, { jobId: id, service: "arm", workerId: "B2", attempt: 2, result: failed }).decision).toEqual({ ok: true });
    expect(getJob(store, id)).toMatchObject({ state: "failed", error: "arm: build-failed: exec format error" });
  });

  it("cancelling a waiting job ends its parts and stops the part's worker at its next heartbeat", () => {
    const store = db();
    const id = waitingJob(store);
    claimNextPart(store, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: T0 });
    expect(cancelJob(store, id)).toEqual({ ok: true, workerMustStop: true });
    expect(listJobParts(store, id)[0].state).toBe("cancelled");
    expect(heartbeatPart(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, leaseMs: 30_000, now: T0 + 1 })).toEqual({ ok: false, reason: "cancelled" });
    expect(reportPartResult(store, { jobId: id, service: "arm", workerId: "B", attempt: 1, result: { service: "arm", repository: "arm", decision: "pushed" } }).decision.ok).toBe(false);
    expect(getJob(store, id)?.state).toBe("cancelled");
  });

  it("a newer push supersedes a waiting job whose part nobody builds, but not one whose part is being built", () => {
    const store = db();
    const id = waitingJob(store, "a");
    const newer = enqueueJob(store, push("b"));
    expect(newer).toMatchObject({ kind: "enqueued", superseded: [id] });
    expect(getJob(store, id)).toMatchObject({ state: "superseded" });
    expect(listJobParts(store, id)[0].state).toBe("superseded");

    const store2 = db();
    const id2 = waitingJob(store2, "a");
    claimNextPart(store2, { workerId: "B", platforms: ARM, leaseMs: 30_000, now: Date.now() });
    expect(enqueueJob(store2, push("b"))).toMatchObject({ kind: "enqueued", superseded: [] });
    expect(getJob(store2, id2)?.state).toBe("waiting");
  });

  it("records each worker's platforms and when it was last seen", () => {
    const store = db();
    recordWorkerSeen(store, { workerId: "A", kind: "embedded", platforms: AMD, now: new Date(T0) });
    recordWorkerSeen(store, { workerId: "B", kind: "standalone", platforms: ARM, now: new Date(T0 + 1000) });
    recordWorkerSeen(store, { workerId: "A", kind: "embedded", platforms: AMD, now: new Date(T0 + 2000) });
    expect(listWorkers(store)).toEqual([
      { workerId: "A", kind: "embedded", platforms: AMD, firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + 2000).toISOString() },
      { workerId: "B", kind: "standalone", platforms: ARM, firstSeen: new Date(T0 + 1000).toISOString(), lastSeen: new Date(T0 + 1000).toISOString() },
    ]);
  });
});
