// Conditional requests against the sandbox's GitHub, as GitHub documents them: an ETag on every successful GET, 304
// for a matching If-None-Match (not counted against the rate limit), a new ETag once the data changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../constants";
import { startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";
import { ifNoneMatchHits } from "./conditional";

let f: GithubFixture;
beforeAll(async () => {
  f = await startGithubFixture();
});
afterAll(async () => {
  await f?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${f.sb.url}/api/v3${path}`, { headers: { authorization: `token ${SANDBOX_GITHUB_ADMIN_TOKEN}`, accept: "application/vnd.github+json", ...headers } });

describe("conditional requests", () => {
  it("a GET carries a weak ETag; sent back, the answer is 304 with no body and the rate limit is not charged", async () => {
    const path = "/repos/acme/mcp-servers/actions/variables";
    const first = await get(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const body = await first.json();
    const used = Number(first.headers.get("x-ratelimit-used"));

    const again = await get(path, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    // Its rate-limit figures are the count after the refund, as if it had not been made.
    expect(Number(again.headers.get("x-ratelimit-used"))).toBe(used);
    expect(Number(again.headers.get("x-ratelimit-remaining"))).toBe(Number(first.headers.get("x-ratelimit-remaining")));
    // The next charged request shows the 304 was not counted.
    const next = await get(path);
    expect(Number(next.headers.get("x-ratelimit-used"))).toBe(used + 1);
    expect(await next.json()).toEqual(body);
  });

  it("a changed resource answers 200 with a new ETag, and a stale validator is not a match", async () => {
    const path = "/repos/acme/mcp-servers/actions/variables";
    const before = await get(path);
    const etag = before.headers.get("etag")!;
    await f.octokit.actions.createRepoVariable({ owner: "acme", repo: "mcp-servers", name: "CONDITIONAL_PROBE", value: "1" });
    try {
      const after = await get(path, { "if-none-match": etag });
      expect(after.status).toBe(200);
      expect(after.headers.get("etag")).not.toBe(etag);
      expect(((await after.json()) as { variables: Array<{ name: string }> }).variables.map((v) => v.name)).toContain("CONDITIONAL_PROBE");
    } finally {
      await f.octokit.actions.deleteRepoVariable({ owner: "acme", repo: "mcp-servers", name: "CONDITIONAL_PROBE" });
    }
  });

  it("errors and writes are not conditional: a 404 has no ETag, a POST is answered as before", async () => {
    const missing = await get("/repos/acme/no-such-repository");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("etag")).toBeNull();
  });

  it("If-None-Match lists and * match as RFC 9110's weak comparison says", () => {
    expect(ifNoneMatchHits('"abc"', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchHits('W/"x", W/"abc"', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchHits("*", 'W/"abc"')).toBe(true);
    expect(ifNoneMatchHits('W/"abd"', 'W/"abc"')).toBe(false);
    expect(ifNoneMatchHits(undefined, 'W/"abc"')).toBe(false);
  });
});
