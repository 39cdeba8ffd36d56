import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, strictTransportSecurity } from "./security-headers";

describe("contentSecurityPolicy", () => {
  it("allows scripts by nonce only, no eval in production, no framing", () => {
    const csp = contentSecurityPolicy("abc123", { dev: false, https: false, signInOrigin: "https://github.com" });
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' https://github.com;");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(csp.split("; ").find((d) => d.startsWith("script-src"))).not.toContain("unsafe-inline");
  });
  it("adds eval in development and upgrades requests over https", () => {
    expect(contentSecurityPolicy("n", { dev: true, https: true, signInOrigin: "https://github.com" })).toMatch(/'unsafe-eval'.*upgrade-insecure-requests/);
  });
});

describe("strictTransportSecurity", () => {
  it("is sent only when Deckhand's URL is https", () => {
    expect(strictTransportSecurity("https://deckhand.example.com")).toMatch(/^max-age=\d+/);
    expect(strictTransportSecurity("http://localhost:3000")).toBeNull();
  });
});
