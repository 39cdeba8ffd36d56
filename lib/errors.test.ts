import { describe, expect, it, vi } from "vitest";
import { SafeError, redact, toUserFacing } from "./errors";

describe("toUserFacing", () => {
  it("passes a SafeError's message through", () => {
    expect(toUserFacing(new SafeError("Key is in use", "conflict"), "test")).toEqual({ message: "Key is in use", code: "conflict" });
  });

  it("hides anything else behind an id and logs the cause without secrets", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const out = toUserFacing(new Error(`AccessDenied for ${secret}`), "rotate");
    expect(out.code).toBe("internal");
    expect(out.errorId).toMatch(/^E-[0-9A-F]{8}$/);
    expect(out.message).toContain(out.errorId);
    expect(out.message).not.toContain("AccessDenied");
    const logged = log.mock.calls.map((c) => c.join(" ")).join("\n");
    expect(logged).toContain(out.errorId);
    expect(logged).toContain("AccessDenied");
    expect(logged).not.toContain(secret);
    log.mockRestore();
  });
});

describe("redact", () => {
  it("removes AWS secret keys and GitHub tokens but keeps access key ids", () => {
    const s = redact("id AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(s).toContain("AKIAIOSFODNN7EXAMPLE");
    expect(s).not.toContain("wJalrXUtnFEMI");
    expect(s).not.toContain("ghp_abcdefghij");
  });
  it("keeps git commit ids", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(redact(`commit ${sha}`)).toBe(`commit ${sha}`);
  });
});
