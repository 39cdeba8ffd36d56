import { describe, expect, it } from "vitest";
import {
  decideJobAfterParts,
  decideLeaseFence,
  decidePartClaim,
  decidePartHeartbeat,
  decidePartReport,
  decidePartSweep,
  describeWaiting,
  reportsPlatform,
  timeoutReason,
  type PartLease,
} from "./job-parts";
import { decideCancel, decideEnqueue, decideReport, type JobLease } from "./job-states";

const NOW = 1_800_000_000_000;
const LEASE = 30_000;
const waiting: PartLease = { state: "waiting", platform: "linux/arm64", attempts: 0, maxAttempts: 3, deadline: NOW + 60_000 };
const running: PartLease = { ...waiting, state: "running", attempts: 1, workerId: "b", leaseUntil: NOW + LEASE };

describe("who may claim a part", () => {
  it("a worker reporting the part's platform, while the job waits and before the deadline", () => {
    expect(decidePartClaim({ part: waiting, jobState: "waiting", workerId: "b", platforms: ["linux/amd64", "linux/arm64"], now: NOW, leaseMs: LEASE })).toEqual({
      ok: true,
      state: "running",
      attempts: 1,
      workerId: "b",
      leaseUntil: NOW + LEASE,
    });
  });
  it("never a worker that does not report it, whatever else it builds", () => {
    expect(decidePartClaim({ part: waiting, jobState: "waiting", workerId: "a", platforms: ["linux/amd64"], now: NOW, leaseMs: LEASE })).toEqual({ ok: false, reason: "wrong-platform" });
    // A worker from before platforms were reported says nothing: it gets no part.
    expect(decidePartClaim({ part: waiting, jobState: "waiting", workerId: "a", platforms: [], now: NOW, leaseMs: LEASE })).toEqual({ ok: false, reason: "wrong-platform" });
    // Same architecture, another OS: not the same platform.
    expect(reportsPlatform(["windows/arm64"], "linux/arm64")).toBe(false);
  });
  it("a variant counts as its architecture (linux/arm64/v8 builds linux/arm64)", () => {
    expect(reportsPlatform(["linux/arm64/v8"], "linux/arm64")).toBe(true);
    expect(reportsPlatform(["linux/arm64"], "linux/arm/v7")).toBe(false);
  });
  it("not once the part is taken, the job is cancelled or superseded, the deadline passed, or attempts are spent", () => {
    const claim = (part: PartLease, jobState: "waiting" | "cancelled" | "superseded" = "waiting") =>
      decidePartClaim({ part, jobState, workerId: "b", platforms: ["linux/arm64"], now: NOW, leaseMs: LEASE });
    expect(claim(running)).toEqual({ ok: false, reason: "not-waiting" });
    expect(claim(waiting, "cancelled")).toEqual({ ok: false, reason: "job-not-waiting" });
    expect(claim(waiting, "superseded")).toEqual({ ok: false, reason: "job-not-waiting" });
    expect(claim({ ...waiting, deadline: NOW })).toEqual({ ok: false, reason: "past-deadline" });
    expect(claim({ ...waiting, attempts: 3 })).toEqual({ ok: false, reason: "attempts-exhausted" });
  });
});

describe("a part's lease, fenced by worker id and attempt", () => {
  const beat = (part: PartLease, workerId: string, attempt: number, jobState: "waiting" | "cancelled" = "waiting") =>
    decidePartHeartbeat({ part, jobState, workerId, attempt, now: NOW, leaseMs: LEASE });
  it("extends the holder's lease", () => {
    expect(beat(running, "b", 1)).toEqual({ ok: true, leaseUntil: NOW + LEASE });
  });
  it("refuses another worker, and the same worker quoting an older attempt (a retry after requeue)", () => {
    expect(beat(running, "c", 1)).toEqual({ ok: false, reason: "lease-lost" });
    expect(beat({ ...running, attempts: 2 }, "b", 1)).toEqual({ ok: false, reason: "lease-lost" });
  });
  it("tells the worker to stop when the job was cancelled, and when its lease ran out", () => {
    expect(beat(running, "b", 1, "cancelled")).toEqual({ ok: false, reason: "cancelled" });
    expect(beat({ ...running, leaseUntil: NOW }, "b", 1)).toEqual({ ok: false, reason: "lease-expired" });
  });
  it("takes a report from the holder only, and only while the job still waits", () => {
    const report = (part: PartLease, workerId: string, attempt: number, jobState: "waiting" | "cancelled" = "waiting") => decidePartReport({ part, jobState, workerId, attempt });
    expect(report(running, "b", 1)).toEqual({ ok: true });
    expect(report(running, "b", 2)).toEqual({ ok: false, reason: "lease-lost" });
    expect(report(running, "a", 1)).toEqual({ ok: false, reason: "lease-lost" });
    expect(report(running, "b", 1, "cancelled")).toEqual({ ok: false, reason: "job-not-waiting" });
    // Requeued after its lease ran out: the late worker's result no longer counts.
    expect(report({ ...running, state: "waiting", workerId: null }, "b", 1)).toEqual({ ok: false, reason: "not-running" });
  });
});

