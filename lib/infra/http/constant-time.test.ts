import { describe, expect, it } from "vitest";
import { bearerToken, tokensMatch } from "./constant-time";

describe("tokensMatch", () => {
  it("matches equal tokens only", () => {
    expect(tokensMatch("s3cret-token-value", "s3cret-token-value")).toBe(true);
    expect(tokensMatch("s3cret-token-valuX", "s3cret-token-value")).toBe(false);
    expect(tokensMatch("short", "s3cret-token-value")).toBe(false);
  });
  it("fails closed when either side is missing", () => {
    expect(tokensMatch("", "")).toBe(false);
    expect(tokensMatch(undefined, undefined)).toBe(false);
    expect(tokensMatch("anything", undefined)).toBe(false);
    expect(tokensMatch(null, "expected")).toBe(false);
  });
});

describe("bearerToken", () => {
  it("reads the token of a Bearer header only", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
