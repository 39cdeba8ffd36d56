import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOctokit } from "./test-support/openapi-validator";
import { settledFetch, startGithubFixture, waitFor, type GithubFixture } from "./test-support/sandbox-fixture";

const exec = promisify(execFile);
const repo = { owner: "acme", repo: "mcp-servers" };
let f: GithubFixture;
let tmp: string;
let receiver: http.Server;
const received: Array<{ event: string; body: Record<string, unknown> }> = [];

const octokitWith = (token: string) => validateOctokit(new Octokit({ auth: token, baseUrl: `${f.sb.url}/api/v3`, request: { retries: 0, fetch: settledFetch } }));
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

async function status(p: Promise<unknown>): Promise<{ status: number; message: string; errors?: unknown }> {
  try {
    await p;
    return { status: 200, message: "" };
  } catch (err) {
    if (typeof (err as { status?: unknown }).status !== "number") throw err;
    const e = err as { status: number; response?: { data?: unknown } };
    const data = e.response?.data as { message?: string; errors?: unknown } | undefined;
    return { status: e.status, message: data?.message ?? "", errors: data?.errors };
  }
}

// Async on purpose: the sandbox serves git from this process.
async function clone(branch: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(tmp, "clone-"));
  const url = `${f.sb.url.replace("http://", `http://x-access-token:${f.tokenFor("octo-operator")}@`)}/acme/mcp-servers.git`;
  await exec("git", ["-c", "credential.helper=", "clone", "--quiet", "--branch", branch, url, dir], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  return dir;
}

beforeAll(async () => {
  f = await startGithubFixture();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-pulls-"));
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ event: String(req.headers["x-github-event"]), body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await f.octokit.repos.createWebhook({ ...repo, events: ["push", "pull_request"], config: { url, content_type: "json" } });
});

