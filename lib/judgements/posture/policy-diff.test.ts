import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY } from "./ecr-actions";
import { diffLines, diffPolicyDocuments } from "./policy-diff";

const guideActions = [...GUIDE_PUSH_POLICY.Statement[0].Action];

describe("diffPolicyDocuments", () => {
  it("reports identical documents, whatever their encoding and action case", () => {
    const current = encodeURIComponent(JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: guideActions.map((a) => a.toUpperCase()), Resource: "*" }],
    }));
    const r = diffPolicyDocuments(current, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.diff.identical).toBe(true);
    expect(r.diff.statements[0].status).toBe("same");
    expect(r.diff.addedActions).toEqual([]);
  });

  it("gives added and removed actions per statement and overall", () => {
    const current = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: [...guideActions.filter((a) => a !== "ecr:PutImage"), "ecr:DeleteRepository"], Resource: "*" }],
    };
    const r = diffPolicyDocuments(current, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
    if (!r.ok) throw new Error("expected ok");
    expect(r.diff.identical).toBe(false);
    expect(r.diff.statements).toHaveLength(1);
    expect(r.diff.statements[0]).toMatchObject({ status: "changed", addedActions: ["ecr:PutImage"], removedActions: ["ecr:DeleteRepository"] });
    expect(r.diff.addedActions).toEqual(["ecr:PutImage"]);
    expect(r.diff.removedActions).toEqual(["ecr:DeleteRepository"]);
    const changed = r.diff.lines.filter((l) => l.kind !== "same");
    expect(changed.some((l) => l.left?.includes("ecr:DeleteRepository"))).toBe(true);
    expect(changed.some((l) => l.right?.includes("ecr:PutImage"))).toBe(true);
  });

  it("compares wildcards by what they grant", () => {
    const current = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }] };
    const r = diffPolicyDocuments(current, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
    if (!r.ok) throw new Error("expected ok");
    expect(r.diff.addedActions).toEqual([]);
    expect(r.diff.removedActions).toContain("ecr:DeleteRepository");
    expect(r.diff.removedActions).not.toContain("ecr:PutImage");
  });

  it("pairs statements by Sid before position and reports effect, resource and condition changes", () => {
    const current = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Extra", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        { Sid: "Push", Effect: "Deny", Action: "ecr:PutImage", Resource: "arn:aws:ecr:us-east-1:1:repository/a", Condition: { Bool: { x: "true" } } },
      ],
    };
    const expectedDoc = { Version: "2012-10-17", Statement: [{ Sid: "Push", Effect: "Allow", Action: "ecr:PutImage", Resource: "*" }] };
    const r = diffPolicyDocuments(current, expectedDoc);
    if (!r.ok) throw new Error("expected ok");
    const push = r.diff.statements.find((s) => s.sid === "Push")!;
    expect(push.status).toBe("changed");
    expect(push.effect).toEqual({ from: "Deny", to: "Allow" });
    expect(push.resources).toEqual({ from: ["arn:aws:ecr:us-east-1:1:repository/a"], to: ["*"] });
    expect(push.conditionChanged).toBe(true);
    expect(push.addedActions).toEqual([]);
    const extra = r.diff.statements.find((s) => s.sid === "Extra")!;
    expect(extra.status).toBe("removed");
    expect(extra.removedActions).toEqual(["s3:GetObject"]);
  });

  it("a missing current policy means every statement is added", () => {
    const r = diffPolicyDocuments(null, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
    if (!r.ok) throw new Error("expected ok");
    expect(r.diff.identical).toBe(false);
    expect(r.diff.statements[0].status).toBe("added");
    expect(r.diff.addedActions).toHaveLength(11);
    expect(r.diff.currentPretty).toBe("");
    expect(r.diff.lines.every((l) => l.kind === "added")).toBe(true);
  });

  it("says which side is malformed", () => {
    const bad = diffPolicyDocuments("%7B%22", GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.which).toBe("current");
    const badExpected = diffPolicyDocuments(null, "{");
    expect(!badExpected.ok && badExpected.which).toBe("expected");
  });
});

describe("diffLines", () => {
  it("aligns common lines and pairs replacements", () => {
    expect(diffLines(["a", "b", "c"], ["a", "x", "c", "d"])).toEqual([
      { kind: "same", left: "a", right: "a" },
      { kind: "changed", left: "b", right: "x" },
      { kind: "same", left: "c", right: "c" },
      { kind: "added", left: null, right: "d" },
    ]);
    expect(diffLines(["a", "b"], [])).toEqual([
      { kind: "removed", left: "a", right: null },
      { kind: "removed", left: "b", right: null },
    ]);
  });
});
