import { describe, expect, it } from "vitest";
import { withRepo } from "./repo-href";

describe("withRepo", () => {
  it("keeps a link as is without a chosen repository", () => {
    expect(withRepo("/doctor#keys", null)).toBe("/doctor#keys");
    expect(withRepo("/doctor", "")).toBe("/doctor");
  });
  it("adds or replaces repo, keeping the other parameters and the fragment last", () => {
    expect(withRepo("/doctor#keys", "acme/web-gateway")).toBe("/doctor?repo=acme%2Fweb-gateway#keys");
    expect(withRepo("/workflows?status=failure&repo=acme/a", "acme/b")).toBe("/workflows?status=failure&repo=acme%2Fb");
  });
});
