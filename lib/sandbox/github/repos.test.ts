import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Octokit } from "@octokit/rest";
import { settledFetch, startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";
import { validated } from "./test-support/openapi-validator";

let f: GithubFixture;
const repo = { owner: "acme", repo: "mcp-servers" };

beforeAll(async () => {
  f = await startGithubFixture();
});
afterAll(async () => {
  await f?.close();
});

describe("repository, users and commits", () => {
  it("refuses unknown tokens with GitHub's 401 body and sends rate-limit headers", async () => {
    const res = await settledFetch(`${f.sb.url}/api/v3/repos/acme/mcp-servers`, { headers: { authorization: "token ghp_nope" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Bad credentials" });
    expect(res.headers.get("x-ratelimit-limit")).toBe("60");
  });

  it("answers GET /user for the token's user", async () => {
    expect((await f.octokit.users.getAuthenticated()).data.login).toBe("octo-operator");
    expect((await f.as("octo-viewer").users.getAuthenticated()).data.login).toBe("octo-viewer");
  });

  it("serves the seeded private repository to its admin with admin permissions", async () => {
    const { data, headers } = await f.octokit.repos.get(repo);
    expect(data.full_name).toBe("acme/mcp-servers");
    expect(data.private).toBe(true);
    expect(data.default_branch).toBe("main");
    expect(data.permissions).toMatchObject({ admin: true, push: true, pull: true });
    expect(data.clone_url).toBe(`${f.sb.url}/acme/mcp-servers.git`);
    expect(Number(headers["x-ratelimit-remaining"])).toBeLessThan(5000);
  });

  it("gives octo-viewer read-only access and hides the repository from mallory", async () => {
    const viewer = await f.as("octo-viewer").repos.get(repo);
    expect(viewer.data.permissions).toMatchObject({ admin: false, push: false, pull: true });
    await expect(f.as("mallory").repos.get(repo)).rejects.toMatchObject({ status: 404 });
    // Without the `repo` scope an OAuth token cannot see private repositories at all.
    await expect(f.as("octo-operator", ["read:user"]).repos.get(repo)).rejects.toMatchObject({ status: 404 });
  });

  it("lists the real git history with fixed dates over the last 60 days, paginated with Link headers", async () => {
    const all = await f.octokit.paginate(f.octokit.repos.listCommits, { ...repo, per_page: 3 });
    expect(all.length).toBeGreaterThanOrEqual(5);
    const dates = all.map((c) => Date.parse(c.commit.author!.date!));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect(Date.now() - dates[dates.length - 1]).toBeGreaterThan(55 * 86_400_000);
    expect(Date.now() - dates[dates.length - 1]).toBeLessThan(61 * 86_400_000);
    const first = await f.octokit.repos.listCommits({ ...repo, per_page: 3 });
    expect(first.headers.link).toMatch(/rel="next"/);
    expect(first.headers.link).toMatch(/rel="last"/);
    expect(first.data[0].author?.login).toBe("octo-operator");
    expect((await f.octokit.repos.listCommits({ ...repo, author: "octo-operator", per_page: 100 })).data).toHaveLength(all.length);
    expect((await f.octokit.repos.listCommits({ ...repo, author: "mallory" })).data).toHaveLength(0);
    expect((await f.octokit.repos.listCommits({ ...repo, path: "compose.yaml" })).data.map((c) => c.commit.message)).toEqual([expect.stringMatching(/^Add compose.yaml/)]);
  });

  it("gets one commit by sha and by branch, with the files it changed", async () => {
    const byBranch = await f.octokit.repos.getCommit({ ...repo, ref: "main" });
    const bySha = await f.octokit.repos.getCommit({ ...repo, ref: byBranch.data.sha.slice(0, 10) });
    expect(bySha.data.sha).toBe(byBranch.data.sha);
    const list = await f.octokit.repos.listCommits({ ...repo, per_page: 100 });
    const wf = list.data.find((c) => c.commit.message.startsWith("Add ECR build"))!;
    const withFiles = await f.octokit.repos.getCommit({ ...repo, ref: wf.sha });
    expect(withFiles.data.files?.map((x) => x.filename)).toEqual([".github/workflows/ecr.yml"]);
    expect(withFiles.data.files?.[0].status).toBe("added");
    await expect(f.octokit.repos.getCommit({ ...repo, ref: "deadbeef" })).rejects.toMatchObject({ status: 422 });
  });

  it("validated every exchange above against the OpenAPI description", () => {
    expect(validated.responses).toBeGreaterThan(8);
  });
});

describe("unauthenticated and unknown routes", () => {
  it("answers 401 Requires authentication without a token", async () => {
    const anon = new Octokit({ baseUrl: `${f.sb.url}/api/v3` });
    await expect(anon.repos.get(repo)).rejects.toMatchObject({ status: 401 });
  });
});
