import { createHmac } from "node:crypto";

/** GitHub's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the exact payload bytes, keyed by the hook's secret. */
export function signPayload(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The legacy X-Hub-Signature (HMAC-SHA1), still sent by GitHub alongside the SHA-256 one. */
export function signPayloadSha1(secret: string, body: string | Buffer): string {
  return `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
}
