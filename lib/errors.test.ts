import { describe, expect, it, vi } from "vitest";
import { SafeError, addKnownSecrets, redact, toUserFacing } from "./errors";

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

  it("removes every token shape Deckhand handles", () => {
    const pat = "github_pat_11ABCDEFG0123456789abc_" + "x".repeat(59);
    const cases: Array<[string, string]> = [
      [`fine-grained ${pat} used`, pat],
      ["oauth gho_16C7e42F292c6912E7710c838347Ae178B4a and app ghs_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"],
      ["AWS_SECRET_ACCESS_KEY=abc123def456", "abc123def456"],
      ["export GITHUB_TOKEN='s3cr3t-value'", "s3cr3t-value"],
      ["DECKHAND_WORKER_TOKEN: e2e-worker-token-0123", "e2e-worker-token-0123"],
      ['{"secretAccessKey":"short-but-secret","accessKeyId":"AKIAIOSFODNN7EXAMPLE"}', "short-but-secret"],
      ["GET /x?access_token=abcdef123456&page=2", "abcdef123456"],
      ["webhook_secret = hunter2-value", "hunter2-value"],
      ["Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2Fh", "eC1hY2Nlc3MtdG9rZW46Z2hwX2Fh"],
      ["authorization: Bearer abc.def.ghi", "abc.def.ghi"],
      ["fetch https://x-access-token:hunter22@github.com/acme/x.git", "hunter22"],
      ["clone https://hunter22@github.com/acme/x.git", "hunter22"],
      ["jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NTYifQ.c2lnbmF0dXJl", "eyJhbGciOiJSUzI1NiJ9"],
      ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA"],
      [`session ${"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD".repeat(4)}`, "IQoJb3JpZ2luX2VjEJr"],
    ];
    for (const [text, secret] of cases) expect(redact(text), text).not.toContain(secret);
    // What identifies but does not authenticate stays readable.
    expect(redact("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")).toBe("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE");
    expect(redact("Author: Dev <dev@example.com>; PWD=/home/dev; key_id 568250167242549743")).toBe("Author: Dev <dev@example.com>; PWD=/home/dev; key_id 568250167242549743");
    expect(redact("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")).toContain("0123456789abcdef");
  });

  it("removes configured secrets by value, whatever their shape", () => {
    addKnownSecrets(["deckhand-sandbox-webhook-secret", "short", undefined]);
    expect(redact("signed with deckhand-sandbox-webhook-secret!")).toBe("signed with [redacted]!");
    expect(redact("a short word")).toBe("a short word");
  });
});