describe("the lease fence of a worker's other calls (an ECR repository claim)", () => {
  const runningJob: JobLease = { state: "running", attempts: 2, maxAttempts: 3, workerId: "a", leaseUntil: NOW + LEASE };
  const waitingJob: JobLease = { state: "waiting", attempts: 2, maxAttempts: 3, workerId: "a", leaseUntil: null };
  const fence = (o: { job: JobLease; part?: PartLease; workerId: string; attempt: number }) => decideLeaseFence(o);

  it("hears a job's worker quoting its current attempt, and no one else", () => {
    expect(fence({ job: runningJob, workerId: "a", attempt: 2 })).toEqual({ ok: true });
    expect(fence({ job: runningJob, workerId: "b", attempt: 2 })).toEqual({ ok: false, reason: "lease-lost" });
    // A stale attempt: the same worker, requeued and claimed again since.
    expect(fence({ job: runningJob, workerId: "a", attempt: 1 })).toEqual({ ok: false, reason: "lease-lost" });
    // A run-out lease nobody else took is still the worker's, as its report would be.
    expect(fence({ job: { ...runningJob, leaseUntil: NOW - 1 }, workerId: "a", attempt: 2 })).toEqual({ ok: true });
  });
  it("hears nobody about a finished, cancelled or waiting job, not even its last worker", () => {
    for (const state of ["succeeded", "failed", "skipped", "cancelled", "superseded", "queued", "waiting"] as const)
      expect(fence({ job: { ...runningJob, state }, workerId: "a", attempt: 2 })).toEqual({ ok: false, reason: "not-running" });
  });
  it("a part's: its holder quoting the part's attempt, only while the job still waits for it", () => {
    expect(fence({ job: waitingJob, part: running, workerId: "b", attempt: 1 })).toEqual({ ok: true });
    expect(fence({ job: waitingJob, part: running, workerId: "a", attempt: 1 })).toEqual({ ok: false, reason: "lease-lost" });
    // The job's own worker quoting the job's attempt holds no part.
    expect(fence({ job: waitingJob, part: running, workerId: "a", attempt: 2 })).toEqual({ ok: false, reason: "lease-lost" });
    expect(fence({ job: waitingJob, part: { ...running, attempts: 2 }, workerId: "b", attempt: 1 })).toEqual({ ok: false, reason: "lease-lost" });
    for (const state of ["cancelled", "superseded", "succeeded", "failed", "running"] as const)
      expect(fence({ job: { ...waitingJob, state }, part: running, workerId: "b", attempt: 1 })).toEqual({ ok: false, reason: "job-not-waiting" });
    // Requeued after its lease ran out, or finished: the part is nobody's.
    expect(fence({ job: waitingJob, part: { ...running, state: "waiting", workerId: null }, workerId: "b", attempt: 1 })).toEqual({ ok: false, reason: "not-running" });
    expect(fence({ job: waitingJob, part: { ...running, state: "succeeded" }, workerId: "b", attempt: 1 })).toEqual({ ok: false, reason: "not-running" });
  });
  it("is the reports' fence: a call is heard exactly when the same worker's report would be", () => {
    const jobs: JobLease[] = [runningJob, { ...runningJob, workerId: "b" }, { ...runningJob, attempts: 3 }, { ...runningJob, state: "succeeded" }, waitingJob];
    for (const job of jobs)
      for (const [workerId, attempt] of [["a", 2], ["b", 2], ["a", 1]] as const) {
        expect(fence({ job, workerId, attempt })).toEqual(decideReport({ job, workerId, attempt, result: "succeeded" }));
        expect(fence({ job, part: running, workerId, attempt })).toEqual(decidePartReport({ part: running, jobState: job.state, workerId, attempt }));
      }
  });
});

