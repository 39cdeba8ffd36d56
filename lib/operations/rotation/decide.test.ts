import { describe, expect, it } from "vitest";
import { decideDeletion, decideDeletionInDoubt, decideNext, keysCreatedBy, MAX_RESTARTS } from "./decide";
import { STEP_NAMES, type RotationRecord, type StepNo, type StepOutcome, type StepRecord } from "./types";

const T0 = "2026-11-25T10:00:00.000Z";

function rotation(over: Partial<RotationRecord> = {}): RotationRecord {
  return {
    id: 1,
    state: "running",
    trigger: "operator",
    requestedBy: "octo-operator",
    userName: "github-ecr-push",
    repository: null,
    oldKeyId: "AKIAOLD",
    newKeyId: null,
    keysBefore: ["AKIAOLD"],
    restarts: 0,
    message: null,
    warning: null,
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    deleteAfter: null,
    oldKeyDeletedAt: null,
    owner: null,
    leaseUntil: null,
    ...over,
  };
}

let nextId = 1;
function step(n: StepNo, outcome: StepOutcome, over: Partial<StepRecord> = {}): StepRecord {
  return { id: nextId++, rotationId: 1, step: n, name: STEP_NAMES[n], outcome, startedAt: T0, endedAt: outcome === "running" ? null : T0, detail: null, message: null, ...over };
}
/** Steps 1..n succeeded. */
const upTo = (n: number) => Array.from({ length: n }, (_, i) => step((i + 1) as StepNo, "succeeded"));

const oldActive = { accessKeyId: "AKIAOLD", status: "Active" };
const newActive = { accessKeyId: "AKIANEW", status: "Active" };

describe("decideNext: the happy path, step by step", () => {
  it("starts with the preflight", () => {
    expect(decideNext(rotation(), [])).toEqual({ kind: "run", step: 1 });
  });
  it("runs each step after the one before while this process holds the secret", () => {
    const r = rotation({ newKeyId: "AKIANEW" });
    expect(decideNext(r, upTo(1))).toEqual({ kind: "run", step: 2 });
    expect(decideNext(r, upTo(2), { secretHeld: true })).toEqual({ kind: "run", step: 3 });
    expect(decideNext(r, upTo(3), { secretHeld: true })).toEqual({ kind: "run", step: 4 });
    expect(decideNext(r, upTo(4))).toEqual({ kind: "run", step: 5 });
    expect(decideNext(r, upTo(5))).toEqual({ kind: "run", step: 6 });
    expect(decideNext(r, upTo(6))).toEqual({ kind: "complete" });
  });
  it("a skipped canary (no dispatch trigger) still leads to deactivation", () => {
    expect(decideNext(rotation({ newKeyId: "AKIANEW" }), [...upTo(4), step(5, "skipped")])).toEqual({ kind: "run", step: 6 });
  });
  it("with no old key there is nothing to deactivate", () => {
    expect(decideNext(rotation({ oldKeyId: null, keysBefore: [], newKeyId: "AKIANEW" }), upTo(5))).toEqual({ kind: "complete" });
  });
  it("does nothing for finished rotations", () => {
    expect(decideNext(rotation({ state: "completed" }), upTo(6)).kind).toBe("idle");
    expect(decideNext(rotation({ state: "failed" }), [step(1, "failed")]).kind).toBe("idle");
  });
});

