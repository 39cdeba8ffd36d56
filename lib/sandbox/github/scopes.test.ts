import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sodium from "libsodium-wrappers";
import { startGithubFixture, waitFor, type GithubFixture } from "./test-support/sandbox-fixture";
import { ORG_SCENARIO_REPOS, SEED_REPO, STALE_KEY } from "./seed";

/**
 * Organization and environment scopes (scenario `organization`): GitHub's endpoints for organization secrets and
 * variables (visibility, selected repositories, the organization's own key, owners only), environments with their
 * secrets and variables, and a run given what GitHub would give it (environment over repository over organization).
 */

let f: GithubFixture;
const org = "acme";
const mcp = { owner: "acme", repo: "mcp-servers" };
const gateway = { owner: "acme", repo: ORG_SCENARIO_REPOS.webGateway.name };
const billing = { owner: "acme", repo: ORG_SCENARIO_REPOS.billingWorker.name };

beforeAll(async () => {
  f = await startGithubFixture({ scenario: "organization" });
  await sodium.ready;
}, 60_000);
afterAll(async () => {
  await f?.close();
});

const B64 = () => sodium.base64_variants.ORIGINAL;
function seal(value: string, publicKeyB64: string): string {
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(publicKeyB64, B64())), B64());
}
const owner = () => f.as("octo-operator", ["repo", "admin:org"]);

