import { describe, expect, it } from "vitest";
import { diffRefs } from "./push-event";
import { ZERO_SHA } from "./git";

const A = "a".repeat(40);
const B = "b".repeat(40);

describe("diffRefs", () => {
  it("reports updated, created and deleted refs with zeros for the missing side", () => {
    const before = new Map([
      ["refs/heads/main", A],
      ["refs/heads/old", A],
    ]);
    const after = new Map([
      ["refs/heads/main", B],
      ["refs/heads/new", B],
    ]);
    expect(diffRefs(before, after)).toEqual([
      { ref: "refs/heads/main", before: A, after: B },
      { ref: "refs/heads/new", before: ZERO_SHA, after: B },
      { ref: "refs/heads/old", before: A, after: ZERO_SHA },
    ]);
  });
  it("reports nothing for a push that changed no ref", () => {
    const refs = new Map([["refs/heads/main", A]]);
    expect(diffRefs(refs, new Map(refs))).toEqual([]);
  });
});
