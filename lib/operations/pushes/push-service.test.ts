import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeImagesCommand, ECRClient, PutImageTagMutabilityCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { detectBuilder, type Builder } from "../../integrations/build/detect-builder";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import { pushService } from "./push-service";
import { readCompose } from "../../integrations/git/read-compose";
import { summarizeOutcomes } from "../../judgements/push/summarize-outcomes";

let sandbox: RunningSandbox;
let ecr: ECRClient;
let builder: Builder;
let tmp: string;
let repo: string;
let clock = 1_700_000_000;

function git(...args: string[]) {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_COMMITTER_DATE: `@${clock} +0000`, GIT_AUTHOR_DATE: `@${clock} +0000` } }).trim();
}
function commit(files: Record<string, string>, message: string): string {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.writeFileSync(path.join(repo, f), text);
  }
  clock += 100;
  git("add", "-A");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
}

async function runJob(sha: string): Promise<ServiceOutcome[]> {
  const plan = await readCompose({ root: repo });
  const workRoot = fs.mkdtempSync(path.join(tmp, "job-"));
  const outcomes: ServiceOutcome[] = [];
  for (const build of plan.builds) outcomes.push(await pushService({ ecr, builder, checkout: repo, commit: sha, build, workRoot }));
  return outcomes;
}

async function tags(repositoryName: string): Promise<Record<string, string>> {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  const map: Record<string, string> = {};
  for (const d of out.imageDetails ?? []) for (const t of d.imageTags ?? []) map[t] = d.imageDigest!;
  return map;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-pushsvc-"));
  sandbox = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50 }), { reset: true });
  ecr = new ECRClient({
    endpoint: sandbox.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  builder = await detectBuilder({ preference: "buildah" });
  repo = path.join(tmp, "repo");
  fs.mkdirSync(repo);
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
});
afterAll(async () => {
  ecr?.destroy();
  await sandbox?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("pushService: two compose services, real git, buildah and the sandbox's ECR", () => {
  const dockerfile = "FROM scratch\nCOPY . /srv/\n";
  let c1 = "";
  let c2 = "";

  it("pushes both services of the first commit", async () => {
    c1 = commit(
      {
        "compose.yaml": "services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n    image: shop/web\n  db:\n    image: postgres:16\n",
        "api/Dockerfile": dockerfile,
        "api/main.txt": "api v1\n",
        "web/Dockerfile": dockerfile,
        "web/index.html": "web v1\n",
      },
      "first",
    );
    const out = await runJob(c1);
    expect(out.map((o) => [o.service, o.repositoryName, o.result, o.reason])).toEqual([
      ["api", "api", "pushed", "repository-missing"],
      ["web", "shop/web", "pushed", "repository-missing"],
    ]);
    expect(out[0].tags).toEqual([c1.slice(0, 7), "latest"]);
    expect(out[0].blobsUploaded).toBe(2);
    expect(await tags("api")).toEqual({ [c1.slice(0, 7)]: out[0].localManifestDigest, latest: out[0].localManifestDigest });
    expect(summarizeOutcomes(out).state).toBe("succeeded");
  });

  it("pushes only the service whose build context changed", async () => {
    const before = await tags("shop/web");
    c2 = commit({ "api/main.txt": "api v2\n" }, "change api");
    const out = await runJob(c2);
    expect(out.map((o) => [o.service, o.result, o.reason])).toEqual([
      ["api", "pushed", "config-differs"],
      ["web", "skipped", "config-matches"],
    ]);
    expect(out[1]).toMatchObject({ blobsUploaded: 0, bytesUploaded: 0, tags: [], remoteConfigDigestBefore: out[1].localConfigDigest });
    expect((await tags("api")).latest).toBe(out[0].localManifestDigest);
    expect(await tags("shop/web")).toEqual(before);
    expect(summarizeOutcomes(out).status).toEqual({ state: "success", description: "pushed api; unchanged web" });
  });

  it("pushes nothing for a commit that changes no build context", async () => {
    const before = { api: await tags("api"), web: await tags("shop/web") };
    const c3 = commit({ "README.md": "docs only\n" }, "docs");
    const out = await runJob(c3);
    expect(out.map((o) => o.result)).toEqual(["skipped", "skipped"]);
    expect(out.reduce((n, o) => n + o.bytesUploaded, 0)).toBe(0);
    expect({ api: await tags("api"), web: await tags("shop/web") }).toEqual(before);
    expect(summarizeOutcomes(out)).toEqual({ state: "skipped", status: { state: "success", description: "unchanged: api, web" } });
  });

  it("fails a service whose build fails without pushing it, and still completes the others", async () => {
    const before = await tags("shop/web");
    const c4 = commit({ "web/Dockerfile": "FROM scratch\nCOPY does-not-exist /x\n", "api/main.txt": "api v3\n" }, "break web");
    const out = await runJob(c4);
    expect(out.map((o) => [o.service, o.result, o.reason])).toEqual([
      ["api", "pushed", "config-differs"],
      ["web", "failed", "build-failed"],
    ]);
    expect(out[1].error).toMatch(/does-not-exist/);
    expect(await tags("shop/web")).toEqual(before);
    expect(summarizeOutcomes(out)).toEqual({ state: "failed", status: { state: "failure", description: "pushed api; failed web" } });
  });

  it("field case ecr-immutable-latest: a push refused at latest still records the blobs it uploaded", async () => {
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "api", imageTagMutability: "IMMUTABLE" }));
    const c5 = commit({ "api/main.txt": "api v4\n" }, "change api under IMMUTABLE");
    const [api] = await runJob(c5);
    expect(api).toMatchObject({ service: "api", result: "failed", reason: "push-failed", blobsUploaded: 2 });
    expect(api.bytesUploaded).toBeGreaterThan(0);
    expect(api.error).toMatch(/IMMUTABLE_WITH_EXCLUSION/);
    expect((await tags("api"))[c5.slice(0, 7)]).toBe(api.localManifestDigest);
  });
});