describe("organization secrets", () => {
  it("lists the seeded key secrets with visibility selected and the three repositories selected", async () => {
    const { data } = await owner().actions.listOrgSecrets({ org });
    expect(data.secrets.map((s) => [s.name, s.visibility])).toEqual([
      ["AWS_ACCESS_KEY_ID", "selected"],
      ["AWS_SECRET_ACCESS_KEY", "selected"],
    ]);
    expect(data.secrets[0].selected_repositories_url).toMatch(/\/orgs\/acme\/actions\/secrets\/AWS_ACCESS_KEY_ID\/repositories$/);
    const repos = await owner().actions.listSelectedReposForOrgSecret({ org, secret_name: "AWS_ACCESS_KEY_ID" });
    expect(repos.data.repositories.map((r) => r.full_name).sort()).toEqual(["acme/billing-worker", "acme/mcp-servers", "acme/web-gateway"]);
  });

  it("seals with the organization's own key: the repository's key is refused (422), the organization's accepted", async () => {
    const { data: orgKey } = await owner().actions.getOrgPublicKey({ org });
    const { data: repoKey } = await f.octokit.actions.getRepoPublicKey(mcp);
    expect(orgKey.key_id).not.toBe(repoKey.key_id);
    await expect(
      owner().actions.createOrUpdateOrgSecret({ org, secret_name: "SHARED", encrypted_value: seal("x", repoKey.key), key_id: repoKey.key_id, visibility: "all" }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      owner().actions.createOrUpdateOrgSecret({ org, secret_name: "SHARED", encrypted_value: seal("x", repoKey.key), key_id: orgKey.key_id, visibility: "all" }),
    ).rejects.toMatchObject({ status: 422 });
    const created = await owner().actions.createOrUpdateOrgSecret({ org, secret_name: "SHARED", encrypted_value: seal("one", orgKey.key), key_id: orgKey.key_id, visibility: "selected", selected_repository_ids: [SEED_REPO.id] });
    expect(created.status).toBe(201);
    const updated = await owner().actions.createOrUpdateOrgSecret({ org, secret_name: "SHARED", encrypted_value: seal("two", orgKey.key), key_id: orgKey.key_id, visibility: "selected" });
    expect(updated.status).toBe(204);
    // An update naming no repositories keeps the selection.
    const repos = await owner().actions.listSelectedReposForOrgSecret({ org, secret_name: "SHARED" });
    expect(repos.data.repositories.map((r) => r.id)).toEqual([SEED_REPO.id]);
    const one = await owner().actions.getOrgSecret({ org, secret_name: "SHARED" });
    expect(Object.keys(one.data).sort()).toEqual(["created_at", "name", "selected_repositories_url", "updated_at", "visibility"]);
  });

  it("what a repository sees follows the visibility and the selection", async () => {
    const names = async (r: typeof mcp) => (await f.octokit.actions.listRepoOrganizationSecrets(r)).data.secrets.map((s) => s.name);
    expect(await names(mcp)).toContain("SHARED");
    expect(await names(gateway)).not.toContain("SHARED");
    await owner().actions.addSelectedRepoToOrgSecret({ org, secret_name: "SHARED", repository_id: ORG_SCENARIO_REPOS.webGateway.id });
    expect(await names(gateway)).toContain("SHARED");
    await owner().actions.removeSelectedRepoFromOrgSecret({ org, secret_name: "SHARED", repository_id: SEED_REPO.id });
    expect(await names(mcp)).not.toContain("SHARED");
    await owner().actions.setSelectedReposForOrgSecret({ org, secret_name: "SHARED", selected_repository_ids: [SEED_REPO.id, ORG_SCENARIO_REPOS.billingWorker.id] });
    expect(await names(billing)).toContain("SHARED");
    expect(await names(gateway)).not.toContain("SHARED");
    // Visibility "private" reaches every private repository; the selection is gone and its routes answer 409.
    const { data: orgKey } = await owner().actions.getOrgPublicKey({ org });
    await owner().actions.createOrUpdateOrgSecret({ org, secret_name: "SHARED", encrypted_value: seal("three", orgKey.key), key_id: orgKey.key_id, visibility: "private" });
    expect(await names(gateway)).toContain("SHARED");
    await expect(owner().actions.listSelectedReposForOrgSecret({ org, secret_name: "SHARED" })).rejects.toMatchObject({ status: 409 });
    await expect(owner().actions.addSelectedRepoToOrgSecret({ org, secret_name: "SHARED", repository_id: SEED_REPO.id })).rejects.toMatchObject({ status: 409 });
    await owner().actions.deleteOrgSecret({ org, secret_name: "SHARED" });
    expect(await names(mcp)).not.toContain("SHARED");
  });

  it("needs an owner with admin:org: a member, an outsider and a token without the scope get 403; an unknown org 404", async () => {
    const message = "You must be an org admin or have the actions secrets fine-grained permission.";
    await expect(f.as("octo-viewer", ["repo", "admin:org"]).actions.listOrgSecrets({ org })).rejects.toMatchObject({ status: 403, response: { data: { message } } });
    await expect(f.as("mallory").actions.listOrgSecrets({ org })).rejects.toMatchObject({ status: 403 });
    await expect(f.as("octo-operator").actions.getOrgPublicKey({ org })).rejects.toMatchObject({ status: 403 });
    await expect(owner().actions.listOrgSecrets({ org: "no-such-org" })).rejects.toMatchObject({ status: 404 });
    // The repository's view of them needs admin on the repository, as repository secrets do.
    await expect(f.as("octo-viewer").actions.listRepoOrganizationSecrets(mcp)).rejects.toMatchObject({ status: 403 });
  });

  it("fine-grained tokens need organization_secrets for the organization's list", async () => {
    const mint = async (permissions: Record<string, string>) =>
      ((await (await f.admin("POST", "/_sandbox/github/fine-grained-tokens", { login: "octo-operator", repositories: ["acme/mcp-servers"], permissions })).json()) as { token: string }).token;
    const without = await mint({ secrets: "read" });
    const withOrg = await mint({ organization_secrets: "read" });
    const get = (token: string) => fetch(`${f.sb.url}/api/v3/orgs/acme/actions/secrets`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await get(without);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-accepted-github-permissions")).toBe("organization_secrets=read");
    expect((await get(withOrg)).status).toBe(200);
  });
});

describe("organization variables", () => {
  it("lists AWS_REGION for all repositories, creates one for selected repositories, updates and deletes it", async () => {
    const { data } = await owner().actions.listOrgVariables({ org });
    expect(data.variables).toEqual([expect.objectContaining({ name: "AWS_REGION", value: "us-east-1", visibility: "all" })]);
    expect((await owner().actions.createOrgVariable({ org, name: "IMAGE_PREFIX", value: "acme/", visibility: "selected", selected_repository_ids: [ORG_SCENARIO_REPOS.webGateway.id] })).status).toBe(201);
    await expect(owner().actions.createOrgVariable({ org, name: "IMAGE_PREFIX", value: "again", visibility: "all" })).rejects.toMatchObject({ status: 422 });
    await expect(owner().actions.createOrgVariable({ org, name: "OTHER", value: "x", visibility: "all", selected_repository_ids: [SEED_REPO.id] })).rejects.toMatchObject({ status: 422 });
    const seen = async (r: typeof mcp) => (await f.octokit.actions.listRepoOrganizationVariables(r)).data.variables.map((v) => v.name);
    expect(await seen(gateway)).toEqual(["AWS_REGION", "IMAGE_PREFIX"]);
    expect(await seen(mcp)).toEqual(["AWS_REGION"]);
    expect((await owner().actions.updateOrgVariable({ org, name: "IMAGE_PREFIX", value: "acme-2/", visibility: "all" })).status).toBe(204);
    expect(await seen(mcp)).toEqual(["AWS_REGION", "IMAGE_PREFIX"]);
    expect((await owner().actions.getOrgVariable({ org, name: "IMAGE_PREFIX" })).data).toMatchObject({ value: "acme-2/", visibility: "all" });
    await owner().actions.deleteOrgVariable({ org, name: "IMAGE_PREFIX" });
    await expect(owner().actions.getOrgVariable({ org, name: "IMAGE_PREFIX" })).rejects.toMatchObject({ status: 404 });
    await expect(f.as("octo-viewer", ["repo", "admin:org"]).actions.listOrgVariables({ org })).rejects.toMatchObject({ status: 403 });
  });
});

describe("environments", () => {
  it("lists web-gateway's production environment with its reviewers; readers may list, only admins create", async () => {
    const { data } = await f.as("octo-viewer").repos.getAllEnvironments(gateway);
    expect(data.environments?.map((e) => e.name)).toEqual(["production"]);
    expect(data.environments?.[0].protection_rules?.[0]).toMatchObject({ type: "required_reviewers" });
    await expect(f.as("octo-viewer").repos.createOrUpdateEnvironment({ ...gateway, environment_name: "staging" })).rejects.toMatchObject({ status: 403 });
    const staging = await f.octokit.repos.createOrUpdateEnvironment({ ...gateway, environment_name: "staging", wait_timer: 5 });
    expect(staging.data).toMatchObject({ name: "staging", protection_rules: [expect.objectContaining({ type: "wait_timer", wait_timer: 5 })] });
    await expect(f.octokit.repos.getEnvironment({ ...gateway, environment_name: "nope" })).rejects.toMatchObject({ status: 404 });
  });

  it("has its own key, secrets and variables", async () => {
    const env = { ...gateway, environment_name: "staging" };
    const { data: envKey } = await f.octokit.actions.getEnvironmentPublicKey(env);
    const { data: repoKey } = await f.octokit.actions.getRepoPublicKey(gateway);
    expect(envKey.key_id).not.toBe(repoKey.key_id);
    await expect(f.octokit.actions.createOrUpdateEnvironmentSecret({ ...env, secret_name: "X", encrypted_value: seal("x", repoKey.key), key_id: repoKey.key_id })).rejects.toMatchObject({ status: 422 });
    expect((await f.octokit.actions.createOrUpdateEnvironmentSecret({ ...env, secret_name: "X", encrypted_value: seal("x", envKey.key), key_id: envKey.key_id })).status).toBe(201);
    expect((await f.octokit.actions.listEnvironmentSecrets(env)).data.secrets.map((s) => s.name)).toEqual(["X"]);
    expect((await f.octokit.actions.createEnvironmentVariable({ ...env, name: "STAGE", value: "staging" })).status).toBe(201);
    expect((await f.octokit.actions.listEnvironmentVariables(env)).data.variables).toEqual([expect.objectContaining({ name: "STAGE", value: "staging" })]);
    await expect(f.as("octo-viewer").actions.listEnvironmentSecrets(env)).rejects.toMatchObject({ status: 403 });
    const prod = await f.octokit.actions.listEnvironmentSecrets({ ...gateway, environment_name: "production" });
    expect(prod.data.secrets.map((s) => s.name)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    await f.octokit.repos.deleteAnEnvironment(env);
    await expect(f.octokit.actions.listEnvironmentSecrets(env)).rejects.toMatchObject({ status: 404 });
  });
});

describe("repository content", () => {
  it("serves web-gateway's workflow file (base64, blob sha) at the default branch; 404 for a missing path or ref", async () => {
    const { data } = await f.as("octo-viewer").repos.getContent({ ...gateway, path: ".github/workflows/ecr.yml" });
    if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
    expect(Buffer.from(data.content, "base64").toString("utf8")).toContain("    environment: production\n");
    expect(data.sha).toMatch(/^[0-9a-f]{40}$/);
    await expect(f.octokit.repos.getContent({ ...gateway, path: "nope.yml" })).rejects.toMatchObject({ status: 404 });
    await expect(f.octokit.repos.getContent({ ...gateway, path: "compose.yaml", ref: "no-such-branch" })).rejects.toMatchObject({ status: 404 });
    await expect(f.as("mallory").repos.getContent({ ...gateway, path: "compose.yaml" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("what a run is given", () => {
  async function dispatchAndWait(r: typeof mcp) {
    const before = await f.octokit.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 });
    await f.octokit.actions.createWorkflowDispatch({ ...r, workflow_id: "ecr.yml", ref: "main" });
    const run = await waitFor(async () => {
      const { data } = await f.octokit.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 });
      const x = data.workflow_runs[0];
      return x && x.id !== before.data.workflow_runs[0]?.id ? x : undefined;
    });
    const done = await waitFor(async () => {
      const { data } = await f.octokit.actions.getWorkflowRun({ ...r, run_id: run.id });
      return data.status === "completed" ? data : undefined;
    }, 20_000);
    const { data: jobs } = await f.octokit.actions.listJobsForWorkflowRun({ ...r, run_id: run.id });
    const log = await f.octokit.actions.downloadJobLogsForWorkflowRun({ ...r, job_id: jobs.jobs[0].id });
    return { run: done, log: String(log.data) };
  }

  it("mcp-servers authenticates with the organization's secrets and variable (it has none of its own)", async () => {
    expect((await f.octokit.actions.listRepoSecrets(mcp)).data.total_count).toBe(0);
    const { log } = await dispatchAndWait(mcp);
    expect(log).toContain("aws-region: us-east-1");
    expect(log).not.toContain("The security token included in the request is invalid");
    expect(log).toMatch(/Login Succeeded|Logging into registry/);
  }, 30_000);

  it("billing-worker's stale repository copy shadows the organization's key and the run fails on it", async () => {
    const { run, log } = await dispatchAndWait(billing);
    expect(run.conclusion).toBe("failure");
    expect(log).toContain("The security token included in the request is invalid.");
    const stale = await f.admin("GET", `/_sandbox/github/repos/acme/billing-worker/secrets/AWS_ACCESS_KEY_ID`);
    expect(((await stale.json()) as { value: string }).value).toBe(STALE_KEY.accessKeyId);
  }, 30_000);

  it("web-gateway's job deploys to production and is given the environment's secrets over the organization's", async () => {
    // Break the organization's copy: only the environment's can make this run authenticate.
    const { data: orgKey } = await owner().actions.getOrgPublicKey({ org });
    const orgSecretBefore = await f.admin("GET", `/_sandbox/github/repos/acme/web-gateway/secrets/AWS_ACCESS_KEY_ID`);
    expect(orgSecretBefore.status).toBe(404);
    await owner().actions.createOrUpdateOrgSecret({ org, secret_name: "AWS_ACCESS_KEY_ID", encrypted_value: seal(STALE_KEY.accessKeyId, orgKey.key), key_id: orgKey.key_id, visibility: "selected" });
    const ok = await dispatchAndWait(gateway);
    expect(ok.log).not.toContain("The security token included in the request is invalid");
    // Without the environment's copy the organization's (now stale) one is what the job gets.
    await f.octokit.actions.deleteEnvironmentSecret({ ...gateway, environment_name: "production", secret_name: "AWS_ACCESS_KEY_ID" });
    const bad = await dispatchAndWait(gateway);
    expect(bad.run.conclusion).toBe("failure");
    expect(bad.log).toContain("The security token included in the request is invalid.");
  }, 60_000);
});