afterAll(async () => {
  await f?.close();
  await new Promise((r) => receiver?.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("branches, file writes and a pull request, end to end", () => {
  const branch = "deckhand/try-pulls";
  let mainSha: string;

  it("creates a branch at main's head; a second create is 422 Reference already exists", async () => {
    mainSha = (await f.octokit.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha;
    const created = await f.octokit.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: mainSha });
    expect(created.status).toBe(201);
    expect(created.data.object.sha).toBe(mainSha);
    expect((await f.octokit.git.getRef({ ...repo, ref: `heads/${branch}` })).data.ref).toBe(`refs/heads/${branch}`);
    expect((await f.octokit.repos.getBranch({ ...repo, branch })).data.commit.sha).toBe(mainSha);
    expect(await status(f.octokit.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: mainSha }))).toMatchObject({ status: 422, message: "Reference already exists" });
    expect(await status(f.octokit.git.createRef({ ...repo, ref: "refs/heads/x", sha: "f".repeat(40) }))).toMatchObject({ status: 422, message: "Object does not exist" });
    expect(await status(f.octokit.git.getRef({ ...repo, ref: "heads/nope" }))).toMatchObject({ status: 404 });
    await waitFor(() => received.find((d) => d.event === "push" && d.body.ref === `refs/heads/${branch}` && d.body.created === true));
  });

  it("no pull request while the branch has no commits of its own", async () => {
    const r = await status(f.octokit.pulls.create({ ...repo, head: branch, base: "main", title: "Empty" }));
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.errors)).toContain(`No commits between main and ${branch}`);
  });

  it("writes a file on the branch: sha required to replace, 409 on a stale sha, one commit each, push webhooks", async () => {
    const file = ".github/workflows/ecr.yml";
    const current = await f.octokit.repos.getContent({ ...repo, path: file, ref: branch });
    const sha = (current.data as { sha: string }).sha;
    expect(await status(f.octokit.repos.createOrUpdateFileContents({ ...repo, path: file, branch, message: "m", content: b64("x") }))).toMatchObject({
      status: 422,
      message: `Invalid request.\n\n"sha" wasn't supplied.`,
    });
    expect(await status(f.octokit.repos.createOrUpdateFileContents({ ...repo, path: file, branch, message: "m", content: b64("x"), sha: "0".repeat(40) }))).toMatchObject({
      status: 409,
      message: `${file} does not match ${"0".repeat(40)}`,
    });
    const updated = await f.octokit.repos.createOrUpdateFileContents({ ...repo, path: file, branch, message: "Deckhand pushes", content: b64("name: changed\n"), sha });
    expect(updated.status).toBe(200);
    expect(updated.data.commit.parents?.[0]?.sha).toBe(mainSha);
    expect(updated.data.commit.author?.name).toBe("Octo Operator");
    const added = await f.octokit.repos.createOrUpdateFileContents({ ...repo, path: "docs/NOTE.md", branch, message: "Add a note", content: b64("hello\n") });
    expect(added.status).toBe(201);
    expect(added.data.content?.path).toBe("docs/NOTE.md");
    const read = await f.octokit.repos.getContent({ ...repo, path: file, ref: branch });
    expect(Buffer.from((read.data as { content: string }).content, "base64").toString("utf8")).toBe("name: changed\n");
    // The default branch did not move.
    expect((await f.octokit.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha).toBe(mainSha);
    const push = await waitFor(() => received.find((d) => d.event === "push" && d.body.after === added.data.commit.sha));
    expect((push.body.head_commit as { added: string[] }).added).toEqual(["docs/NOTE.md"]);
    expect(await status(f.octokit.repos.createOrUpdateFileContents({ ...repo, path: "x.md", branch: "no-such", message: "m", content: b64("x") }))).toMatchObject({
      status: 404,
      message: "Branch no-such not found",
    });
  });

  let number: number;
  it("opens a pull request; a second one for the same head is 422; lists and reads it with its files", async () => {
    const pr = await f.octokit.pulls.create({ ...repo, head: `acme:${branch}`, base: "main", title: "Deckhand pushes", body: "Why" });
    expect(pr.status).toBe(201);
    number = pr.data.number;
    expect(pr.data).toMatchObject({ state: "open", merged: false, mergeable: true, head: { ref: branch }, base: { ref: "main", sha: mainSha }, changed_files: 2, commits: 2 });
    const dup = await status(f.octokit.pulls.create({ ...repo, head: branch, base: "main", title: "Again" }));
    expect(dup.status).toBe(422);
    expect(JSON.stringify(dup.errors)).toContain(`A pull request already exists for acme:${branch}.`);
    const listed = await f.octokit.pulls.list({ ...repo, head: `acme:${branch}`, state: "open" });
    expect(listed.data.map((p) => p.number)).toEqual([number]);
    expect((await f.octokit.pulls.list({ ...repo, head: "acme:other" })).data).toEqual([]);
    expect((await f.octokit.pulls.list({ ...repo, state: "closed" })).data).toEqual([]);
    const files = await f.octokit.pulls.listFiles({ ...repo, pull_number: number });
    expect(files.data.map((x) => [x.filename, x.status])).toEqual([
      [".github/workflows/ecr.yml", "modified"],
      ["docs/NOTE.md", "added"],
    ]);
    expect(files.data[0].patch).toMatch(/^@@ /);
    expect(files.data[0].patch).toContain("+name: changed");
    await waitFor(() => received.find((d) => d.event === "pull_request" && d.body.action === "opened" && d.body.number === number));
  });

  it("closes and reopens it", async () => {
    expect((await f.octokit.pulls.update({ ...repo, pull_number: number, state: "closed" })).data).toMatchObject({ state: "closed", merged: false });
    expect((await f.octokit.pulls.list({ ...repo, head: `acme:${branch}` })).data).toEqual([]);
    expect((await f.octokit.pulls.update({ ...repo, pull_number: number, state: "open" })).data.state).toBe("open");
  });

  it("merges: 409 on a stale head sha, then a real merge commit on main that a clone sees; a second merge is 405", async () => {
    const pr = (await f.octokit.pulls.get({ ...repo, pull_number: number })).data;
    expect(await status(f.octokit.pulls.merge({ ...repo, pull_number: number, sha: mainSha }))).toMatchObject({
      status: 409,
      message: "Head branch was modified. Review and try the merge again.",
    });
    const merged = await f.octokit.pulls.merge({ ...repo, pull_number: number, sha: pr.head.sha });
    expect(merged.data).toMatchObject({ merged: true, message: "Pull Request successfully merged" });
    const after = (await f.octokit.pulls.get({ ...repo, pull_number: number })).data;
    expect(after).toMatchObject({ state: "closed", merged: true, merge_commit_sha: merged.data.sha, merged_by: { login: "octo-operator" } });
    expect(after.merged_at).not.toBeNull();
    const main = (await f.octokit.repos.getCommit({ ...repo, ref: "main" })).data;
    expect(main.sha).toBe(merged.data.sha);
    expect(main.parents.map((p) => p.sha)).toEqual([mainSha, pr.head.sha]);
    const dir = await clone("main");
    expect(fs.readFileSync(path.join(dir, "docs/NOTE.md"), "utf8")).toBe("hello\n");
    expect(await status(f.octokit.pulls.merge({ ...repo, pull_number: number }))).toMatchObject({ status: 405, message: "Pull Request is not mergeable" });
    await waitFor(() => received.find((d) => d.event === "push" && d.body.ref === "refs/heads/main" && d.body.after === merged.data.sha));
    await waitFor(() => received.find((d) => d.event === "pull_request" && d.body.action === "closed" && (d.body.pull_request as { merged: boolean }).merged));
  });

  it("deletes the file and the branch; the default branch cannot be deleted", async () => {
    const note = await f.octokit.repos.getContent({ ...repo, path: "docs/NOTE.md", ref: branch });
    const del = await f.octokit.repos.deleteFile({ ...repo, path: "docs/NOTE.md", branch, message: "Remove", sha: (note.data as { sha: string }).sha });
    expect(del.data.content).toBeNull();
    expect(await status(f.octokit.repos.getContent({ ...repo, path: "docs/NOTE.md", ref: branch }))).toMatchObject({ status: 404 });
    expect((await f.octokit.git.deleteRef({ ...repo, ref: `heads/${branch}` })).status).toBe(204);
    expect(await status(f.octokit.git.deleteRef({ ...repo, ref: `heads/${branch}` }))).toMatchObject({ status: 422, message: "Reference does not exist" });
    expect(await status(f.octokit.git.deleteRef({ ...repo, ref: "heads/main" }))).toMatchObject({ status: 422 });
  });
});

