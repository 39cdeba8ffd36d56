import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_GITHUB_WORKER_TOKEN } from "../constants";
import { ADMIN_TOKEN } from "./api";
import { validateOctokit } from "./test-support/openapi-validator";
import { settledFetch, startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";

const exec = promisify(execFile);
const repo = { owner: "acme", repo: "mcp-servers" };
let f: GithubFixture;
let clone: string;
let worker: Octokit;
const shas: Record<string, string> = {};

// Async on purpose: the sandbox serves git from this process.
const git = async (...args: string[]) =>
  (await exec("git", ["-c", "credential.helper=", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: clone })).stdout.trim();

beforeAll(async () => {
  f = await startGithubFixture();
  worker = validateOctokit(new Octokit({ auth: SANDBOX_GITHUB_WORKER_TOKEN, baseUrl: `${f.sb.url}/api/v3`, request: { retries: 0, fetch: settledFetch } }));
  clone = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-compare-"));
  await exec("git", ["-c", "credential.helper=", "clone", "-q", `${f.sb.url.replace("http://", `http://x:${ADMIN_TOKEN}@`)}/acme/mcp-servers.git`, clone]);
  shas.base = await git("rev-parse", "HEAD");
  fs.writeFileSync(path.join(clone, "a.txt"), "a\n");
  await git("add", "-A");
  await git("commit", "-q", "-m", "a");
  shas.a = await git("rev-parse", "HEAD");
  fs.writeFileSync(path.join(clone, "b.txt"), "b\n");
  await git("add", "-A");
  await git("commit", "-q", "-m", "b");
  shas.b = await git("rev-parse", "HEAD");
  await git("push", "-q", "origin", "HEAD:main");
  // A side branch from base: diverged from main.
  await git("checkout", "-q", "-b", "feature/side", shas.base);
  fs.writeFileSync(path.join(clone, "side.txt"), "side\n");
  await git("add", "-A");
  await git("commit", "-q", "-m", "side");
  shas.side = await git("rev-parse", "HEAD");
  await git("push", "-q", "origin", "HEAD:feature/side");
}, 60_000);

afterAll(async () => {
  await f?.close();
  fs.rmSync(clone, { recursive: true, force: true });
});

describe("GET /repos/{owner}/{repo}/branches/{branch}", () => {
  it("gives the branch head, also for names with a slash, and 404 for no such branch", async () => {
    const main = await f.octokit.repos.getBranch({ ...repo, branch: "main" });
    expect(main.data).toMatchObject({ name: "main", protected: false, commit: { sha: shas.b } });
    expect((await f.octokit.repos.getBranch({ ...repo, branch: "feature/side" })).data.commit.sha).toBe(shas.side);
    await expect(f.octokit.repos.getBranch({ ...repo, branch: "nope" })).rejects.toMatchObject({ status: 404, response: { data: { message: "Branch not found" } } });
  });
});

describe("GET /repos/{owner}/{repo}/compare/{basehead}", () => {
  const compare = (base: string, head: string, o: Octokit = f.octokit) => o.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...${head}` });

  it("says how head stands to base: ahead, behind, identical, diverged", async () => {
    const ahead = (await compare(shas.base, shas.b)).data;
    expect(ahead).toMatchObject({ status: "ahead", ahead_by: 2, behind_by: 0, total_commits: 2, base_commit: { sha: shas.base }, merge_base_commit: { sha: shas.base } });
    // Oldest first, as GitHub lists them.
    expect(ahead.commits.map((c) => c.sha)).toEqual([shas.a, shas.b]);
    expect(ahead.files?.map((x) => x.filename).sort()).toEqual(["a.txt", "b.txt"]);
    expect((await compare(shas.b, shas.a)).data).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 1, commits: [] });
    expect((await compare(shas.a, shas.a)).data).toMatchObject({ status: "identical", ahead_by: 0, behind_by: 0 });
    expect((await compare("main", "feature/side")).data).toMatchObject({ status: "diverged", ahead_by: 1, behind_by: 2, merge_base_commit: { sha: shas.base } });
  });

  it("pages commits when asked, and is 404 for an unknown commit", async () => {
    const page = await f.octokit.repos.compareCommitsWithBasehead({ ...repo, basehead: `${shas.base}...${shas.b}`, per_page: 1, page: 2 });
    expect(page.data.commits.map((c) => c.sha)).toEqual([shas.b]);
    expect(page.headers.link).toContain('rel="prev"');
    await expect(compare(shas.base, "f".repeat(40))).rejects.toMatchObject({ status: 404 });
  });

  it("is readable with a fine-grained token that has Contents: read", async () => {
    expect((await compare(shas.base, shas.b, worker)).data.status).toBe("ahead");
    expect((await worker.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha).toBe(shas.b);
  });
});
