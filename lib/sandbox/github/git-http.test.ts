import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { settledFetch, startGithubFixture, waitFor, type GithubFixture } from "./test-support/sandbox-fixture";
import { signPayload } from "./webhook-signature";
import { schemaErrors } from "./test-support/openapi-validator";

const exec = promisify(execFile);
let f: GithubFixture;
let work: string;
let receiver: http.Server;
let receiverUrl: string;
const received: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
const repo = { owner: "acme", repo: "mcp-servers" };
const SECRET = "receiver-secret";

// Must be async: the sandbox serves git from this same process.
async function git(cwd: string, ...args: string[]) {
  const { stdout } = await exec("git", ["-c", "credential.helper=", "-c", "user.name=Octo Operator", "-c", "user.email=octo-operator@users.noreply.sandbox.local", ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return stdout.trim();
}

function cloneUrl(token: string) {
  return `${f.sb.url.replace("http://", `http://x-access-token:${token}@`)}/acme/mcp-servers.git`;
}

const pushes = () => received.filter((r) => r.headers["x-github-event"] === "push").map((r) => ({ ...r, json: JSON.parse(r.body.toString("utf8")) }));

beforeAll(async () => {
  f = await startGithubFixture();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-git-"));
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { "content-type": "text/plain" });
      res.end("thanks");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await f.octokit.repos.createWebhook({ ...repo, name: "web", events: ["push"], config: { url: receiverUrl, content_type: "json", secret: SECRET } });
});

afterAll(async () => {
  await f?.close();
  await new Promise((r) => receiver?.close(r));
  fs.rmSync(work, { recursive: true, force: true });
});

describe("webhook signatures", () => {
  it("reproduces GitHub's published test vector", () => {
    expect(signPayload("It's a Secret to Everybody", "Hello, World!")).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  });
});

describe("git over smart HTTP", () => {
  it("pings a new hook, signed", async () => {
    const ping = await waitFor(() => received.find((r) => r.headers["x-github-event"] === "ping"));
    expect(ping.headers["x-hub-signature-256"]).toBe(signPayload(SECRET, ping.body));
    expect(schemaErrors("webhook-ping", JSON.parse(ping.body.toString("utf8")))).toBe("");
  });

  it("clones with a token, and refuses anonymous and unknown tokens", async () => {
    await git(work, "clone", "--quiet", cloneUrl(f.tokenFor("octo-operator")), "clone");
    const log = await git(path.join(work, "clone"), "log", "--format=%s");
    expect(log.split("\n")).toContain("Add ECR build and push workflow");
    expect(fs.existsSync(path.join(work, "clone", "compose.yaml"))).toBe(true);
    await expect(git(work, "clone", "--quiet", `${f.sb.url}/acme/mcp-servers.git`, "anon")).rejects.toThrow(/Authentication failed|could not read Username|401/);
    await expect(git(work, "clone", "--quiet", cloneUrl("ghp_wrong"), "bad")).rejects.toThrow();
  });

  it("pushes a commit and delivers a signed push webhook whose after is the pushed commit", async () => {
    const dir = path.join(work, "clone");
    fs.writeFileSync(path.join(dir, "NOTES.md"), "pushed from the test\n");
    await git(dir, "add", "NOTES.md");
    await git(dir, "commit", "--quiet", "-m", "Add notes");
    const before = await git(dir, "rev-parse", "origin/main");
    const sha = await git(dir, "rev-parse", "HEAD");
    await git(dir, "push", "--quiet", "origin", "main");

    const delivery = await waitFor(() => pushes().find((p) => p.json.after === sha));
    expect(delivery.headers["x-hub-signature-256"]).toBe(signPayload(SECRET, delivery.body));
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["user-agent"]).toMatch(/^GitHub-Hookshot\//);
    expect(delivery.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery.headers["x-github-hook-id"]).toMatch(/^\d+$/);
    const p = delivery.json;
    expect(p).toMatchObject({ ref: "refs/heads/main", before, after: sha, created: false, deleted: false, forced: false, base_ref: null });
    expect(p.commits).toHaveLength(1);
    expect(p.commits[0]).toMatchObject({ id: sha, message: "Add notes", added: ["NOTES.md"], removed: [], modified: [] });
    expect(p.head_commit.id).toBe(sha);
    expect(p.repository.full_name).toBe("acme/mcp-servers");
    expect(p.pusher.name).toBe("octo-operator");
    expect(p.sender.login).toBe("octo-operator");
    expect(p.compare).toContain(`${before.slice(0, 12)}...${sha.slice(0, 12)}`);
    expect(schemaErrors("webhook-push", p)).toBe("");

    // Like GitHub, a push to main starts the ECR workflow.
    const runs = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, event: "push", head_sha: sha });
    expect(runs.data.total_count).toBe(1);
    expect(runs.data.workflow_runs[0]).toMatchObject({ name: "Build and Push to AWS ECR", head_branch: "main", display_title: "Add notes" });
    const done = await waitFor(async () => {
      const { data } = await f.octokit.actions.getWorkflowRun({ ...repo, run_id: runs.data.workflow_runs[0].id });
      return data.status === "completed" ? data : undefined;
    });
    expect(done.conclusion).toBe("success");
    // The REST API sees the new commit too.
    expect((await f.octokit.repos.getCommit({ ...repo, ref: "main" })).data.sha).toBe(sha);
  });

  it("creates and deletes a branch: created then deleted: true with after = 40 zeros", async () => {
    const dir = path.join(work, "clone");
    await git(dir, "push", "--quiet", "origin", "main:refs/heads/feature");
    const created = await waitFor(() => pushes().find((p) => p.json.ref === "refs/heads/feature" && p.json.created));
    expect(created.json.base_ref).toBe("refs/heads/main");
    await git(dir, "push", "--quiet", "origin", "--delete", "feature");
    const deleted = await waitFor(() => pushes().find((p) => p.json.ref === "refs/heads/feature" && p.json.deleted));
    expect(deleted.json).toMatchObject({ deleted: true, after: "0".repeat(40), head_commit: null, commits: [] });
    expect(deleted.headers["x-hub-signature-256"]).toBe(signPayload(SECRET, deleted.body));
    expect(schemaErrors("webhook-push", deleted.json)).toBe("");
    expect(schemaErrors("webhook-push", created.json)).toBe("");
  });

  it("reports a force push as forced", async () => {
    const dir = path.join(work, "clone");
    await git(dir, "commit", "--quiet", "--amend", "-m", "Add notes (amended)");
    const sha = await git(dir, "rev-parse", "HEAD");
    await git(dir, "push", "--quiet", "--force", "origin", "main");
    const forced = await waitFor(() => pushes().find((p) => p.json.after === sha));
    expect(forced.json.forced).toBe(true);
  });

  it("lets octo-viewer clone but not push, and hides the repository from mallory", async () => {
    await git(work, "clone", "--quiet", cloneUrl(f.tokenFor("octo-viewer")), "viewer");
    const dir = path.join(work, "viewer");
    await git(dir, "commit", "--quiet", "--allow-empty", "-m", "viewer was here");
    await expect(git(dir, "push", "--quiet", "origin", "main")).rejects.toThrow(/403|denied/);
    await expect(git(work, "clone", "--quiet", cloneUrl(f.tokenFor("mallory")), "mallory")).rejects.toThrow(/not found|404/i);
  });

  it("inflates gzip-encoded request bodies (as git sends large negotiations)", async () => {
    const sha = (await f.octokit.repos.getCommit({ ...repo, ref: "main" })).data.sha;
    const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, "0")}${line}`;
    const body = zlib.gzipSync(Buffer.from(`${pkt(`want ${sha} ofs-delta\n`)}0000${pkt("done\n")}`));
    const res = await settledFetch(`${f.sb.url}/acme/mcp-servers.git/git-upload-pack`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`x:${f.tokenFor("octo-operator")}`).toString("base64")}`,
        "content-type": "application/x-git-upload-pack-request",
        "content-encoding": "gzip",
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-git-upload-pack-result");
    const out = Buffer.from(await res.arrayBuffer());
    expect(out.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(out.includes(Buffer.from("PACK"))).toBe(true);
  });

  it("applies 'git' faults to git HTTP", async () => {
    const res = await f.admin("POST", "/_sandbox/faults", { service: "git", operation: "upload-pack", kind: "503", count: 1 });
    expect(res.status).toBe(201);
    await expect(git(work, "clone", "--quiet", cloneUrl(f.tokenFor("octo-operator")), "faulty")).rejects.toThrow(/503/);
    await git(work, "clone", "--quiet", cloneUrl(f.tokenFor("octo-operator")), "healthy");
  });
});

