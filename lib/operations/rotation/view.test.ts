import { describe, expect, it } from "vitest";
import { CANARY_FAILED_WARNING } from "./steps";
import type { RotationRecord, StepNo, StepRecord } from "./types";
import { deckhandRunPath, toRotationView } from "./view";

const base: RotationRecord = {
  id: 1,
  state: "completed",
  trigger: "operator",
  requestedBy: "octo-operator",
  userName: "github-ecr-push",
  repository: null,
  oldKeyId: "AKIAIOSFODNN7EXAMPLE",
  newKeyId: "AKIDEXAMPLE",
  keysBefore: ["AKIAIOSFODNN7EXAMPLE"],
  restarts: 0,
  message: "GitHub holds the new key AKIDEXAMPLE; the old key AKIAIOSFODNN7EXAMPLE is inactive and will be deleted after 2026-12-09T10:00:00.000Z.",
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
    expect(v.message).toBe("GitHub holds the new key AKIDEXAMPLE; the old key AKIAIOSFODNN7EXAMPLE was deleted on 2026-12-09T10:00:05.000Z.");
    expect(v.message).not.toMatch(/will be deleted/);
  });

  it("a skipped deletion keeps its warning (the old key was reactivated)", () => {
    const w = "The old key AKIAIOSFODNN7EXAMPLE was reactivated since the rotation; Deckhand does not delete an active key.";
    const v = toRotationView({ ...base, deleteAfter: null, warning: w, message: "stored" }, [...done, step(7, "skipped", w)]);
    expect(v.warning).toBe(w);
  });
});

describe("deckhandRunPath", () => {
  it("links Deckhand's run page of a repository, never a malformed one", () => {
    expect(deckhandRunPath(12, "acme/web-gateway")).toBe("/workflows/runs/12?repo=acme%2Fweb-gateway");
    for (const [id, repo] of [[0, "acme/x"], [-1, "acme/x"], [1.5, "acme/x"], ["12", "acme/x"], [12, null], [12, "the default repository"], [12, "acme/x?y=1"], [12, "../x"]] as const) {
      expect(deckhandRunPath(id, repo)).toBeNull();
    }
  });
});

describe("holders and canaries per repository", () => {
  const withDetail = (s: StepRecord, detail: Record<string, unknown>): StepRecord => ({ ...s, detail });
  const holders = [
    { scope: "organization", org: "acme", repositories: ["acme/web-gateway"], visibility: "selected" },
    { scope: "repository", repository: "acme/mcp-servers" },
    { scope: "repository", repository: "acme/billing-worker" },
  ];
  const pre = withDetail(step(1, "succeeded"), { repositories: ["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"], holders });

  it("lists each holder by repository and scope, written only by the current attempt's step 4", () => {
    // The first attempt wrote the organization and was unwound (its key deleted); the second wrote two holders so far.
    const first = withDetail(step(4, "interrupted"), { writes: [{ scope: "organization", org: "acme" }] });
    const unwind = step(0, "succeeded");
    const second = withDetail(step(4, "running"), { writes: [{ scope: "organization", org: "acme" }, { scope: "repository", repository: "acme/mcp-servers" }] });
    const v = toRotationView({ ...base, state: "running" }, [pre, first, unwind, step(2, "succeeded"), step(3, "succeeded"), second]);
    expect(v.holders.map((h) => [h.where, h.label, h.written])).toEqual([
      ["acme", "organization secrets (visibility selected)", true],
      ["acme/mcp-servers", "repository secrets", true],
      ["acme/billing-worker", "repository secrets", false],
    ]);
    expect(v.holders[0].repositories).toEqual(["acme/web-gateway"]);
    // Right after the unwind nothing of the thrown-away key counts as written.
    const afterUnwind = toRotationView({ ...base, state: "running" }, [pre, first, step(0, "succeeded")]);
    expect(afterUnwind.holders.every((h) => !h.written)).toBe(true);
  });

  it("names the canary of every repository using the key, the default first; a holder recorded before the fleet is the default's", () => {
    const canary = withDetail(step(5, "failed"), {
      runId: 7,
      htmlUrl: "https://github.example/acme/mcp-servers/actions/runs/7",
      conclusion: "success",
      shared: [
        { repository: "acme/web-gateway", conclusion: "success", runId: 8, htmlUrl: "https://github.example/acme/web-gateway/actions/runs/8" },
        { repository: "acme/billing-worker", conclusion: "failure", runId: 9 },
      ],
    });
    const v = toRotationView({ ...base, state: "stopped" }, [pre, canary]);
    expect(v.canaries).toEqual([
      { repository: "acme/mcp-servers", conclusion: "success", runUrl: "https://github.example/acme/mcp-servers/actions/runs/7", runPath: "/workflows/runs/7?repo=acme%2Fmcp-servers", note: null },
      { repository: "acme/web-gateway", conclusion: "success", runUrl: "https://github.example/acme/web-gateway/actions/runs/8", runPath: "/workflows/runs/8?repo=acme%2Fweb-gateway", note: null },
      // Deckhand's own run page also when GitHub's address is unknown.
      { repository: "acme/billing-worker", conclusion: "failure", runUrl: null, runPath: "/workflows/runs/9?repo=acme%2Fbilling-worker", note: null },
    ]);
    const legacy = toRotationView(base, [withDetail(step(1, "succeeded"), { holders: [{ scope: "repository" }] })]);
    expect(legacy.holders).toEqual([{ scope: "repository", where: "the default repository", label: "repository secrets", repositories: [], written: false }]);
  });
});
