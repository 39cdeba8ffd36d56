// Issue 15 with real git, buildah and the sandbox's ECR: a one-line change uploads one small layer, and a cold
// worker builds the very same image as a warm one.
import { execFileSync } from "node:child_process";
import { scratchGitRepo } from "../../tooling/testing/scratch-git-repo";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BatchGetImageCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { BuildCache } from "../../integrations/build/build-cache";
import { buildImage } from "../../integrations/build/build-image";
import { pushImage } from "../../integrations/aws/push-image";
import { detectBuilder, type Builder } from "../../integrations/build/detect-builder";
import { readCompose } from "../../integrations/git/read-compose";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import { pushService } from "./push-service";
import { openRegistryCache } from "../../integrations/aws/registry-cache";
import type { ImageInputs } from "./build-records";

let sandbox: RunningSandbox;
let ecr: ECRClient;
let builder: Builder;
let tmp: string;
let repo: string;
let git: ReturnType<typeof scratchGitRepo>["git"];
let commit: ReturnType<typeof scratchGitRepo>["commit"];

/** What the store records (recordServiceResult): the inputs behind the image latest points to after each push. */
const known: ImageInputs[] = [];

async function push(sha: string, cache?: BuildCache, service = "api", extra: Partial<Parameters<typeof pushService>[0]> = {}): Promise<ServiceOutcome> {
  git("checkout", "-q", sha);
  const plan = await readCompose({ root: repo });
  const workRoot = fs.mkdtempSync(path.join(tmp, "job-"));
  const build = plan.builds.find((b) => b.service === service)!;
  const out = await pushService({ ecr, builder, checkout: repo, commit: sha, build, workRoot, cache, knownInputs: [...known], ...extra });
  const image = out.result === "pushed" ? out.localManifestDigest : out.result === "skipped" ? out.remoteManifestDigestBefore : undefined;
  if (out.inputsDigest && image) known.unshift({ repository: out.repositoryName, imageDigest: image, inputsDigest: out.inputsDigest });
  return out;
}

