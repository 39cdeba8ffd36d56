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
