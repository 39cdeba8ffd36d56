import { describe, expect, it } from "vitest";
import { hasWildcard, isMatchAll, matchWildcard } from "./wildcard";

const ci = { caseInsensitive: true };
const cs = { caseInsensitive: false };

describe("matchWildcard", () => {
  it("treats * as any run including empty and ? as exactly one character", () => {
    expect(matchWildcard("ecr:*", "ecr:PutImage", ci)).toBe(true);
    expect(matchWildcard("ecr:Put*", "ecr:Put", ci)).toBe(true);
    expect(matchWildcard("ecr:?utImage", "ecr:PutImage", ci)).toBe(true);
    expect(matchWildcard("ecr:?utImage", "ecr:utImage", ci)).toBe(false);
    expect(matchWildcard("ecr:*Layer*", "ecr:GetDownloadUrlForLayer", ci)).toBe(true);
  });

  it("anchors the whole string so ecr* does not stop at the prefix and ecr-public stays apart", () => {
    expect(matchWildcard("ecr*", "ecr:PutImage", ci)).toBe(true);
    expect(matchWildcard("ecr-public:*", "ecr:PutImage", ci)).toBe(false);
    expect(matchWildcard("ecr:Put", "ecr:PutImage", ci)).toBe(false);
  });

  it("matches regex metacharacters literally", () => {
    expect(matchWildcard("ecr:Put.mage", "ecr:PutImage", ci)).toBe(false);
    expect(matchWildcard("arn:aws:ecr:us-east-1:1:repository/a+b", "arn:aws:ecr:us-east-1:1:repository/aab", cs)).toBe(false);
    expect(matchWildcard("arn:aws:ecr:us-east-1:1:repository/(x)", "arn:aws:ecr:us-east-1:1:repository/(x)", cs)).toBe(true);
  });

  it("is case-insensitive only when asked", () => {
    expect(matchWildcard("ECR:PUTIMAGE", "ecr:PutImage", ci)).toBe(true);
    expect(matchWildcard("arn:aws:ecr:*:*:repository/App", "arn:aws:ecr:us-east-1:1:repository/app", cs)).toBe(false);
  });
});

describe("matchWildcard on hostile patterns and values", () => {
  it("takes linear-ish time for many stars against a long value (a workflow's branch filter against a refused token's sub)", () => {
    // A workflow's `branches: ["*a*a*a*a*a*a*a*a*a*a*a*a*b"]` becomes a planned subject pattern; a branch of 200 "a"s
    // pushed by the same author puts that sub into CloudTrail's refused assumptions, which the Doctor matches.
    const pattern = `repo:acme/x:ref:refs/heads/${"*a".repeat(12)}*b`;
    const value = `repo:acme/x:ref:refs/heads/${"a".repeat(200)}`;
    const start = performance.now();
    expect(matchWildcard(pattern, value, cs)).toBe(false);
    expect(matchWildcard(pattern, `${value}b`, cs)).toBe(true);
    expect(matchWildcard("*?*?*?*?*?*?*?*?*?*?*?*?!", "x".repeat(300), ci)).toBe(false);
    expect(performance.now() - start).toBeLessThan(500);
  });

  it("keeps the grammar: ? is one character (a code point), * any run, the rest literal", () => {
    expect(matchWildcard("a?c", "a😀c", cs)).toBe(true);
    expect(matchWildcard("a??c", "a😀c", cs)).toBe(false);
    expect(matchWildcard("*", "", cs)).toBe(true);
    expect(matchWildcard("", "", cs)).toBe(true);
    expect(matchWildcard("", "a", cs)).toBe(false);
    expect(matchWildcard("a*", "a\nb", cs)).toBe(true);
    expect(matchWildcard("*ab", "aab", cs)).toBe(true);
    expect(matchWildcard("a*b*c", "abxbxc", cs)).toBe(true);
    expect(matchWildcard("a*b*c", "abxbxcx", cs)).toBe(false);
    expect(matchWildcard("ecr:*", "ECR:PutImage", ci)).toBe(true);
  });
});

describe("isMatchAll / hasWildcard", () => {
  it("recognises match-all patterns", () => {
    expect(isMatchAll("*")).toBe(true);
    expect(isMatchAll("**")).toBe(true);
    expect(isMatchAll("*:*")).toBe(false);
    expect(isMatchAll("")).toBe(false);
    expect(hasWildcard("ecr:Describe?")).toBe(true);
    expect(hasWildcard("ecr:PutImage")).toBe(false);
  });
});
