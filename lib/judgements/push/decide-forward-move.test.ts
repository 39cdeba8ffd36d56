import { describe, expect, it } from "vitest";
import { decideForwardMove } from "./decide-forward-move";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const base = { sha: A, branch: "main" };

describe("decideForwardMove", () => {
  it("accepts the branch head whatever Deckhand accepted before (also a force-push back to an old commit)", () => {
    expect(decideForwardMove({ ...base, branchHead: A, lastAccepted: null })).toMatchObject({ action: "accept", why: expect.stringContaining("is the head of main") });
    expect(decideForwardMove({ ...base, branchHead: A, lastAccepted: B })).toMatchObject({ action: "accept" });
    expect(decideForwardMove({ ...base, branchHead: A, lastAccepted: A })).toMatchObject({ action: "accept" });
  });

  it("ignores a commit that is not the head when there is nothing to compare with, or it is the one already accepted", () => {
    expect(decideForwardMove({ ...base, branchHead: B, lastAccepted: null })).toMatchObject({ action: "ignore", reason: "not-forward" });
    expect(decideForwardMove({ ...base, branchHead: B, lastAccepted: A })).toMatchObject({ action: "ignore", reason: "already-accepted", detail: expect.stringContaining("replayed") });
    expect(decideForwardMove({ ...base, branchHead: null, lastAccepted: C })).toMatchObject({ action: "ignore", reason: "branch-gone" });
  });

  it("asks for a comparison with the last accepted commit, then accepts only a descendant", () => {
    expect(decideForwardMove({ ...base, branchHead: B, lastAccepted: C })).toEqual({ action: "compare", base: C });
    const next = (status: "ahead" | "behind" | "identical" | "diverged", aheadBy = 0, behindBy = 0) =>
      decideForwardMove({ ...base, branchHead: B, lastAccepted: C, comparison: { status, aheadBy, behindBy } });
    expect(next("ahead", 2)).toMatchObject({ action: "accept", why: expect.stringContaining("2 commit(s) ahead of ccccccc") });
    expect(next("behind", 0, 3)).toMatchObject({ action: "ignore", reason: "not-forward", detail: expect.stringContaining("3 commit(s) behind ccccccc") });
    expect(next("diverged", 1, 1)).toMatchObject({ action: "ignore", reason: "not-forward", detail: expect.stringContaining("diverged") });
    expect(next("identical")).toMatchObject({ action: "ignore", reason: "already-accepted" });
    expect(decideForwardMove({ ...base, branchHead: B, lastAccepted: C, comparison: null })).toMatchObject({ action: "ignore", reason: "not-forward" });
  });
});
