// Conditional requests, as GitHub's REST API answers them ("Best practices for using the REST API": "Most endpoints
// return an etag header ... You can use the values of these headers to make conditional GET requests ... If the data
// has not changed, you will receive a 304 Not Modified response. Making a conditional request does not count against
// your primary rate limit if a 304 response is returned"). Every successful GET under /api/v3 gets a weak ETag over
// its body; a GET whose If-None-Match names it is answered 304 with no body, and given back its rate-limit count.

import { createHash } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** GitHub's ETags are weak validators over the representation: W/"<hex>". */
export function etagOf(body: Buffer): string {
  return `W/"${createHash("sha256").update(body).digest("hex").slice(0, 40)}"`;
}

/** Whether If-None-Match (a list of validators, or *) names `etag`; weak comparison, as RFC 9110 §13.1.2 asks for GET. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (v: string) => v.trim().replace(/^W\//, "");
  return header.split(",").some((v) => v.trim() === "*" || opaque(v) === opaque(etag));
}

/**
 * Run `handle` (a route's handler, which answers on `res`) with its answer held back: a GET's 200 gets an ETag, and is
 * turned into a 304 (headers kept, no body) when the request's If-None-Match names it, calling `refund` (the request
 * does not count against the rate limit then). Other methods and statuses go out unchanged.
 */
export async function answerConditionally(req: IncomingMessage, res: ServerResponse, handle: () => Promise<void>, refund: () => void): Promise<void> {
  if (req.method !== "GET") return handle();
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let status = 200;
  let statusMessage: string | undefined;
  const chunks: Buffer[] = [];
  const toBuffer = (c: unknown, encoding?: BufferEncoding) => (Buffer.isBuffer(c) ? c : typeof c === "string" ? Buffer.from(c, encoding) : Buffer.from(c as Uint8Array));
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  res.writeHead = ((code: number, ...rest: unknown[]) => {
    status = code;
    const [a, b] = rest;
    const headers = (typeof a === "string" ? b : a) as OutgoingHttpHeaders | undefined;
    if (typeof a === "string") statusMessage = a;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) res.setHeader(k, v);
    return res;
  }) as ServerResponse["writeHead"];
  res.write = ((chunk: unknown, encoding?: unknown) => {
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined));
    return true;
  }) as ServerResponse["write"];
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") chunks.push(toBuffer(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined));
    ended();
    return res;
  }) as ServerResponse["end"];
  try {
    await handle();
    await done;
  } finally {
    Object.assign(res, original);
  }
  const body = Buffer.concat(chunks);
  if (status === 200) {
    const etag = etagOf(body);
    res.setHeader("etag", etag);
    if (ifNoneMatchHits(req.headers["if-none-match"], etag)) {
      refund();
      // The rate-limit headers were set when the request was charged: the 304 says the count after the refund.
      const used = Number(res.getHeader("x-ratelimit-used"));
      const remaining = Number(res.getHeader("x-ratelimit-remaining"));
      if (Number.isFinite(used) && used > 0) res.setHeader("x-ratelimit-used", String(used - 1));
      if (Number.isFinite(remaining)) res.setHeader("x-ratelimit-remaining", String(remaining + 1));
      res.removeHeader("content-length");
      res.removeHeader("content-type");
      res.writeHead(304);
      res.end();
      return;
    }
  }
  res.setHeader("content-length", body.length);
  if (statusMessage) res.writeHead(status, statusMessage);
  else res.writeHead(status);
  res.end(body);
}
