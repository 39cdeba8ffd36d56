import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";

/** What a SigV4-signed request claims, before the signature is checked. */
export interface SigV4Claim {
  accessKeyId: string;
  /** yyyymmdd from the credential scope */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date as given, e.g. 20240101T000000Z */
  amzDate: string;
  /** Query-string (presigned) auth carries an expiry. */
  presigned?: { expiresIn: number };
}

export type ClaimResult = { ok: true; claim: SigV4Claim } | { ok: false; reason: "absent" | "malformed"; message: string };

const AUTH_RE = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/;

/** True when a request carries SigV4 auth at all (header or presigned query), i.e. it is meant for the AWS half. */
export function looksSigV4(req: IncomingMessage, url: URL): boolean {
  const auth = req.headers.authorization ?? "";
  return auth.startsWith("AWS4-HMAC-SHA256") || url.searchParams.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256";
}

function parseCredential(credential: string): Omit<SigV4Claim, "signedHeaders" | "signature" | "amzDate"> | undefined {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request") return undefined;
  const [accessKeyId, scopeDate, region, service] = parts;
  if (!accessKeyId || !/^\d{8}$/.test(scopeDate) || !region || !service) return undefined;
  return { accessKeyId, scopeDate, region, service };
}

export function parseSigV4(req: IncomingMessage, url: URL): ClaimResult {
  const auth = req.headers.authorization ?? "";
  if (auth.startsWith("AWS4-HMAC-SHA256")) {
    const m = AUTH_RE.exec(auth);
    const cred = m ? parseCredential(m[1]) : undefined;
    if (!m || !cred) return { ok: false, reason: "malformed", message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${auth}` };
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, reason: "malformed", message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." };
    return { ok: true, claim: { ...cred, signedHeaders: m[2].split(";"), signature: m[3], amzDate } };
  }
  const q = url.searchParams;
  if (q.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256") {
    const cred = parseCredential(q.get("X-Amz-Credential") ?? "");
    const amzDate = q.get("X-Amz-Date") ?? "";
    const signature = q.get("X-Amz-Signature") ?? "";
    const expires = Number(q.get("X-Amz-Expires") ?? "");
    if (!cred || !/^\d{8}T\d{6}Z$/.test(amzDate) || !/^[0-9a-f]{64}$/.test(signature) || !Number.isInteger(expires))
      return { ok: false, reason: "malformed", message: "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires'. Re-examine the query-string parameters." };
    return { ok: true, claim: { ...cred, signedHeaders: (q.get("X-Amz-SignedHeaders") ?? "host").split(";"), signature, amzDate, presigned: { expiresIn: expires } } };
  }
  return { ok: false, reason: "absent", message: "Missing Authentication Token" };
}

export function parseAmzDate(amzDate: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

export const formatAmzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

const SKEW_MS = 15 * 60 * 1000;

/**
 * AWS refuses a header-signed request dated more than 15 minutes away from its clock. Returns the
 * message AWS uses, or undefined when the date is acceptable.
 */
export function clockSkewMessage(claim: SigV4Claim, now: Date): string | undefined {
  const signed = parseAmzDate(claim.amzDate);
  if (claim.presigned) return undefined;
  if (signed.getTime() < now.getTime() - SKEW_MS)
    return `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(new Date(now.getTime() - SKEW_MS))} (${formatAmzDate(now)} - 15 min.)`;
  if (signed.getTime() > now.getTime() + SKEW_MS)
    return `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(new Date(now.getTime() + SKEW_MS))} (${formatAmzDate(now)} + 15 min.)`;
  return undefined;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(",") : v;
}

function queryObject(url: URL, drop?: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    if (k === drop) continue;
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

/**
 * Recompute the signature with the SDK's own signer over exactly the headers the client signed,
 * and compare. Any difference (secret, body, headers, scope) means SignatureDoesNotMatch.
 */
export async function verifySigV4(req: IncomingMessage, url: URL, body: Buffer, claim: SigV4Claim, secretAccessKey: string): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const v = headerValue(req, name);
    if (v === undefined) return false;
    headers[name] = v;
  }
  // The signer trusts a declared payload hash; make sure it is the hash of the body we actually received.
  const declared = headerValue(req, "x-amz-content-sha256");
  if (declared && declared !== "UNSIGNED-PAYLOAD" && declared !== createHash("sha256").update(body).digest("hex")) return false;
  // The client signs its (already percent-encoded) path, escaped once more: pass the raw path as received.
  const path = url.pathname;
  const signer = new SignatureV4({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey },
    region: claim.region,
    service: claim.service,
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: false,
  });
  const signingDate = parseAmzDate(claim.amzDate);
  const signableHeaders = new Set(claim.signedHeaders);
  let expected: string;
  if (claim.presigned) {
    const request = { method: req.method ?? "GET", protocol: "http:", hostname: "", path, query: queryObject(url, "X-Amz-Signature"), headers, body: body.length ? body : undefined };
    const signed = await signer.presign(request, { signingDate, expiresIn: claim.presigned.expiresIn, signableHeaders });
    expected = String(signed.query?.["X-Amz-Signature"] ?? "");
  } else {
    const request = { method: req.method ?? "GET", protocol: "http:", hostname: "", path, query: queryObject(url), headers, body };
    const signed = await signer.sign(request, { signingDate, signableHeaders });
    expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? "";
  }
  return safeEqual(expected, claim.signature);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Synchronous check used by the admin authenticator, which cannot read the body: the client must sign
 * x-amz-content-sha256 (the SDK's signer does by default) or send no body. Same canonical form as SigV4.
 */
export function verifySigV4HeaderSync(req: IncomingMessage, url: URL, claim: SigV4Claim, secretAccessKey: string): boolean {
  if (claim.presigned) return false;
  const signedBodyHash = headerValue(req, "x-amz-content-sha256");
  const hasBody = Number(req.headers["content-length"] ?? "0") > 0 || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && (!signedBodyHash || !claim.signedHeaders.includes("x-amz-content-sha256"))) return false;
  const payloadHash = signedBodyHash ?? createHash("sha256").update("").digest("hex");
  const canonicalHeaders: string[] = [];
  for (const name of [...claim.signedHeaders].sort()) {
    const v = headerValue(req, name);
    if (v === undefined) return false;
    canonicalHeaders.push(`${name}:${v.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").trim()}`);
  }
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  let path = "/" + url.pathname.split("/").filter((s) => s.length > 0 && s !== ".").map((s) => enc(s)).join("/");
  if (url.pathname.endsWith("/") && path !== "/") path += "/";
  const query = [...url.searchParams].map(([k, v]) => [enc(k), enc(v)]).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join("&");
  const canonical = [req.method ?? "GET", path, query, canonicalHeaders.join("\n"), "", [...claim.signedHeaders].sort().join(";"), payloadHash].join("\n");
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", claim.amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  let key: Buffer = createHmac("sha256", `AWS4${secretAccessKey}`).update(claim.scopeDate).digest();
  for (const part of [claim.region, claim.service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return safeEqual(createHmac("sha256", key).update(stringToSign).digest("hex"), claim.signature);
}