describe("who may", () => {
  it("a reader cannot create branches, write files or open pull requests (403)", async () => {
    const viewer = f.as("octo-viewer");
    const main = (await viewer.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha;
    expect(await status(viewer.git.createRef({ ...repo, ref: "refs/heads/v", sha: main }))).toMatchObject({ status: 403 });
    expect(await status(viewer.repos.createOrUpdateFileContents({ ...repo, path: "v.md", message: "m", content: b64("v") }))).toMatchObject({ status: 403 });
    expect(await status(viewer.pulls.create({ ...repo, head: "main", base: "main", title: "t" }))).toMatchObject({ status: 403 });
    expect(await status(f.as("mallory").pulls.list(repo))).toMatchObject({ status: 404 });
  });

  it("a fine-grained token needs Contents: write for refs and files, Pull requests: write for pulls", async () => {
    const mint = async (permissions: Record<string, string>) =>
      ((await (await f.admin("POST", "/_sandbox/github/fine-grained-tokens", { login: "octo-operator", repositories: ["acme/mcp-servers"], permissions })).json()) as { token: string }).token;
    const contentsOnly = octokitWith(await mint({ contents: "write" }));
    const main = (await contentsOnly.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha;
    expect((await contentsOnly.git.createRef({ ...repo, ref: "refs/heads/fg", sha: main })).status).toBe(201);
    await contentsOnly.repos.createOrUpdateFileContents({ ...repo, path: "fg.md", branch: "fg", message: "fg", content: b64("fg\n") });
    const refused = await status(contentsOnly.pulls.create({ ...repo, head: "fg", base: "main", title: "fg" }));
    expect(refused).toMatchObject({ status: 403, message: "Resource not accessible by personal access token" });
    const readOnly = octokitWith(await mint({ contents: "read", pull_requests: "write" }));
    expect(await status(readOnly.repos.createOrUpdateFileContents({ ...repo, path: "x.md", branch: "fg", message: "x", content: b64("x") }))).toMatchObject({ status: 403 });
    const pr = await readOnly.pulls.create({ ...repo, head: "fg", base: "main", title: "fg" });
    expect(pr.headers["x-accepted-github-permissions"]).toBe("pull_requests=write");
    // Merging writes the base branch: Contents: write, which this token lacks.
    expect(await status(readOnly.pulls.merge({ ...repo, pull_number: pr.data.number }))).toMatchObject({ status: 403 });
  });
});
