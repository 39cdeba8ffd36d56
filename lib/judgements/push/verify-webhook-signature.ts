import crypto from "node:crypto";

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: "no-secret" | "missing" | "malformed" | "mismatch" };

const HEADER_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks GitHub's X-Hub-Signature-256 over the exact raw body bytes. The body must be the bytes as received:
 * re-serialising parsed JSON changes whitespace and key order and breaks the HMAC.
 * An empty secret fails closed (reason "no-secret") so a misconfigured server never accepts unsigned deliveries.
 */
export function verifyWebhookSignature({
  secret,
  rawBody,
  signatureHeader,
}: {
  secret: string | undefined | null;
  rawBody: Uint8Array | string;
  signatureHeader: string | undefined | null;
}): SignatureVerdict {
  if (!secret) return { ok: false, reason: "no-secret" };
  if (signatureHeader === undefined || signatureHeader === null || signatureHeader === "") {
    return { ok: false, reason: "missing" };
  }
  const match = HEADER_PATTERN.exec(signatureHeader);
  if (!match) return { ok: false, reason: "malformed" };
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = crypto.createHmac("sha256", secret).update(rawBody).digest();
  // Both are 32 bytes thanks to the pattern; timingSafeEqual throws on unequal lengths, so check anyway.
  if (given.length !== expected.length) return { ok: false, reason: "malformed" };
  return crypto.timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: "mismatch" };
}

/** The header value GitHub would send for this body; used by tests and by the sandbox-side tooling. */
export function signWebhookBody(secret: string, rawBody: Uint8Array | string): string {
  return "sha256=" + crypto.createHmac("sha256", secret).update(rawBody).digest("hex");
}
