import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";

let f: GithubFixture;
const repo = { owner: "acme", repo: "mcp-servers" };
const path = "/repos/{owner}/{repo}/actions/oidc/customization/sub" as const;

beforeAll(async () => {
  f = await startGithubFixture();
});
afterAll(async () => {
  await f?.close();
});

async function sub(request: Record<string, unknown> = {}): Promise<string> {
  const res = await f.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", ...request });
  return decodeJwt(((await res.json()) as { value: string }).value).sub!;
}

describe("the OIDC subject customization of a repository", () => {
  it("reports GitHub's default for a repository created after 2026-07-15: the immutable form", async () => {
    const { data } = await f.octokit.request(`GET ${path}`, repo);
    expect(data).toEqual({ use_default: true, use_immutable_subject: true, sub_claim_prefix: expect.stringMatching(/^repo:acme@\d+\/mcp-servers@812345670$/) });
    expect(await sub()).toBe(`${data.sub_claim_prefix}:ref:refs/heads/main`);
  });

  it("takes a template of claim keys, which then replaces the whole sub in that order", async () => {
    const put = await f.octokit.request(`PUT ${path}`, { ...repo, use_default: false, include_claim_keys: ["repo", "context", "job_workflow_ref"], use_immutable_subject: false });
    expect(put.status).toBe(201);
    expect((await f.octokit.request(`GET ${path}`, repo)).data).toEqual({ use_default: false, include_claim_keys: ["repo", "context", "job_workflow_ref"], use_immutable_subject: false, sub_claim_prefix: "repo:acme/mcp-servers" });
    expect(await sub({ environment: "prod" })).toBe("repo:acme/mcp-servers:environment:prod:job_workflow_ref:acme/mcp-servers/.github/workflows/ecr.yml@refs/heads/main");
    await f.octokit.request(`PUT ${path}`, { ...repo, use_default: false, include_claim_keys: ["repository_owner", "event_name"] });
    expect(await sub({ eventName: "workflow_dispatch" })).toBe("repository_owner:acme:event_name:workflow_dispatch");
    await f.octokit.request(`PUT ${path}`, { ...repo, use_default: true });
    expect(await sub()).toBe("repo:acme/mcp-servers:ref:refs/heads/main");
  });

  it("refuses bad templates (422) and writes from readers (403), and hides the repository from strangers (404)", async () => {
    // Raw requests: Octokit (checked against GitHub's OpenAPI description here) would refuse to send these.
    for (const body of [{}, { use_default: "no" }, { use_default: false }, { use_default: false, include_claim_keys: ["repo", "repo"] }, { use_default: false, include_claim_keys: ["bad key"] }]) {
      const res = await fetch(`${f.sb.url}/api/v3/repos/acme/mcp-servers/actions/oidc/customization/sub`, { method: "PUT", headers: { authorization: `token ${f.tokenFor("octo-operator")}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await res.json()).toMatchObject({ message: "Validation Failed", errors: [expect.objectContaining({ resource: "OidcCustomSub" })] });
    }
    const reader = (await f.as("octo-viewer").request(`PUT ${path}`, { ...repo, use_default: true }).catch((e: { status: number }) => e)) as { status: number };
    expect(reader.status).toBe(403);
    expect((await f.as("octo-viewer").request(`GET ${path}`, repo)).status).toBe(200);
    const stranger = (await f.as("mallory").request(`GET ${path}`, repo).catch((e: { status: number }) => e)) as { status: number };
    expect(stranger.status).toBe(404);
  });
});
