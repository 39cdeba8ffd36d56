// Deckhand's GitHub client against the sandbox with injected faults: server errors are retried with
// backoff, answers that will not change (403, 404, 422) are not; rate limits are waited out as plugin-throttling
// decides (through limiters no two requests share); at most GITHUB_MAX_CONCURRENT requests are in flight.

import { describe, expect, it } from "vitest";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../../sandbox/constants";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { createGitHubClient, GITHUB_MAX_CONCURRENT } from "./github-client";

const sbx = sharedTestSandbox();
const warnings: string[] = [];
const client = () => createGitHubClient({ baseUrl: `${sbx.url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: (m: string) => warnings.push(m) } });
const repo = { owner: "acme", repo: "mcp-servers" };
const ROUTE = "GET /repos/{owner}/{repo}";

async function faultsLeft(): Promise<number[]> {
  const r = await sbx.admin("GET", "/_sandbox/faults");
  return ((await r.json()) as { faults: { remaining: number }[] }).faults.map((f) => f.remaining);
}

describe("createGitHubClient", () => {
  it("retries a 503 and succeeds when GitHub recovers", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "503", count: 2 });
    const { data } = await client().rest.repos.get(repo);
    expect(data.full_name).toBe("acme/mcp-servers");
    // Both faults were used up (the sandbox drops spent rules).
    expect(await faultsLeft()).toEqual([]);
  });

  it("reports a 503 that outlasts the retries, after 1 + retries attempts", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "503", count: 5 });
    await expect(client().rest.repos.get(repo)).rejects.toMatchObject({ status: 503 });
    expect(await faultsLeft()).toEqual([2]);
  });

  it("does not retry a 403: the one failure is the answer", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "access-denied", count: 1 });
    // Retried, the second attempt would have succeeded.
    await expect(client().rest.repos.get(repo)).rejects.toMatchObject({ status: 403 });
    expect(await faultsLeft()).toEqual([]);
  });

  it("does not retry a 404", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "PATCH /repos/{owner}/{repo}/actions/variables/{name}", kind: "latency", latencyMs: 1, count: 10 });
    await expect(client().rest.actions.updateRepoVariable({ ...repo, name: "NO_SUCH_VARIABLE", value: "x" })).rejects.toMatchObject({ status: 404 });
    // The latency rule counts every request that reached the route: exactly one.
    expect(await faultsLeft()).toEqual([9]);
  });

  it("waits out a secondary rate limit (403 with retry-after) and succeeds, saying so in the log", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    warnings.length = 0;
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "secondary-rate-limit", count: 1 });
    const started = Date.now();
    const { data } = await client().rest.repos.get(repo);
    expect(data.full_name).toBe("acme/mcp-servers");
    // retry-after: 1 (seconds), honoured before the second attempt.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(warnings.some((w) => w.includes("secondary rate limit on GET /repos/{owner}/{repo}"))).toBe(true);
    expect(await faultsLeft()).toEqual([]);
  });

  it("waits out a primary rate limit (429, x-ratelimit-remaining 0) until x-ratelimit-reset, once: plugin-retry leaves it alone", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    warnings.length = 0;
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "throttle", count: 1 });
    const started = Date.now();
    expect((await client().rest.repos.get(repo)).data.full_name).toBe("acme/mcp-servers");
    // The reset is a second away (whole epoch seconds): plugin-throttling waits past it; plugin-retry's 250 ms would not.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(warnings.filter((w) => w.includes("GitHub rate limit on GET /repos/{owner}/{repo}"))).toHaveLength(1);
    expect(await faultsLeft()).toEqual([]);
  }, 15_000);

  it("reports a rate limit that outlasts the retries, after 1 + retries attempts", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "secondary-rate-limit", count: 10 });
    const c = createGitHubClient({ baseUrl: `${sbx.url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 1, log: { warn: () => {} } });
    await expect(c.rest.repos.get(repo)).rejects.toMatchObject({ status: 403 });
    expect(await faultsLeft()).toEqual([8]);
    await sbx.admin("DELETE", "/_sandbox/faults");
  }, 15_000);

  it("a retry after a rate limit is not queued behind every request sent while it waited", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    // The first request is refused once (retry-after 1 s); meanwhile 800 others, each held 200 ms, fill every slot.
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "secondary-rate-limit", count: 1 });
    const c = client();
    const order: string[] = [];
    const limited = c.rest.repos.get(repo).then(() => order.push("retried"));
    await new Promise((r) => setTimeout(r, 100));
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/actions/variables", kind: "latency", latencyMs: 200, count: -1 });
    const others = Array.from({ length: 800 }, () => c.rest.actions.listRepoVariables(repo).then(() => order.push("other")));
    await Promise.all([limited, ...others]);
    await sbx.admin("DELETE", "/_sandbox/faults");
    // 800 requests at 50 in flight, 200 ms each, take about 3.2 s; the retry goes at about 1 s (after some 250 of
    // them), not behind the ones still queued then (after some 750).
    expect(order.indexOf("retried")).toBeLessThan(500);
  }, 30_000);

  it("lets at most GITHUB_MAX_CONCURRENT requests of the process be in flight, across clients", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    // Each answer held 150 ms, so requests overlap as much as the client lets them.
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: ROUTE, kind: "latency", latencyMs: 150, count: -1 });
    let inFlight = 0;
    let most = 0;
    // Octokit's per-request fetch is the innermost step: what it counts is on the wire.
    const counting: typeof fetch = async (input, init) => {
      most = Math.max(most, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const clients = [client(), client(), client()];
    const n = GITHUB_MAX_CONCURRENT * 2 + 10;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => clients[i % 3].request(ROUTE, { ...repo, request: { fetch: counting } })));
    await sbx.admin("DELETE", "/_sandbox/faults");
    expect(answers.every((a) => a.data.full_name === "acme/mcp-servers")).toBe(true);
    expect(most).toBe(GITHUB_MAX_CONCURRENT);
  }, 30_000);

  it("asks again with the last answer's ETag: GitHub's 304 gives back the same data, a change gives the new", async () => {
    await sbx.admin("DELETE", "/_sandbox/faults");
    const statuses: number[] = [];
    // Octokit's per-request fetch is innermost: it sees what GitHub answered on the wire.
    const seeing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    warnings.length = 0;
    const c = client();
    const list = () => c.rest.actions.listRepoVariables({ ...repo, request: { fetch: seeing } });
    const first = await list();
    const second = await list();
    expect(statuses).toEqual([200, 304]);
    expect(second.status).toBe(200);
    // Not a line for the server log: plugin-request-log reports a 304 as an error.
    expect(warnings).toEqual([]);
    expect(second.data).toEqual(first.data);
    // What a caller does to its data never reaches the next caller's.
    second.data.variables.length = 0;
    expect((await list()).data).toEqual(first.data);
    statuses.pop();
    await c.rest.actions.createRepoVariable({ ...repo, name: "ETAG_PROBE", value: "1" });
    try {
      const third = await list();
      expect(statuses).toEqual([200, 304, 200]);
      expect(third.data.variables.map((v) => v.name)).toContain("ETAG_PROBE");
    } finally {
      await c.rest.actions.deleteRepoVariable({ ...repo, name: "ETAG_PROBE" });
    }
    // Another client (another token's, in production) has nothing kept: its first GET is a plain one.
    await client().rest.actions.listRepoVariables({ ...repo, request: { fetch: seeing } });
    expect(statuses.at(-1)).toBe(200);
  });
});