async function manifestOf(repositoryName: string, tag: string) {
  const out = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: tag }] }));
  return JSON.parse(out.images![0].imageManifest!) as { config: { digest: string }; layers: { digest: string; size: number }[] };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-warm-"));
  sandbox = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50 }), { reset: true });
  ecr = new ECRClient({
    endpoint: sandbox.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  builder = await detectBuilder({ preference: "buildah" });
  const scratch = scratchGitRepo(path.join(tmp, "repo"));
  repo = scratch.dir;
  git = scratch.git;
  commit = scratch.commit;
});
afterAll(async () => {
  ecr?.destroy();
  await sandbox?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("warm builds against the sandbox", () => {
  it("a one-line app change uploads only the app layer and the config; a cold worker builds the same image", async () => {
    const warm = new BuildCache(path.join(tmp, "worker-a", "build-cache"), 1024 ** 3);
    const c1 = commit(
      {
        "compose.yaml": "services:\n  api:\n    build: ./api\n",
        "api/Dockerfile": "FROM scratch\nCOPY deps/ /deps/\nCOPY app/ /app/\n",
        "api/deps/vendor.bin": crypto.randomBytes(2_000_000),
        "api/app/main.txt": "line 1\nline 2\n",
      },
      "first",
    );
    const first = await push(c1, warm);
    expect(first).toMatchObject({ result: "pushed", reason: "repository-missing", blobsUploaded: 3, imageBlobs: 3 });
    expect(first.bytesUploaded).toBe(first.imageBytes);
    const m1 = await manifestOf("api", "latest");

    const c2 = commit({ "api/app/main.txt": "line 1\nline 2 changed\n" }, "one line");
    const second = await push(c2, warm);
    expect(second).toMatchObject({ result: "pushed", reason: "config-differs", blobsUploaded: 2, steps: { total: 3, cached: 1 } });
    const m2 = await manifestOf("api", "latest");
    expect(m2.layers[0].digest).toBe(m1.layers[0].digest);
    expect(m2.layers[1].digest).not.toBe(m1.layers[1].digest);
    // The app layer and the config: well under 1% of the image.
    expect(second.bytesUploaded).toBe(m2.layers[1].size + (second.imageBytes! - m2.layers[0].size - m2.layers[1].size));
    expect(second.bytesUploaded / second.imageBytes!).toBeLessThan(0.01);

    // Another worker, cold, and one without any kept cache, retry the same commit: the very image latest has.
    for (const cache of [new BuildCache(path.join(tmp, "worker-b", "build-cache"), 1024 ** 3), undefined]) {
      // No recorded inputs: built, so the digests are compared.
      const retry = await push(c2, cache, "api", { knownInputs: [] });
      expect(retry).toMatchObject({ result: "skipped", reason: "config-matches", blobsUploaded: 0, localManifestDigest: second.localManifestDigest });
      expect(retry.localConfigDigest).toBe(m2.config.digest);
    }
  }, 120_000);

  it("a change outside every build context is decided unchanged without building; a moved base image tag builds", async () => {
    const warm = new BuildCache(path.join(tmp, "worker-a", "build-cache"), 1024 ** 3);
    const before = await manifestOf("api", "latest");
    const c3 = commit({ "README.md": "docs only\n" }, "docs");
    // No build ran (buildMs 0, no steps); how fast that is lives in `npm run bench -- push-warm`, not here.
    const docs = await push(c3, warm);
    expect(docs).toMatchObject({ result: "skipped", reason: "inputs-match", blobsUploaded: 0, timings: { buildMs: 0 } });
    expect(docs.steps).toBeUndefined();
    expect((await manifestOf("api", "latest")).config.digest).toBe(before.config.digest);
    // Fresh base images asked for: built (every step but the pulls cached), found equal.
    const fresh = await push(c3, warm, "api", { pullAlways: true });
    expect(fresh).toMatchObject({ result: "skipped", reason: "config-matches", freshBases: true, steps: { total: 3, cached: 2 } });

    // A base image in the worker's store, then the same tag moved to another image.
    const baseTag = "localhost/deckhand-test-base:1";
    const baseCtx = path.join(tmp, "base");
    const makeBase = (text: string) => {
      fs.mkdirSync(baseCtx, { recursive: true });
      fs.writeFileSync(path.join(baseCtx, "os-release"), text);
      fs.writeFileSync(path.join(baseCtx, "Dockerfile"), "FROM scratch\nCOPY os-release /etc/os-release\n");
      execFileSync(builder.path, [...warm.storageArgs(), "build", "--isolation", "chroot", "--timestamp", "1", "-t", baseTag, baseCtx], { stdio: "pipe" });
    };
    makeBase("base v1\n");
    const c4 = commit({ "compose.yaml": "services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n", "web/Dockerfile": `FROM ${baseTag}\nCOPY . /web/\n`, "web/index.html": "hi\n" }, "web");
    const web1 = await push(c4, warm, "web");
    expect(web1).toMatchObject({ result: "pushed", reason: "repository-missing" });
    expect(web1.baseImages).toEqual([{ ref: baseTag, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    const c5 = commit({ "README.md": "docs again\n" }, "docs again");
    expect(await push(c5, warm, "web")).toMatchObject({ result: "skipped", reason: "inputs-match" });
    makeBase("base v2\n");
    const web2 = await push(c5, warm, "web");
    expect(web2).toMatchObject({ result: "pushed", reason: "config-differs" });
    expect(web2.baseImages![0].digest).not.toBe(web1.baseImages![0].digest);
  }, 120_000);

  it("a second worker on an empty cache warms from the registry cache and reuses the cached RUN step", async () => {
    // The sandbox's registry is plain HTTP: the operator's registries.conf says so, as for any private registry.
    const conf = path.join(tmp, "registries.conf");
    fs.writeFileSync(conf, `[[registry]]\nlocation = "${new URL(sandbox.url).host}"\ninsecure = true\n`);
    const saved = process.env.CONTAINERS_REGISTRIES_CONF;
    process.env.CONTAINERS_REGISTRIES_CONF = conf;
    try {
      const dockerfile = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN sleep 2 && echo compiled > /compiled.txt\nCOPY app/ /app/\n';
      fs.mkdirSync(path.join(repo, "runner"), { recursive: true });
      fs.copyFileSync("/bin/busybox", path.join(repo, "runner", "busybox"));
      fs.chmodSync(path.join(repo, "runner", "busybox"), 0o755);
      const c6 = commit(
        {
          "compose.yaml": "services:\n  runner:\n    build: ./runner\n",
          "runner/Dockerfile": dockerfile,
          "runner/app/main.txt": "v1\n",
        },
        "runner",
      );
      const open = (worker: string) => openRegistryCache({ ecr, repositoryName: "deckhand-build-cache", dir: path.join(tmp, worker, "registry-cache") });
      const first = await push(c6, new BuildCache(path.join(tmp, "worker-c", "build-cache"), 1024 ** 3), "runner", { registryCache: await open("worker-c") });
      expect(first).toMatchObject({ result: "pushed", steps: { total: 5, cached: 0 } });
      const lines: string[] = [];
      const second = await push(c6, new BuildCache(path.join(tmp, "worker-d", "build-cache"), 1024 ** 3), "runner", {
        registryCache: await open("worker-d"),
        knownInputs: [],
        onLog: (l) => lines.push(l),
      });
      expect(second).toMatchObject({ result: "skipped", reason: "config-matches", steps: { total: 5, cached: 4 }, localConfigDigest: first.localConfigDigest });
      expect(lines.some((l) => /Cache pulled from remote .*deckhand-build-cache/.test(l))).toBe(true);
      expect(lines.some((l) => /STEP 4\/5: RUN sleep/.test(l))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.CONTAINERS_REGISTRIES_CONF;
      else process.env.CONTAINERS_REGISTRIES_CONF = saved;
    }
  }, 180_000);

  it("a base image pulled longer ago than DECKHAND_BASE_REFRESH_HOURS is pulled again: no early skip on the old copy, a moved tag builds", async () => {
    const host = new URL(sandbox.url).host;
    const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
    fs.writeFileSync(path.join(tmp, "registries-refresh.conf"), `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
    fs.writeFileSync(path.join(tmp, "auth-refresh.json"), JSON.stringify({ auths: { [host]: { auth: data.authorizationToken } } }));
    const saved = { conf: process.env.CONTAINERS_REGISTRIES_CONF, auth: process.env.REGISTRY_AUTH_FILE };
    process.env.CONTAINERS_REGISTRIES_CONF = path.join(tmp, "registries-refresh.conf");
    process.env.REGISTRY_AUTH_FILE = path.join(tmp, "auth-refresh.json");
    const publishBase = async (text: string) => {
      const ctx = fs.mkdtempSync(path.join(tmp, "refresh-base-"));
      fs.writeFileSync(path.join(ctx, "os-release"), text);
      fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY os-release /etc/os-release\n");
      const image = await buildImage({ builder, context: ctx, dockerfile: path.join(ctx, "Dockerfile"), workDir: `${ctx}-work` });
      await pushImage({ ecr, repositoryName: "base/refresh", image, tags: ["1"] });
    };
    try {
      await publishBase("base v1\n");
      const ref = `${host}/base/refresh:1`;
      const c7 = commit({ "compose.yaml": "services:\n  site:\n    build: ./site\n", "site/Dockerfile": `FROM ${ref}\nCOPY . /site/\n`, "site/index.html": "hi\n" }, "site");
      const dir = path.join(tmp, "worker-e", "build-cache");
      const first = await push(c7, new BuildCache(dir, 1024 ** 3, 3600_000), "site");
      expect(first).toMatchObject({ result: "pushed", reason: "repository-missing" });
      expect(first.baseImages).toEqual([{ ref, digest: expect.stringMatching(/^sha256:/) }]);
      // The first build pulled the base (its inputs were not known before it) and recorded them with the digest it used.
      expect(first.inputsDigest).toMatch(/^sha256:/);
      expect(await push(c7, new BuildCache(dir, 1024 ** 3, 3600_000), "site")).toMatchObject({ result: "skipped", reason: "inputs-match" });

      // The base's tag moves upstream; within the refresh period the worker's copy is what builds use.
      await publishBase("base v2\n");
      expect(await push(c7, new BuildCache(dir, 1024 ** 3, 3600_000), "site")).toMatchObject({ result: "skipped", reason: "inputs-match" });
      // Past the period (here 1 ms): pulled again, built on the moved tag and pushed.
      await new Promise((r) => setTimeout(r, 5));
      const lines: string[] = [];
      const refreshed = await push(c7, new BuildCache(dir, 1024 ** 3, 1), "site", { onLog: (l) => lines.push(l) });
      expect(refreshed).toMatchObject({ result: "pushed", reason: "config-differs" });
      expect(refreshed.baseImages).toEqual([{ ref, digest: expect.stringMatching(/^sha256:/), pulled: true }]);
      expect(refreshed.baseImages![0].digest).not.toBe(first.baseImages![0].digest);
      expect(lines.some((l) => l.includes("DECKHAND_BASE_REFRESH_HOURS") && l.includes(ref))).toBe(true);
      // Just pulled: the next push of the same commit skips early again.
      expect(await push(c7, new BuildCache(dir, 1024 ** 3, 3600_000), "site")).toMatchObject({ result: "skipped", reason: "inputs-match" });
    } finally {
      for (const [k, v] of [["CONTAINERS_REGISTRIES_CONF", saved.conf], ["REGISTRY_AUTH_FILE", saved.auth]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 180_000);
});