describe("hook deliveries", () => {
  it("records deliveries with status code and duration, shows one, and redelivers with the same GUID", async () => {
    const hooks = await f.octokit.repos.listWebhooks(repo);
    const hook = hooks.data.find((h) => h.config.url === receiverUrl)!;
    expect(hook.config.secret).toBe("********");
    expect(hook.last_response.code).toBe(202);
    const list = await f.octokit.repos.listWebhookDeliveries({ ...repo, hook_id: hook.id });
    expect(list.data.length).toBeGreaterThanOrEqual(4);
    const push = list.data.find((d) => d.event === "push")!;
    expect(push).toMatchObject({ status_code: 202, status: "OK", redelivery: false });
    expect(push.duration).toBeGreaterThanOrEqual(0);
    const one = await f.octokit.repos.getWebhookDelivery({ ...repo, hook_id: hook.id, delivery_id: push.id });
    expect((one.data.request.payload as { ref: string }).ref).toMatch(/^refs\/heads\//);
    expect(one.data.response.payload).toBe("thanks");
    const count = received.length;
    const again = await f.octokit.repos.redeliverWebhookDelivery({ ...repo, hook_id: hook.id, delivery_id: push.id });
    expect(again.status).toBe(202);
    const redelivered = await waitFor(() => received.length > count && received[received.length - 1]);
    expect(redelivered.headers["x-github-delivery"]).toBe(push.guid);
    const after = await waitFor(async () => (await f.octokit.repos.listWebhookDeliveries({ ...repo, hook_id: hook.id })).data.find((d) => d.redelivery));
    expect(after.guid).toBe(push.guid);
  });

  it("form-encodes payloads for content_type form and signs those exact bytes", async () => {
    const url = receiverUrl.replace("/hook", "/form-hook");
    const created = await f.octokit.repos.createWebhook({ ...repo, config: { url, content_type: "form", secret: SECRET }, events: ["push"] });
    const ping = await waitFor(() => received.find((r) => r.headers["x-github-hook-id"] === String(created.data.id)));
    expect(ping.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const body = ping.body.toString("utf8");
    expect(body.startsWith("payload=")).toBe(true);
    expect(JSON.parse(new URLSearchParams(body).get("payload")!).hook_id).toBe(created.data.id);
    expect(ping.headers["x-hub-signature-256"]).toBe(signPayload(SECRET, ping.body));
    await f.octokit.repos.deleteWebhook({ ...repo, hook_id: created.data.id });
  });

  it("keeps hooks invisible to a read-only collaborator", async () => {
    await expect(f.as("octo-viewer").repos.listWebhooks(repo)).rejects.toMatchObject({ status: 404 });
  });

  it("seeds the Deckhand webhook with the configured secret, json, push only", async () => {
    const hooks = await f.octokit.repos.listWebhooks(repo);
    const deckhand = hooks.data.find((h) => h.config.url === `${f.sb.ctx.options.deckhandUrl}/api/webhooks/github`)!;
    expect(deckhand).toMatchObject({ events: ["push"], active: true, config: { content_type: "json", secret: "********" } });
  });
});
