import { describe, expect, it } from "vitest";
import { signWebhookBody, verifyWebhookSignature } from "./verify-webhook-signature";

// GitHub's published test vector (docs: "Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = "Hello, World!";
const SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("verifyWebhookSignature", () => {
  it("accepts GitHub's published vector, as string and as bytes", () => {
    expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader: SIGNATURE })).toEqual({ ok: true });
    expect(
      verifyWebhookSignature({ secret: SECRET, rawBody: Buffer.from(BODY, "utf8"), signatureHeader: SIGNATURE }),
    ).toEqual({ ok: true });
  });

  it("signs like GitHub", () => {
    expect(signWebhookBody(SECRET, BODY)).toBe(SIGNATURE);
  });

  it("accepts upper-case hex", () => {
    const upper = "sha256=" + SIGNATURE.slice(7).toUpperCase();
    expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader: upper }).ok).toBe(true);
  });

  it("rejects a changed body, a changed secret and a one-nibble change", () => {
    expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY + " ", signatureHeader: SIGNATURE })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyWebhookSignature({ secret: SECRET + "x", rawBody: BODY, signatureHeader: SIGNATURE }).ok).toBe(false);
    const flipped = SIGNATURE.slice(0, -1) + (SIGNATURE.endsWith("7") ? "8" : "7");
    expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader: flipped })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });

  it("fails closed without a secret, even with a 'valid' signature for the empty key", () => {
    const emptyKeySig = signWebhookBody("", BODY);
    for (const secret of ["", undefined, null]) {
      expect(verifyWebhookSignature({ secret, rawBody: BODY, signatureHeader: emptyKeySig })).toEqual({
        ok: false,
        reason: "no-secret",
      });
    }
  });

  it("reports a missing header", () => {
    for (const h of [undefined, null, ""]) {
      expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader: h })).toEqual({
        ok: false,
        reason: "missing",
      });
    }
  });

  it("rejects malformed headers without throwing", () => {
    const bad = [
      "sha1=" + SIGNATURE.slice(7),
      SIGNATURE.slice(7),
      "sha256=",
      "sha256=abc",
      SIGNATURE + "00",
      SIGNATURE.slice(0, -2),
      "sha256=" + "z".repeat(64),
      "sha256=" + SIGNATURE.slice(7) + "\u0000",
      "SHA256=" + SIGNATURE.slice(7),
    ];
    for (const signatureHeader of bad) {
      expect(() => verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader })).not.toThrow();
      expect(verifyWebhookSignature({ secret: SECRET, rawBody: BODY, signatureHeader })).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
  });
});
