import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { clockSkewMessage, parseSigV4, verifySigV4, verifySigV4HeaderSync } from "./sigv4";

const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

/** Sign like a client would, then present the result as the server sees it (lower-case node headers). */
async function signedRequest(opts: { method: string; path: string; query?: Record<string, string>; body?: string; secret?: string; date?: Date }) {
  const signer = new SignatureV4({ credentials: { ...creds, secretAccessKey: opts.secret ?? creds.secretAccessKey }, region: "us-east-1", service: "ecr", sha256: Hash.bind(null, "sha256") });
  const headers: Record<string, string> = { host: "127.0.0.1:4566", "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories" };
  const signed = await signer.sign({ method: opts.method, protocol: "http:", hostname: "127.0.0.1", port: 4566, path: opts.path, query: opts.query ?? {}, headers, body: opts.body }, { signingDate: opts.date });
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) lower[k.toLowerCase()] = v;
  if (opts.body) lower["content-length"] = String(Buffer.byteLength(opts.body));
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  const url = new URL(`${opts.path}${qs ? `?${qs}` : ""}`, "http://127.0.0.1:4566");
  return { req: { method: opts.method, headers: lower } as unknown as IncomingMessage, url, body: Buffer.from(opts.body ?? "") };
}

describe("SigV4 verification", () => {
  it("accepts the SDK signer's signature and rejects a changed body, secret or header", async () => {
    const r = await signedRequest({ method: "POST", path: "/", body: '{"maxResults":5}' });
    const parsed = parseSigV4(r.req, r.url);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.claim).toMatchObject({ accessKeyId: creds.accessKeyId, region: "us-east-1", service: "ecr" });
    expect(await verifySigV4(r.req, r.url, r.body, parsed.claim, creds.secretAccessKey)).toBe(true);
    expect(await verifySigV4(r.req, r.url, Buffer.from('{"maxResults":6}'), parsed.claim, creds.secretAccessKey)).toBe(false);
    expect(await verifySigV4(r.req, r.url, r.body, parsed.claim, "wrong")).toBe(false);
    const tampered = { ...r.req, headers: { ...r.req.headers, "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DeleteRepository" } } as unknown as IncomingMessage;
    expect(await verifySigV4(tampered, r.url, r.body, parsed.claim, creds.secretAccessKey)).toBe(false);
  });

  it("agrees with the synchronous admin verifier on paths and query strings", async () => {
    const r = await signedRequest({ method: "GET", path: "/_sandbox/aws/keys", query: { user: "github-ecr-push", "a b": "c/d" } });
    const parsed = parseSigV4(r.req, r.url);
    if (!parsed.ok) throw new Error("unparsed");
    expect(await verifySigV4(r.req, r.url, r.body, parsed.claim, creds.secretAccessKey)).toBe(true);
    expect(verifySigV4HeaderSync(r.req, r.url, parsed.claim, creds.secretAccessKey)).toBe(true);
    expect(verifySigV4HeaderSync(r.req, r.url, parsed.claim, "wrong")).toBe(false);
    const other = new URL(r.url);
    other.searchParams.set("user", "someone-else");
    expect(verifySigV4HeaderSync(r.req, other, parsed.claim, creds.secretAccessKey)).toBe(false);
  });

  it("reports clock skew beyond 15 minutes in AWS's words", async () => {
    const r = await signedRequest({ method: "POST", path: "/", body: "{}", date: new Date("2026-01-01T00:00:00Z") });
    const parsed = parseSigV4(r.req, r.url);
    if (!parsed.ok) throw new Error("unparsed");
    expect(clockSkewMessage(parsed.claim, new Date("2026-01-01T00:14:00Z"))).toBeUndefined();
    expect(clockSkewMessage(parsed.claim, new Date("2026-01-01T00:20:00Z"))).toBe("Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T002000Z - 15 min.)");
    expect(clockSkewMessage(parsed.claim, new Date("2025-12-31T23:40:00Z"))).toBe("Signature not yet current: 20260101T000000Z is still later than 20251231T235500Z (20251231T234000Z + 15 min.)");
  });

  it("tells malformed and absent authorization apart", () => {
    const url = new URL("http://x/");
    expect(parseSigV4({ headers: {} } as IncomingMessage, url)).toMatchObject({ ok: false, reason: "absent" });
    expect(parseSigV4({ headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIA/2026/us-east-1" } } as unknown as IncomingMessage, url)).toMatchObject({ ok: false, reason: "malformed" });
  });
});
