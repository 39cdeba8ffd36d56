// Deckhand's GitHub client against the sandbox with injected faults: server errors are retried with
// backoff, answers that will not change (403, 404, 422) are not.

import { describe, expect, it } from "vitest";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../../sandbox/constants";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { createGitHubClient } from "./github-client";

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
});
