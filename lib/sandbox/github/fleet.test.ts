import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";
import { FLEET_SCENARIO_REPOS } from "./seed";

/**
 * The `fleet` scenario (several repositories sharing one push user) and listing an owner's repositories
 * (GET /orgs/{org}/repos, GET /users/{username}/repos), over HTTP with Octokit, validated against GitHub's OpenAPI.
 */

let f: GithubFixture;
beforeAll(async () => {
  f = await startGithubFixture({ scenario: "fleet" });
}, 60_000);
afterAll(async () => {
  await f?.close();
});

const gateway = { owner: "acme", repo: FLEET_SCENARIO_REPOS.webGateway.name };
const billing = { owner: "acme", repo: FLEET_SCENARIO_REPOS.billingWorker.name };

describe("GET /orgs/{org}/repos", () => {
  it("lists the organization's repositories newest first by default, paginated with Link headers", async () => {
    const all = await f.octokit.paginate(f.octokit.repos.listForOrg, { org: "acme", per_page: 2 });
    expect(all.map((r) => r.full_name).sort()).toEqual(["acme/billing-worker", "acme/mcp-servers", "acme/web-gateway"]);
    const first = await f.octokit.repos.listForOrg({ org: "acme", per_page: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.headers.link).toMatch(/rel="next"/);
    const byName = await f.octokit.repos.listForOrg({ org: "acme", sort: "full_name" });
    expect(byName.data.map((r) => r.name)).toEqual(["billing-worker", "mcp-servers", "web-gateway"]);
    const desc = await f.octokit.repos.listForOrg({ org: "acme", sort: "full_name", direction: "desc" });
    expect(desc.data.map((r) => r.name)).toEqual(["web-gateway", "mcp-servers", "billing-worker"]);
  });

  it("hides private repositories from people who cannot read them, and 404s an unknown organization or a user", async () => {
    expect((await f.as("mallory").repos.listForOrg({ org: "acme" })).data).toEqual([]);
    expect((await f.as("octo-viewer").repos.listForOrg({ org: "acme", type: "private" })).data).toHaveLength(3);
    expect((await f.octokit.repos.listForOrg({ org: "acme", type: "public" })).data).toEqual([]);
    await expect(f.octokit.repos.listForOrg({ org: "no-such-org" })).rejects.toMatchObject({ status: 404 });
    await expect(f.octokit.repos.listForOrg({ org: "octo-operator" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("GET /users/{username}/repos", () => {
  it("lists public repositories only (acme's are private), and 404s an unknown user", async () => {
    expect((await f.octokit.repos.listForUser({ username: "acme" })).data).toEqual([]);
    expect((await f.octokit.repos.listForUser({ username: "octo-operator" })).data).toEqual([]);
    await expect(f.octokit.repos.listForUser({ username: "nobody-here" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("the fleet scenario", () => {
  it("acme/mcp-servers holds the key in repository secrets with AWS_REGION a repository variable", async () => {
    const mcp = { owner: "acme", repo: "mcp-servers" };
    expect((await f.octokit.actions.listRepoSecrets(mcp)).data.secrets.map((s) => s.name)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect((await f.octokit.actions.listRepoVariables(mcp)).data.variables.map((v) => v.name)).toEqual(["AWS_REGION"]);
  });

  it("acme/web-gateway gets the key and AWS_REGION from the organization, selected for it alone", async () => {
    expect((await f.octokit.actions.listRepoSecrets(gateway)).data.total_count).toBe(0);
    expect((await f.octokit.actions.listRepoOrganizationSecrets(gateway)).data.secrets.map((s) => s.name)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect((await f.octokit.actions.listRepoOrganizationVariables(gateway)).data.variables.map((v) => v.name)).toEqual(["AWS_REGION"]);
    expect((await f.octokit.actions.listRepoOrganizationSecrets({ owner: "acme", repo: "mcp-servers" })).data.total_count).toBe(0);
  });

  it("acme/billing-worker holds the key in repository secrets but has no AWS_REGION at any scope", async () => {
    expect((await f.octokit.actions.listRepoSecrets(billing)).data.secrets.map((s) => s.name)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect((await f.octokit.actions.listRepoVariables(billing)).data.total_count).toBe(0);
    expect((await f.octokit.actions.listRepoOrganizationVariables(billing)).data.total_count).toBe(0);
  });

  it("each repository has the ECR workflow, runs and a push webhook", async () => {
    for (const repo of [gateway, billing]) {
      expect((await f.octokit.actions.listRepoWorkflows(repo)).data.workflows.map((w) => w.name)).toContain("Build and Push to AWS ECR");
      expect((await f.octokit.actions.listWorkflowRunsForRepo(repo)).data.total_count).toBeGreaterThan(0);
      expect((await f.octokit.repos.listWebhooks(repo)).data.map((h) => h.events)).toEqual([["push"]]);
    }
  });
});
