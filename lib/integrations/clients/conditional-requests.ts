// Conditional GETs for Deckhand's GitHub client. GitHub ("Best practices for using the REST API", Use conditional
// requests if appropriate): "Most endpoints return an etag header ... If the data has not changed, you will receive a
// 304 Not Modified response. Making a conditional request does not count against your primary rate limit if a 304
// response is returned". Deckhand reads the same listings again and again (every page's parts after their few seconds
// of cache, the Fleet's 200 repositories, each owner wildcard's discovery every 15 minutes: some 1,200 calls at 300
// repositories, most of GitHub's 5,000 an hour): answered 304, none of those count.
//
// Every answer is GitHub's: a kept body is only given back after GitHub said 304 to its ETag, never served on its own.

import type { Octokit } from "@octokit/rest";

export interface ConditionalRequestOptions {
  /** Bytes of kept bodies at most (their JSON text, 2 bytes a character), the least recently used dropped first. Default 16 MiB. */
  maxBytes?: number;
  /** A body larger than this is not kept (logs, big listings). Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface ConditionalRequestStats {
  /** GETs answered 304 and given back the kept body. */
  notModified: number;
  /** Bodies kept now, and their bytes. */
  entries: number;
  bytes: number;
}

/** A kept answer; its body as JSON text, so what a caller does to the data it was given never changes what is kept. */
type Kept = { etag: string; status: number; url: string; headers: Record<string, unknown>; text: string; bytes: number };

/** A body JSON keeps as it is: a plain object, an array or a string (not an ArrayBuffer, Blob or stream). */
function isPlainJson(data: unknown): boolean {
  return typeof data === "string" || Array.isArray(data) || (data !== null && typeof data === "object" && Object.getPrototypeOf(data) === Object.prototype);
}

/** The body as JSON text, or null when it has none or cannot be (Octokit parses integers past 2^53 as BigInt). */
function asJson(data: unknown): string | null {
  if (data === undefined) return null;
  try {
    return JSON.stringify(data);
  } catch {
    return null;
  }
}

/**
 * Sends If-None-Match with the ETag of the last answer to the same GET (URL and Accept) and, when GitHub answers 304,
 * gives back that answer's body with the 304's headers (its rate-limit figures are the current ones). Per client (one
 * token): nothing is shared between tokens. GETs whose body is a stream (parseSuccessResponseBody: false) are left
 * alone. Returns live figures. Wrap it last: outside plugin-retry and plugin-throttling, a 304 is an answer, not a
 * failure to retry (Octokit throws it as a RequestError with status 304).
 */
export function addConditionalRequests(octokit: Pick<Octokit, "hook" | "request">, { maxBytes = 16 * 1024 * 1024, maxBodyBytes = 1024 * 1024 }: ConditionalRequestOptions = {}): ConditionalRequestStats {
  const kept = new Map<string, Kept>();
  const stats: ConditionalRequestStats = { notModified: 0, entries: 0, bytes: 0 };
  const drop = (key: string) => {
    const k = kept.get(key);
    if (!k) return;
    kept.delete(key);
    stats.bytes -= k.bytes;
    stats.entries = kept.size;
  };
  const keep = (key: string, k: Kept) => {
    drop(key);
    if (k.bytes > maxBodyBytes) return;
    kept.set(key, k);
    stats.bytes += k.bytes;
    while (stats.bytes > maxBytes && kept.size > 0) drop(kept.keys().next().value!);
    stats.entries = kept.size;
  };
  octokit.hook.wrap("request", async (request, options) => {
    const parsed = octokit.request.endpoint.parse(options);
    if (parsed.method !== "GET" || options.request?.parseSuccessResponseBody === false) return request(options);
    const key = `${parsed.url} ${String(parsed.headers.accept ?? "")}`;
    const hit = kept.get(key);
    // In place: before-after-hook binds the inner layers to this same options object (a copy would not reach them).
    // It is this request's own (Octokit merges a new one per call).
    if (hit) options.headers["if-none-match"] = hit.etag;
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      // Only GitHub's own JSON answers: a followed redirect (logs, archives) answered elsewhere, and a binary body
      // (an ArrayBuffer) would not survive JSON.
      const text = response.status === 200 && typeof etag === "string" && response.url === parsed.url && isPlainJson(response.data) ? asJson(response.data) : null;
      // Bytes as UTF-16 code units × 2: what V8 may hold for the string, whatever its characters.
      if (text !== null) keep(key, { etag: etag as string, status: response.status, url: response.url, headers: response.headers, text, bytes: text.length * 2 });
      else drop(key);
      return response;
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Record<string, unknown> } };
      if (!hit || e.status !== 304) throw err;
      stats.notModified++;
      // Most recently used last (the eviction order), only if it is still the kept entry: evicted or replaced while
      // this request was out, putting it back would count its bytes twice on the next eviction, or undo a newer one.
      if (kept.get(key) === hit) {
        kept.delete(key);
        kept.set(key, hit);
      }
      // The 304's headers are the current ones; a pagination link is only what the 304 says (GitHub's ETag ignores it).
      const { link: _keptLink, ...keptHeaders } = hit.headers;
      void _keptLink;
      return { status: hit.status, url: hit.url, headers: { ...keptHeaders, ...(e.response?.headers ?? {}), etag: hit.etag }, data: JSON.parse(hit.text) } as Awaited<ReturnType<typeof request>>;
    }
  });
  return stats;
}
