import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../../sandbox/github/api";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { IsolationUnavailableError } from "../../integrations/build/isolation/detect-isolation";
import { detectBuilder } from "../../integrations/build/detect-builder";
import { runPushJob } from "./run-push-job";

const exec = promisify(execFile);
const REPO = "acme/mcp-servers";
// Our own ECR namespace, so nothing else that pushes the seeded services (the seed's own images, Deckhand's
// worker in other tests) touches the repositories this test reads.
const PREFIX = "deckhand-e2e/";

let sb: RunningSandbox;
let ecr: ECRClient;
let tmp: string;
let clone: string;
let n = 0;

// Async on purpose: the sandbox serves git from this same process.
async function git(...args: string[]) {
  const { stdout } = await exec("git", ["-c", "credential.helper=", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
    cwd: clone,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return stdout.trim();
}
async function pushCommit(files: Record<string, string>, message: string): Promise<string> {
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(clone, f), text);
  await git("add", "-A");
  await git("commit", "-q", "-m", message);
  await git("push", "-q", "origin", "HEAD:main");
  return git("rev-parse", "HEAD");
}

const job = (commit: string, over: Partial<Parameters<typeof runPushJob>[0]> = {}) =>
  runPushJob({
    remoteUrl: `${sb.url}/${REPO}.git`,
    commit,
    prefix: PREFIX,
    ecr,
    token: ADMIN_TOKEN,
    mirrorsDir: path.join(tmp, "mirrors"),
    workRoot: path.join(tmp, `job-${n++}`),
    detect: () => detectBuilder({ preference: "buildah" }),
    ...over,
  });

async function tags(repositoryName: string) {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  return Object.fromEntries((out.imageDetails ?? []).flatMap((d) => (d.imageTags ?? []).map((t) => [t, d.imageDigest])));
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-job-"));
  sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50, deckhandUrl: "http://127.0.0.1:9" }), { reset: true });
  ecr = new ECRClient({
    endpoint: sb.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  clone = path.join(tmp, "clone");
  await exec("git", ["-c", "credential.helper=", "clone", "-q", `${sb.url.replace("http://", `http://x-access-token:${ADMIN_TOKEN}@`)}/${REPO}.git`, clone]);
});
afterAll(async () => {
  ecr?.destroy();
  await sb?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("runPushJob end to end: sandbox git, buildah, sandbox ECR", () => {
  it("pushes both services of the seeded repository and reports success", async () => {
    const head = await git("rev-parse", "HEAD");
    const logs: string[] = [];
    const result = await job(head, { onLog: (l) => logs.push(l) });
    expect(result).toMatchObject({ state: "succeeded", commit: head, composeFile: "compose.yaml" });
    expect(result.services.map((s) => [s.repositoryName, s.result, s.reason])).toEqual([
      [`${PREFIX}mcp-server-tcp`, "pushed", "repository-missing"],
      [`${PREFIX}mcp-server-http`, "pushed", "repository-missing"],
    ]);
    expect(Object.keys(await tags(`${PREFIX}mcp-server-tcp`)).sort()).toEqual([head.slice(0, 7), "latest"].sort());
    expect(result.message).toBe("pushed mcp-server-tcp, mcp-server-http");
    expect(logs.some((l) => l.includes("[mcp-server-tcp]"))).toBe(true);
  });

  it("a commit changing one service pushes it and skips the other", async () => {
    const httpBefore = await tags(`${PREFIX}mcp-server-http`);
    const sha = await pushCommit({ "mcp-server-tcp/tools.json": '{"tools":["echo","time"]}\n' }, "tcp: add a tool");
    const result = await job(sha);
    expect(result.state).toBe("succeeded");
    expect(result.services.map((s) => [s.service, s.result])).toEqual([
      ["mcp-server-tcp", "pushed"],
      ["mcp-server-http", "skipped"],
    ]);
    const tcp = await tags(`${PREFIX}mcp-server-tcp`);
    expect(tcp[sha.slice(0, 7)]).toBe(tcp.latest);
    expect(await tags(`${PREFIX}mcp-server-http`)).toEqual(httpBefore);
    expect(result.message).toBe("pushed mcp-server-tcp; unchanged mcp-server-http");
  });

  it("a commit changing no build context pushes nothing and says unchanged", async () => {
    const sha = await pushCommit({ "README.md": "# mcp-servers\n\nNow with docs.\n" }, "docs");
    const result = await job(sha);
    expect(result).toMatchObject({ state: "skipped", message: "unchanged: mcp-server-tcp, mcp-server-http" });
    expect(result.services.every((s) => s.bytesUploaded === 0)).toBe(true);
  });

  it("an invalid compose file fails the job naming the file and the line", async () => {
    const compose = fs.readFileSync(path.join(clone, "compose.yaml"), "utf8");
    const sha = await pushCommit({ "compose.yaml": compose + "  broken:\n    build: [\n" }, "break compose");
    const result = await job(sha);
    expect(result.state).toBe("failed");
    expect(result.message).toMatch(/^compose\.yaml:\d+:\d+: /);
    expect(result.services).toEqual([]);
  });

  it("fails at once, naming what to install, where no builder exists", async () => {
    const head = await git("rev-parse", "HEAD");
    const result = await job(head, { detect: () => detectBuilder({ pathEnv: path.join(tmp, "no-such-bin") }) });
    expect(result).toMatchObject({ state: "failed", message: expect.stringMatching(/^No image builder found: install buildah \(apt-get install buildah\) or Docker with buildx/) });
  });

  it("fails at once, naming what is missing, on a host that cannot isolate builds", async () => {
    const head = await git("rev-parse", "HEAD");
    const isolate = () => Promise.reject(new IsolationUnavailableError(["slirp4netns (Debian package slirp4netns)"]));
    const result = await job(head, { isolate });
    expect(result).toMatchObject({ state: "failed", services: [], message: expect.stringMatching(/cannot isolate builds.*slirp4netns \(Debian package slirp4netns\)/) });
  });
});
