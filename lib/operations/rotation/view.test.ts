import { describe, expect, it } from "vitest";
import { CANARY_FAILED_WARNING } from "./steps";
import type { RotationRecord, StepNo, StepRecord } from "./types";
import { toRotationView } from "./view";

const base: RotationRecord = {
  id: 1,
  state: "completed",
  trigger: "operator",
  requestedBy: "octo-operator",
  userName: "github-ecr-push",
  oldKeyId: "AKIAIOSFODNN7EXAMPLE",
  newKeyId: "AKIAI44QH8DHBEXAMPLE",
  keysBefore: ["AKIAIOSFODNN7EXAMPLE"],
  restarts: 0,
  message: "GitHub holds the new key AKIAI44QH8DHBEXAMPLE; the old key AKIAIOSFODNN7EXAMPLE is inactive and will be deleted after 2026-12-09T10:00:00.000Z.",
  warning: null,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:01:00.000Z",
  finishedAt: "2026-12-02T10:01:00.000Z",
  deleteAfter: "2026-12-09T10:00:00.000Z",
  oldKeyDeletedAt: null,
  owner: null,
  leaseUntil: null,
};
let nextId = 1;
const step = (n: StepNo, outcome: string, message: string | null = null): StepRecord =>
  ({ id: nextId++, rotationId: 1, step: n, name: `s${n}`, outcome, startedAt: "2026-12-02T10:00:00.000Z", endedAt: "2026-12-02T10:00:01.000Z", message, detail: null }) as unknown as StepRecord;
const done = [1, 2, 3, 4, 6].map((n) => step(n as StepNo, "succeeded"));

describe("toRotationView: messages from the state now", () => {
  it("a canary warning from before Resume is gone once the rotation completed", () => {
    const steps = [...done.slice(0, 4), step(5, "failed", "Canary run #7 concluded failure."), step(5, "succeeded"), done[4]];
    const v = toRotationView({ ...base, warning: CANARY_FAILED_WARNING }, steps);
    expect(v.warning).toBeNull();
    expect(v.message).toMatch(/inactive and will be deleted after 2026-12-09/);
  });

  it("while stopped at the canary, the warning stands", () => {
    const v = toRotationView({ ...base, state: "stopped", finishedAt: null, deleteAfter: null, warning: CANARY_FAILED_WARNING }, [...done.slice(0, 4), step(5, "failed")]);
    expect(v.warning).toBe(CANARY_FAILED_WARNING);
  });

  it("after the grace-period delete the line says deleted, not 'will be deleted'", () => {
    const v = toRotationView({ ...base, oldKeyDeletedAt: "2026-12-09T10:00:05.000Z" }, [...done, step(5, "succeeded"), step(7, "succeeded")]);
    expect(v.message).toBe("GitHub holds the new key AKIAI44QH8DHBEXAMPLE; the old key AKIAIOSFODNN7EXAMPLE was deleted on 2026-12-09T10:00:05.000Z.");
    expect(v.message).not.toMatch(/will be deleted/);
  });

  it("a skipped deletion keeps its warning (the old key was reactivated)", () => {
    const w = "The old key AKIAIOSFODNN7EXAMPLE was reactivated since the rotation; Deckhand does not delete an active key.";
    const v = toRotationView({ ...base, deleteAfter: null, warning: w, message: "stored" }, [...done, step(7, "skipped", w)]);
    expect(v.warning).toBe(w);
  });
});
