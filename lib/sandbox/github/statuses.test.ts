import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settledFetch, startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";
import { OpenApiViolation } from "./test-support/openapi-validator";

let f: GithubFixture;
const repo = { owner: "acme", repo: "mcp-servers" };
let sha: string;

/** A request Octokit's validator would stop before it leaves: sent raw to see the sandbox's own answer. */
async function raw(method: string, path: string, body: unknown) {
  const res = await settledFetch(`${f.sb.url}/api/v3${path}`, { method, headers: { authorization: "token ghp_sandboxadmintoken", "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { message: string; errors?: unknown[] } };
}

beforeAll(async () => {
  f = await startGithubFixture();
  sha = (await f.octokit.repos.getCommit({ ...repo, ref: "main" })).data.sha;
});
afterAll(async () => {
  await f?.close();
});

describe("commit statuses", () => {
  it("creates statuses and lists them newest first for a sha or a branch", async () => {
    const a = await f.octokit.repos.createCommitStatus({ ...repo, sha, state: "pending", context: "deckhand/push", description: "Pushing images" });
    expect(a.status).toBe(201);
    expect(a.data).toMatchObject({ state: "pending", context: "deckhand/push", creator: { login: "octo-operator" } });
    await f.octokit.repos.createCommitStatus({ ...repo, sha, state: "success", context: "deckhand/push", target_url: "http://localhost:3000/pushes/1" });
    await f.octokit.repos.createCommitStatus({ ...repo, sha, state: "failure", context: "other/check" });
    const list = await f.octokit.repos.listCommitStatusesForRef({ ...repo, ref: "main" });
    expect(list.data.map((s) => s.state)).toEqual(["failure", "success", "pending"]);
    const combined = await f.octokit.repos.getCombinedStatusForRef({ ...repo, ref: sha });
    expect(combined.data).toMatchObject({ state: "failure", total_count: 2, sha });
  });

  it("validates state and sha (422) and needs write access (viewer 403)", async () => {
    await expect(f.octokit.request("POST /repos/{owner}/{repo}/statuses/{sha}", { ...repo, sha, state: "great" as "success" })).rejects.toBeInstanceOf(OpenApiViolation);
    const bad = await raw("POST", `/repos/acme/mcp-servers/statuses/${sha}`, { state: "great" });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe("Validation Failed");
    await expect(f.octokit.repos.createCommitStatus({ ...repo, sha: "f".repeat(40), state: "success" })).rejects.toMatchObject({ status: 422 });
    await expect(f.as("octo-viewer").repos.createCommitStatus({ ...repo, sha, state: "success" })).rejects.toMatchObject({ status: 403 });
    expect((await f.as("octo-viewer").repos.listCommitStatusesForRef({ ...repo, ref: sha })).data.length).toBe(3);
  });
});

describe("repository hooks", () => {
  it("creates, updates and deletes a hook, refusing bad config with 422", async () => {
    const created = await f.octokit.repos.createWebhook({ ...repo, config: { url: "http://127.0.0.1:9/other", content_type: "json" }, events: ["push", "workflow_run"] });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "web", active: true, events: ["push", "workflow_run"], config: { url: "http://127.0.0.1:9/other", content_type: "json" } });
    await expect(f.octokit.repos.createWebhook({ ...repo, config: { url: "http://127.0.0.1:9/other" } })).rejects.toMatchObject({ status: 422 });
    await expect(f.octokit.repos.createWebhook({ ...repo, config: { url: "not a url" } })).rejects.toBeInstanceOf(OpenApiViolation);
    expect((await raw("POST", "/repos/acme/mcp-servers/hooks", { config: { url: "not a url" } })).status).toBe(422);
    const updated = await f.octokit.repos.updateWebhook({ ...repo, hook_id: created.data.id, active: false, remove_events: ["workflow_run"] });
    expect(updated.data).toMatchObject({ active: false, events: ["push"] });
    await f.octokit.repos.deleteWebhook({ ...repo, hook_id: created.data.id });
    await expect(f.octokit.repos.getWebhook({ ...repo, hook_id: created.data.id })).rejects.toMatchObject({ status: 404 });
  });
});

describe("faults", () => {
  it("fails the next call of a route with a secondary rate limit, 502/503, or slows it down", async () => {
    const route = "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}";
    await f.admin("POST", "/_sandbox/faults", { service: "github", operation: route, kind: "secondary-rate-limit", count: 1 });
    const { data: key } = await f.octokit.actions.getRepoPublicKey(repo);
    const err = await f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "X", encrypted_value: "AAAA", key_id: key.key_id }).catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(err).toMatchObject({ status: 403 });
    expect((err as { response: { headers: Record<string, string> } }).response.headers["retry-after"]).toBeDefined();
    await f.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/actions/runs", kind: "503", count: 1 });
    await expect(f.octokit.actions.listWorkflowRunsForRepo(repo)).rejects.toMatchObject({ status: 503 });
    expect((await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, per_page: 1 })).status).toBe(200);
    await f.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}", kind: "latency", latencyMs: 300, count: 1 });
    const t = Date.now();
    await f.octokit.repos.get(repo);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });
});