describe("the sweep over parts", () => {
  it("keeps a waiting part before its deadline and fails it at the deadline, naming the platform and the wait", () => {
    expect(decidePartSweep({ part: waiting, now: NOW, waitMinutes: 30 })).toEqual({ action: "keep" });
    expect(decidePartSweep({ part: waiting, now: NOW + 60_000, waitMinutes: 30 })).toEqual({
      action: "fail",
      reason: "no worker that can build linux/arm64 claimed it within 30 min",
    });
  });
  it("requeues a running part whose lease expired with attempts left, with a fresh deadline", () => {
    expect(decidePartSweep({ part: { ...running, leaseUntil: NOW - 1 }, now: NOW, waitMinutes: 30 })).toEqual({ action: "requeue", deadline: NOW + 30 * 60_000 });
    expect(decidePartSweep({ part: running, now: NOW, waitMinutes: 30 })).toEqual({ action: "keep" });
  });
  it("fails a running part whose lease expired on its last attempt as a lost worker", () => {
    const d = decidePartSweep({ part: { ...running, attempts: 3, leaseUntil: NOW - 1 }, now: NOW, waitMinutes: 30 });
    expect(d).toMatchObject({ action: "fail" });
    expect(d.action === "fail" && d.reason).toMatch(/worker lost while building for linux\/arm64.*attempt 3 of 3/);
  });
  it("leaves ended parts alone", () => {
    expect(decidePartSweep({ part: { ...waiting, state: "cancelled", deadline: 0 }, now: NOW, waitMinutes: 30 })).toEqual({ action: "keep" });
  });
  it("says fractions of minutes as written", () => {
    expect(timeoutReason("linux/arm64", 0.005)).toBe("no worker that can build linux/arm64 claimed it within 0.005 min");
  });
});

describe("a waiting job", () => {
  it("finishes only when every part has ended", () => {
    expect(decideJobAfterParts([{ state: "succeeded" }, { state: "waiting" }])).toBe("wait");
    expect(decideJobAfterParts([{ state: "succeeded" }, { state: "running" }])).toBe("wait");
    expect(decideJobAfterParts([{ state: "failed" }, { state: "skipped" }])).toBe("finish");
  });
  it("says in its commit status which service waits for which platform", () => {
    expect(describeWaiting([{ service: "arm", platform: "linux/arm64", state: "waiting" }, { service: "x", platform: "linux/s390x", state: "failed" }])).toBe(
      "waiting: arm waits for a worker that can build linux/arm64",
    );
    expect(describeWaiting([{ service: "arm", platform: "linux/arm64", state: "running" }])).toBe("waiting: arm building on a linux/arm64 worker");
    expect(describeWaiting(Array.from({ length: 10 }, (_, i) => ({ service: `service-${i}`, platform: "linux/arm64", state: "waiting" as const }))).length).toBe(140);
  });
  it("can be cancelled, stopping a part being built", () => {
    expect(decideCancel({ state: "waiting" })).toEqual({ ok: true, state: "cancelled", workerMustStop: true });
  });
  it("is superseded by a newer push to its branch only while none of its parts is being built", () => {
    const job = (runningParts: number) => ({ id: "old", state: "waiting" as const, branch: "main", sha: "a".repeat(40), seq: 1, runningParts });
    expect(decideEnqueue({ jobs: [job(0)], branch: "main", sha: "b".repeat(40), seq: 2 })).toEqual({ action: "enqueue", supersede: ["old"] });
    expect(decideEnqueue({ jobs: [job(1)], branch: "main", sha: "b".repeat(40), seq: 2 })).toEqual({ action: "enqueue", supersede: [] });
    // The same commit pushed again while it waits: not queued twice.
    expect(decideEnqueue({ jobs: [job(0)], branch: "main", sha: "a".repeat(40), seq: 2 })).toEqual({ action: "duplicate", of: "old" });
  });
});