describe("decideNext: a crash at every point", () => {
  it("during the preflight: run it again", () => {
    expect(decideNext(rotation(), [step(1, "running")])).toEqual({ kind: "run", step: 1 });
  });

  it("during step 2 before AWS created anything: create again", () => {
    const steps = [...upTo(1), step(2, "running")];
    expect(decideNext(rotation(), steps)).toEqual({ kind: "observe", secrets: false });
    expect(decideNext(rotation(), steps, { obs: { keys: [oldActive] } })).toEqual({ kind: "run", step: 2 });
  });

  it("during step 2 after AWS created the key (id never recorded): delete it, it was never anywhere else", () => {
    const d = decideNext(rotation(), [...upTo(1), step(2, "running")], { obs: { keys: [oldActive, newActive] } });
    expect(d).toMatchObject({ kind: "unwind", deleteKeyIds: ["AKIANEW"] });
  });

  it("after step 2 or 3 ended but the process died (the secret died with it): unwind, never a third key", () => {
    const r = rotation({ newKeyId: "AKIANEW" });
    for (const n of [2, 3]) {
      const steps = upTo(n);
      expect(decideNext(r, steps)).toEqual({ kind: "observe", secrets: false });
      expect(decideNext(r, steps, { obs: { keys: [oldActive, newActive] } })).toMatchObject({ kind: "unwind", deleteKeyIds: ["AKIANEW"] });
      // The key vanished meanwhile: nothing to delete, create again.
      expect(decideNext(r, steps, { obs: { keys: [oldActive] } })).toEqual({ kind: "run", step: 2 });
    }
  });

  it("during step 3: unwind", () => {
    const d = decideNext(rotation({ newKeyId: "AKIANEW" }), [...upTo(2), step(3, "running")], { obs: { keys: [oldActive, newActive] } });
    expect(d).toMatchObject({ kind: "unwind", deleteKeyIds: ["AKIANEW"] });
  });

  describe("during step 4 (the secrets)", () => {
    const r = rotation({ newKeyId: "AKIANEW" });
    const steps = [...upTo(3), step(4, "running", { startedAt: "2026-11-25T10:00:05.400Z" })];
    const keys = [oldActive, newActive];
    it("asks for the secrets' updated_at", () => {
      expect(decideNext(r, steps, { obs: { keys } })).toEqual({ kind: "observe", secrets: true });
    });
    it("both written (GitHub stamps whole seconds): GitHub holds the new key, carry on", () => {
      const secrets = { accessKeyIdUpdatedAt: "2026-11-25T10:00:05Z", secretAccessKeyUpdatedAt: "2026-11-25T10:00:06Z" };
      expect(decideNext(r, steps, { obs: { keys, secrets } })).toMatchObject({ kind: "mark-done", step: 4 });
    });
    it("none written: GitHub still holds the old key; the new one is deleted", () => {
      const secrets = { accessKeyIdUpdatedAt: "2026-11-20T00:00:00Z", secretAccessKeyUpdatedAt: "2026-11-20T00:00:00Z" };
      const d = decideNext(r, steps, { obs: { keys, secrets } });
      expect(d).toMatchObject({ kind: "unwind", deleteKeyIds: ["AKIANEW"] });
      expect((d as { warning?: string }).warning).toBeUndefined();
    });
    it("only one written: a mismatched pair, said loudly, and started over", () => {
      const secrets = { accessKeyIdUpdatedAt: "2026-11-20T00:00:00Z", secretAccessKeyUpdatedAt: "2026-11-25T10:00:05Z" };
      const d = decideNext(r, steps, { obs: { keys, secrets } });
      expect(d).toMatchObject({ kind: "unwind", deleteKeyIds: ["AKIANEW"] });
      expect((d as { warning?: string }).warning).toMatch(/mismatched pair.*AWS_SECRET_ACCESS_KEY/);
    });
    it("a secret that does not exist counts as not written", () => {
      const d = decideNext(r, steps, { obs: { keys, secrets: { accessKeyIdUpdatedAt: null, secretAccessKeyUpdatedAt: null } } });
      expect(d.kind).toBe("unwind");
    });
    it("a failed step 4 is recovered the same way", () => {
      const failed = [...upTo(3), step(4, "failed", { startedAt: "2026-11-25T10:00:05.400Z" })];
      expect(decideNext(r, failed, { obs: { keys, secrets: { accessKeyIdUpdatedAt: null, secretAccessKeyUpdatedAt: null } } }).kind).toBe("unwind");
    });
  });

  it("after step 4: the canary runs (GitHub holds the new key, it is never deleted)", () => {
    expect(decideNext(rotation({ newKeyId: "AKIANEW" }), upTo(4))).toEqual({ kind: "run", step: 5 });
  });

  it("during step 5: follow the dispatched run instead of dispatching again", () => {
    const r = rotation({ newKeyId: "AKIANEW" });
    expect(decideNext(r, [...upTo(4), step(5, "running", { detail: { runId: 42 } })])).toEqual({ kind: "run", step: 5, followRunId: 42 });
    expect(decideNext(r, [...upTo(4), step(5, "running")])).toEqual({ kind: "run", step: 5, followRunId: undefined });
  });

  it("after a failed canary, a resume runs a fresh canary (never deactivates)", () => {
    expect(decideNext(rotation({ newKeyId: "AKIANEW" }), [...upTo(4), step(5, "failed", { detail: { runId: 42, conclusion: "failure" } })])).toEqual({
      kind: "run",
      step: 5,
      followRunId: undefined,
    });
  });

  describe("during step 6", () => {
    const r = rotation({ newKeyId: "AKIANEW" });
    const steps = [...upTo(5), step(6, "running")];
    it("already Inactive: recorded, not deactivated a second time", () => {
      expect(decideNext(r, steps, { obs: { keys: [{ ...oldActive, status: "Inactive" }, newActive] } })).toMatchObject({ kind: "mark-done", step: 6 });
    });
    it("still Active: deactivate", () => {
      expect(decideNext(r, steps, { obs: { keys: [oldActive, newActive] } })).toEqual({ kind: "run", step: 6 });
    });
    it("gone: nothing to do", () => {
      expect(decideNext(r, steps, { obs: { keys: [newActive] } })).toMatchObject({ kind: "mark-done", step: 6 });
    });
  });

  it("after step 6: complete", () => {
    expect(decideNext(rotation({ newKeyId: "AKIANEW" }), upTo(6))).toEqual({ kind: "complete" });
  });

  it("after an unwind: create again, and give up after too many restarts", () => {
    expect(decideNext(rotation({ restarts: 1 }), [...upTo(2), step(0, "succeeded")])).toEqual({ kind: "run", step: 2 });
    expect(decideNext(rotation({ restarts: MAX_RESTARTS + 1 }), [...upTo(2), step(0, "succeeded")]).kind).toBe("fail");
  });

  it("an interrupted unwind is finished", () => {
    expect(decideNext(rotation({ restarts: 0 }), [...upTo(2), step(0, "running")], { obs: { keys: [oldActive, newActive] } })).toMatchObject({
      kind: "unwind",
      deleteKeyIds: ["AKIANEW"],
    });
  });

  it("at the restart limit with nothing to delete: fail, old key untouched", () => {
    expect(decideNext(rotation({ restarts: MAX_RESTARTS }), [...upTo(1), step(2, "running")], { obs: { keys: [oldActive] } }).kind).toBe("fail");
  });
});

