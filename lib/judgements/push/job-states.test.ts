import { describe, expect, it } from "vitest";
import {
  canTransition,
  decideCancel,
  decideClaim,
  decideEnqueue,
  decideHeartbeat,
  decideLeaseExpiry,
  decideReport,
  isTerminal,
  JOB_STATES,
  type JobLease,
  type QueuedJobRef,
} from "./job-states";

const NOW = 1_800_000_000_000;
const LEASE = 30_000;

describe("transitions", () => {
  it("allows exactly the documented moves", () => {
    const allowed = JOB_STATES.flatMap((from) => JOB_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
    expect(allowed.sort()).toEqual(
      [
        "queued>running",
        "queued>cancelled",
        "queued>superseded",
        "running>succeeded",
        "running>skipped",
        "running>failed",
        "running>cancelled",
        "running>queued",
        "running>waiting",
        "waiting>succeeded",
        "waiting>skipped",
        "waiting>failed",
        "waiting>cancelled",
        "waiting>superseded",
      ].sort(),
    );
  });
  it("knows the terminal states", () => {
    expect(JOB_STATES.filter(isTerminal)).toEqual(["succeeded", "skipped", "failed", "cancelled", "superseded"]);
  });
});

describe("claim, heartbeat and report", () => {
  const queued: JobLease = { state: "queued", attempts: 0, maxAttempts: 3 };

  it("claims a queued job with a lease and the next attempt number", () => {
    expect(decideClaim({ job: queued, workerId: "w1", now: NOW, leaseMs: LEASE })).toEqual({
      ok: true,
      state: "running",
      attempts: 1,
      workerId: "w1",
      leaseUntil: NOW + LEASE,
    });
    expect(decideClaim({ job: { ...queued, state: "running" }, workerId: "w2", now: NOW, leaseMs: LEASE })).toEqual({ ok: false, reason: "not-queued" });
    expect(decideClaim({ job: { ...queued, attempts: 3 }, workerId: "w1", now: NOW, leaseMs: LEASE })).toEqual({ ok: false, reason: "attempts-exhausted" });
  });

  const running: JobLease = { state: "running", attempts: 2, maxAttempts: 3, workerId: "w1", leaseUntil: NOW + 1 };

  it("extends the lease only for its holder and attempt, before it runs out", () => {
    const hb = (job: JobLease, workerId = "w1", attempt = 2, now = NOW) => decideHeartbeat({ job, workerId, attempt, now, leaseMs: LEASE });
    expect(hb(running)).toEqual({ ok: true, leaseUntil: NOW + LEASE });
    expect(hb(running, "w2")).toEqual({ ok: false, reason: "lease-lost" });
    // Same worker id, but an older attempt: a zombie of itself after a requeue and re-claim.
    expect(hb(running, "w1", 1)).toEqual({ ok: false, reason: "lease-lost" });
    expect(hb(running, "w1", 2, NOW + 1)).toEqual({ ok: false, reason: "lease-expired" });
    expect(hb({ ...running, leaseUntil: null })).toEqual({ ok: false, reason: "lease-expired" });
    expect(hb({ ...running, state: "cancelled" })).toEqual({ ok: false, reason: "cancelled" });
    expect(hb({ ...running, state: "queued" })).toEqual({ ok: false, reason: "not-running" });
  });

  it("accepts a result only from the current holder", () => {
    const rep = (job: JobLease, result: JobLease["state"], workerId = "w1", attempt = 2) => decideReport({ job, workerId, attempt, result });
    expect(rep(running, "succeeded")).toEqual({ ok: true });
    expect(rep(running, "skipped")).toEqual({ ok: true });
    expect(rep({ ...running, leaseUntil: NOW - 5 }, "failed")).toEqual({ ok: true });
    expect(rep(running, "cancelled")).toEqual({ ok: false, reason: "not-a-result" });
    expect(rep(running, "queued")).toEqual({ ok: false, reason: "not-a-result" });
    expect(rep(running, "succeeded", "w2")).toEqual({ ok: false, reason: "lease-lost" });
    expect(rep(running, "succeeded", "w1", 1)).toEqual({ ok: false, reason: "lease-lost" });
    expect(rep({ ...running, state: "cancelled" }, "succeeded")).toEqual({ ok: false, reason: "not-running" });
    expect(rep({ ...running, state: "queued" }, "succeeded")).toEqual({ ok: false, reason: "not-running" });
  });
});

describe("decideLeaseExpiry", () => {
  it("keeps a live lease, including its last millisecond", () => {
    expect(decideLeaseExpiry({ now: NOW, leaseUntil: NOW + 1, attempts: 3, maxAttempts: 3 })).toEqual({ action: "keep" });
  });
  it("requeues an expired lease while attempts remain", () => {
    expect(decideLeaseExpiry({ now: NOW, leaseUntil: NOW, attempts: 1, maxAttempts: 3 })).toEqual({ action: "requeue" });
    expect(decideLeaseExpiry({ now: NOW, leaseUntil: null, attempts: 2, maxAttempts: 3 })).toEqual({ action: "requeue" });
  });
  it("fails it when attempts are used up", () => {
    expect(decideLeaseExpiry({ now: NOW, leaseUntil: NOW - 1, attempts: 3, maxAttempts: 3 })).toEqual({
      action: "fail",
      reason: "worker lost: the lease expired on attempt 3 of 3 and no attempts remain",
    });
    expect(decideLeaseExpiry({ now: NOW, leaseUntil: NOW - 1, attempts: 1, maxAttempts: 1 })).toMatchObject({ action: "fail" });
  });
});

describe("decideCancel", () => {
  it("cancels queued and running jobs, telling a running worker to stop", () => {
    expect(decideCancel({ state: "queued" })).toEqual({ ok: true, state: "cancelled", workerMustStop: false });
    expect(decideCancel({ state: "running" })).toEqual({ ok: true, state: "cancelled", workerMustStop: true });
    for (const state of ["succeeded", "skipped", "failed", "cancelled", "superseded"] as const) {
      expect(decideCancel({ state })).toEqual({ ok: false, reason: "already-finished" });
    }
  });
});

describe("decideEnqueue (supersede rule)", () => {
  const job = (id: string, over: Partial<QueuedJobRef> = {}): QueuedJobRef => ({ id, state: "queued", branch: "main", sha: id.repeat(40).slice(0, 40), seq: 1, ...over });

  it("supersedes older queued jobs of the same branch only", () => {
    const jobs = [
      job("a", { seq: 1 }),
      job("b", { seq: 2, branch: "dev" }),
      job("c", { seq: 3, state: "running" }),
      job("d", { seq: 4, state: "failed" }),
      job("e", { seq: 5 }),
      job("f", { seq: 9 }), // enqueued after the incoming push (e.g. concurrently): not older
      job("g", { seq: 6, branch: null }),
    ];
    expect(decideEnqueue({ jobs, branch: "main", sha: "1".repeat(40), seq: 7 })).toEqual({ action: "enqueue", supersede: ["a", "e"] });
  });

  it("does not queue the same commit twice for a branch", () => {
    const jobs = [job("a", { seq: 1 }), job("b", { seq: 2 })];
    expect(decideEnqueue({ jobs, branch: "main", sha: jobs[0].sha, seq: 3 })).toEqual({ action: "duplicate", of: "a" });
    // Already running or finished: a new job is fine (e.g. a re-run), and the queued one is superseded.
    expect(decideEnqueue({ jobs: [job("r", { state: "running", sha: "f".repeat(40) }), job("q", { seq: 2 })], branch: "main", sha: "f".repeat(40), seq: 3 })).toEqual({
      action: "enqueue",
      supersede: ["q"],
    });
  });

  it("never supersedes for a bare-commit trigger", () => {
    expect(decideEnqueue({ jobs: [job("a")], branch: null, sha: "1".repeat(40), seq: 2 })).toEqual({ action: "enqueue", supersede: [] });
  });
});
