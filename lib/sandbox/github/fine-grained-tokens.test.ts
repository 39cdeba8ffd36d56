import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_GITHUB_WORKER_TOKEN } from "../constants";
import { checkGrant, requiredPermission } from "./fine-grained-tokens";
import { validateOctokit } from "./test-support/openapi-validator";
import { settledFetch, startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";

const exec = promisify(execFile);
const repo = { owner: "acme", repo: "mcp-servers" };
let f: GithubFixture;
let tmp: string;
let worker: Octokit;

const octokitWith = (token: string) => validateOctokit(new Octokit({ auth: token, baseUrl: `${f.sb.url}/api/v3`, request: { retries: 0, fetch: settledFetch } }));

beforeAll(async () => {
  f = await startGithubFixture();
  worker = octokitWith(SANDBOX_GITHUB_WORKER_TOKEN);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-fgpat-"));
});
afterAll(async () => {
  await f?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a fine-grained personal access token with Contents: read (the workers' token)", () => {
  it("reads the repository and its commits", async () => {
    expect((await worker.repos.get(repo)).data.full_name).toBe("acme/mcp-servers");
    const commit = await worker.repos.getCommit({ ...repo, ref: "main" });
    expect(commit.data.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(commit.headers["x-accepted-github-permissions"]).toBe("contents=read");
    // Fine-grained tokens have no OAuth scopes to report.
    expect(commit.headers["x-oauth-scopes"]).toBeUndefined();
  });

  it("is refused secrets, variables, statuses, hooks and dispatches with GitHub's 403, naming the permission", async () => {
    const refusals: Array<[string, () => Promise<unknown>, string]> = [
      ["list secrets", () => worker.actions.listRepoSecrets(repo), "secrets=read"],
      ["public key", () => worker.actions.getRepoPublicKey(repo), "secrets=read"],
      ["write a secret", () => worker.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "AWS_ACCESS_KEY_ID", encrypted_value: "eA==", key_id: "1" }), "secrets=write"],
      ["list variables", () => worker.actions.listRepoVariables(repo), "actions_variables=read"],
      ["create a variable", () => worker.actions.createRepoVariable({ ...repo, name: "AWS_REGION", value: "eu-west-1" }), "actions_variables=write"],
      ["set a status", () => worker.repos.createCommitStatus({ ...repo, sha: "a".repeat(40), state: "success" }), "statuses=write"],
      ["list hooks", () => worker.repos.listWebhooks(repo), "repository_hooks=read"],
      ["dispatch", () => worker.actions.createWorkflowDispatch({ ...repo, workflow_id: "ecr.yml", ref: "main" }), "actions=write"],
    ];
    for (const [what, call, accepted] of refusals) {
      const err = (await call().then(
        () => null,
        (e: { status: number; response: { data: { message: string }; headers: Record<string, string> } }) => e,
      )) as { status: number; response: { data: { message: string }; headers: Record<string, string> } } | null;
      expect(err, what).not.toBeNull();
      expect(err!.status, what).toBe(403);
      expect(err!.response.data.message, what).toBe("Resource not accessible by personal access token");
      expect(err!.response.headers["x-accepted-github-permissions"], what).toBe(accepted);
    }
  });

  it("cannot see a repository outside its selection (404), and git fetch works while git push is refused", async () => {
    const other = await f.admin("POST", "/_sandbox/github/fine-grained-tokens", { login: "octo-operator", repositories: ["acme/other"], permissions: { contents: "read" } });
    const { token } = (await other.json()) as { token: string };
    expect(token).toMatch(/^github_pat_[0-9A-F]{22}_[A-Za-z0-9]{59}$/);
    await expect(octokitWith(token).repos.get(repo)).rejects.toMatchObject({ status: 404 });

    const url = `${f.sb.url.replace("http://", `http://x-access-token:${SANDBOX_GITHUB_WORKER_TOKEN}@`)}/acme/mcp-servers.git`;
    const dir = path.join(tmp, "clone");
    await exec("git", ["-c", "credential.helper=", "clone", "-q", url, dir]);
    fs.writeFileSync(path.join(dir, "x.txt"), "x\n");
    const g = (...args: string[]) => exec("git", ["-c", "credential.helper=", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: dir });
    await g("add", "-A");
    await g("commit", "-q", "-m", "x");
    await expect(g("push", "-q", "origin", "HEAD:main")).rejects.toThrow(/Permission to acme\/mcp-servers\.git denied|403/);
    const otherUrl = url.replace(SANDBOX_GITHUB_WORKER_TOKEN, token);
    await expect(exec("git", ["-c", "credential.helper=", "ls-remote", otherUrl], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } })).rejects.toThrow(/not found|404/i);
  });
});

describe("requiredPermission and checkGrant", () => {
  it("map routes to GitHub's permission names, write for changes", () => {
    expect(requiredPermission("GET", "/repos/{owner}/{repo}")).toEqual({ name: "metadata", access: "read" });
    expect(requiredPermission("PUT", "/repos/{owner}/{repo}/actions/secrets/{secret_name}")).toEqual({ name: "secrets", access: "write" });
    expect(requiredPermission("GET", "/repos/{owner}/{repo}/commits/{ref}/status")).toEqual({ name: "statuses", access: "read" });
    expect(requiredPermission("GET", "/repos/{owner}/{repo}/compare/{basehead}")).toEqual({ name: "contents", access: "read" });
    expect(requiredPermission("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun")).toEqual({ name: "actions", access: "write" });
    expect(requiredPermission("GET", "/user")).toBeNull();
    const grant = { kind: "fine-grained" as const, repositories: ["acme/mcp-servers"], permissions: { contents: "write" as const } };
    expect(checkGrant(grant, "ACME/MCP-SERVERS", { name: "contents", access: "read" })).toEqual({ ok: true });
    expect(checkGrant(grant, "acme/other", { name: "contents", access: "read" })).toMatchObject({ ok: false, status: 404 });
    expect(checkGrant(grant, "acme/mcp-servers", { name: "secrets", access: "read" })).toMatchObject({ ok: false, status: 403, accepted: "secrets=read" });
  });
});