describe("keysCreatedBy", () => {
  it("is every key the user did not have before step 2", () => {
    expect(keysCreatedBy(rotation({ keysBefore: ["A", "B"] }), [{ accessKeyId: "A" }, { accessKeyId: "C" }])).toEqual(["C"]);
  });
});

describe("decideDeletion", () => {
  const done = rotation({ state: "completed", newKeyId: "AKIANEW", deleteAfter: "2026-12-02T10:00:00.000Z" });
  it("waits for the grace period", () => {
    expect(decideDeletion(done, upTo(6), new Date("2026-12-01T00:00:00Z")).kind).toBe("idle");
    expect(decideDeletion(done, upTo(6), new Date("2026-12-02T10:00:00Z"))).toEqual({ kind: "run", step: 7 });
  });
  it("never deletes twice", () => {
    expect(decideDeletion({ ...done, oldKeyDeletedAt: "2026-12-02T10:00:01Z" }, upTo(6), new Date("2027-01-01")).kind).toBe("idle");
  });
  it("an interrupted deletion checks AWS first", () => {
    const steps = [...upTo(6), step(7, "running")];
    expect(decideDeletion(done, steps, new Date("2027-01-01")).kind).toBe("observe");
    expect(decideDeletionInDoubt(done, { keys: [newActive] })).toMatchObject({ kind: "mark-done", step: 7 });
    expect(decideDeletionInDoubt(done, { keys: [{ ...oldActive, status: "Inactive" }, newActive] })).toEqual({ kind: "run", step: 7 });
  });
  it("only completed rotations with an old key", () => {
    expect(decideDeletion(rotation(), upTo(3), new Date("2030-01-01")).kind).toBe("idle");
    expect(decideDeletion({ ...done, oldKeyId: null }, upTo(5), new Date("2030-01-01")).kind).toBe("idle");
  });
});
