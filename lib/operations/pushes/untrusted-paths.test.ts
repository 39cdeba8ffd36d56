// A commit that tries to read the worker host through symbolic links: real git (the sandbox's), real buildah,
// the sandbox's ECR. Each escape fails its own service naming the path; nothing from outside reaches an image.

import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { DescribeImagesCommand, ECRClient, RepositoryNotFoundException } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../../sandbox/github/api";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { detectBuilder } from "../../integrations/build/detect-builder";
import { runPushJob } from "./run-push-job";

const exec = promisify(execFile);
const REPO = "acme/mcp-servers";
const PREFIX = "deckhand-paths/";
const CANARY = "host-secret-canary-7f3a";

let sb: RunningSandbox;
let ecr: ECRClient;
let tmp: string;
let host: string;
let clone: string;
let n = 0;

async function git(...args: string[]) {
  const { stdout } = await exec("git", ["-c", "credential.helper=", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: clone });
  return stdout.trim();
}

async function commit(files: Record<string, string>, links: Record<string, string>, message: string): Promise<string> {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    fs.writeFileSync(path.join(clone, f), text);
  }
  for (const [f, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    fs.rmSync(path.join(clone, f), { force: true });
    fs.symlinkSync(target, path.join(clone, f));
  }
  await git("add", "-A");
  await git("commit", "-q", "-m", message);
  await git("push", "-q", "origin", "HEAD:main");
  return git("rev-parse", "HEAD");
}

const job = (sha: string) =>
  runPushJob({
    remoteUrl: `${sb.url}/${REPO}.git`,
    commit: sha,
    prefix: PREFIX,
    ecr,
    token: ADMIN_TOKEN,
    mirrorsDir: path.join(tmp, "mirrors"),
    workRoot: path.join(tmp, `job-${n++}`),
    detect: () => detectBuilder({ preference: "buildah" }),
  });

/** Every blob the sandbox's ECR holds, decompressed when gzipped, searched for the canary. */
function registryHolds(text: string): boolean {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(path.join(tmp, "sandbox")).some((f) => {
    const bytes = fs.readFileSync(f);
    let plain = bytes;
    try {
      plain = zlib.gunzipSync(bytes);
    } catch {
      // not gzip
    }
    return plain.includes(text) || bytes.includes(text);
  });
}

async function imageTags(repositoryName: string): Promise<string[]> {
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    return (out.imageDetails ?? []).flatMap((d) => d.imageTags ?? []);
  } catch (err) {
    if (err instanceof RepositoryNotFoundException) return [];
    throw err;
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-paths-"));
  // What an attacker would like to copy into an image: a directory of the worker host, outside every checkout.
  host = path.join(tmp, "host-secrets");
  fs.mkdirSync(host);
  fs.writeFileSync(path.join(host, "secret.txt"), `${CANARY}\n`);
  fs.writeFileSync(path.join(host, "Dockerfile"), "FROM scratch\nCOPY . /x/\n");
  fs.writeFileSync(path.join(host, "compose.yaml"), `services:\n  stolen:\n    build: .\n# ${CANARY}\n`);
  sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50, deckhandUrl: "http://127.0.0.1:9" }), { reset: true });
  ecr = new ECRClient({
    endpoint: sb.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  clone = path.join(tmp, "clone");
  await exec("git", ["-c", "credential.helper=", "clone", "-q", `${sb.url.replace("http://", `http://x-access-token:${ADMIN_TOKEN}@`)}/${REPO}.git`, clone]);
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  await sb?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("symbolic links in an untrusted commit", () => {
  it("refuses a context, Dockerfile and .dockerignore that lead out of the checkout, each naming the path; links inside a context stay links", async () => {
    const compose = [
      "services:",
      "  escape-context:",
      "    build: { context: ./hostdata, dockerfile: ../x.Dockerfile }",
      "  escape-dockerfile:",
      "    build: { context: ./okctx, dockerfile: linked.Dockerfile }",
      "  escape-ignore:",
      "    build: ./ignctx",
      "  inside-links:",
      "    build: ./goodctx",
      "",
    ].join("\n");
    const sha = await commit(
      {
        "compose.yaml": compose,
        "x.Dockerfile": "FROM scratch\nCOPY . /stolen/\n",
        "okctx/app.txt": "ok\n",
        "ignctx/Dockerfile": "FROM scratch\nCOPY . /i/\n",
        "ignctx/app.txt": "ok\n",
        "goodctx/Dockerfile": "FROM scratch\nCOPY . /app/\nCOPY alias.txt /alias.txt\n",
        "goodctx/real.txt": "the real file\n",
      },
      {
        hostdata: host,
        "okctx/linked.Dockerfile": path.join(host, "Dockerfile"),
        "ignctx/.dockerignore": path.join(host, "secret.txt"),
        "goodctx/alias.txt": "real.txt",
        "goodctx/outside.txt": path.join(host, "secret.txt"),
      },
      "try to read the host",
    );
    const result = await job(sha);
    const by = Object.fromEntries(result.services.map((s) => [s.service, s]));
    expect(by["escape-context"]).toMatchObject({ result: "failed", reason: "path-outside-repository", error: expect.stringContaining("hostdata") });
    expect(by["escape-context"].error).toContain(host);
    expect(by["escape-dockerfile"]).toMatchObject({ result: "failed", reason: "path-outside-repository", error: expect.stringContaining("okctx/linked.Dockerfile") });
    expect(by["escape-ignore"]).toMatchObject({ result: "failed", reason: "path-outside-repository", error: expect.stringContaining("ignctx/.dockerignore") });
    expect(by["inside-links"]).toMatchObject({ result: "pushed" });
    expect(result.state).toBe("failed");
    for (const s of ["escape-context", "escape-dockerfile", "escape-ignore"]) expect(await imageTags(`${PREFIX}${s}`)).toEqual([]);
    expect((await imageTags(`${PREFIX}inside-links`)).sort()).toEqual([sha.slice(0, 7), "latest"].sort());
    // The link inside the context worked (alias.txt's content came from real.txt), the one pointing out stayed
    // a link: the host file's content is nowhere in the registry.
    expect(registryHolds("the real file")).toBe(true);
    expect(registryHolds(CANARY)).toBe(false);
  }, 300_000);

  it("refuses a compose file that is a link out of the checkout, naming it", async () => {
    fs.rmSync(path.join(clone, "compose.yaml"));
    const sha = await commit({}, { "compose.yaml": path.join(host, "compose.yaml") }, "compose from the host");
    const result = await job(sha);
    expect(result.state).toBe("failed");
    expect(result.message).toMatch(/^compose\.yaml: .*symbolic link to .*host-secrets\/compose\.yaml, outside the repository/);
    expect(result.services).toEqual([]);
    expect(await imageTags(`${PREFIX}stolen`)).toEqual([]);
  }, 120_000);
});
