// The compose field cases (../shared/field-cases, copied into testdata/), end to end: each is committed as the whole
// tree of the sandbox repository and pushed, a job is queued for the commit, and the worker's own path
// (executeClaimedJob over the store, real buildah, the sandbox's ECR, the commit status on the sandbox's GitHub)
// builds it. The expectations are what `docker compose build` does with the same files (field-cases/README.md).

import fs from "node:fs";
import path from "node:path";
import { BatchGetImageCommand, DescribeRepositoriesCommand, GetDownloadUrlForLayerCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeBuildPlatform } from "../../integrations/git/read-compose";
import { binfmtHandlerName } from "../../judgements/push/plan-emulation";
import { binfmtHandlerEnabled } from "../../integrations/build/check-platform";
import { startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { enqueueJob, getJob, listServiceResults } from "./job-store";
import { executeClaimedJob } from "./worker/execute-claimed-job";

const CASES = path.join(__dirname, "testdata");
let bed: WorkerTestBed;

beforeAll(async () => {
  bed = await startWorkerTestBed("field-cases");
}, 60_000);
afterAll(async () => {
  await bed?.close();
});

/** Replaces the repository's tree (all but .git) with the files of one case, commits and pushes; returns the sha. */
async function pushCase(name: string, edit: (dir: string) => void = () => {}): Promise<string> {
  for (const entry of fs.readdirSync(bed.clone)) if (entry !== ".git") fs.rmSync(path.join(bed.clone, entry), { recursive: true, force: true });
  fs.cpSync(path.join(CASES, name), bed.clone, { recursive: true });
  edit(bed.clone);
  await bed.git("add", "-A");
  await bed.git("commit", "-q", "-m", name);
  await bed.git("push", "-q", "origin", "HEAD:main");
  return bed.git("rev-parse", "HEAD");
}

/** Queues the commit and lets the worker run it as it runs any claimed job. */
async function runJob(sha: string, env: { composeProfiles?: string[] } = {}) {
  const queued = enqueueJob(bed.db, { sha, branch: null, ref: null, trigger: "api", requestedBy: "field-cases" });
  const claim = await bed.channel.claim();
  expect(claim?.jobId).toBe(queued.job.id);
  await executeClaimedJob(bed.channel, claim!, { ...bed.workerEnv, builder: "buildah", ...env });
  const job = getJob(bed.db, queued.job.id)!;
  const services = Object.fromEntries(listServiceResults(bed.db, job.id).map((s) => [s.service, s]));
  const statuses = await bed.sb.clients.github.repos.listCommitStatusesForRef({ ...bed.sb.clients.repo, ref: sha });
  return { job, services, status: statuses.data[0] };
}

async function repositories(): Promise<string[]> {
  const out = await bed.sb.clients.aws.ecr.send(new DescribeRepositoriesCommand({}));
  return (out.repositories ?? []).map((r) => r.repositoryName!);
}

/** The image config behind `<repository>:latest`, read through the ECR API as a puller would. */
async function latestConfig(repositoryName: string): Promise<{ architecture: string; os: string; config: { Labels?: Record<string, string> } }> {
  const ecr = bed.sb.clients.aws.ecr;
  const image = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: "latest" }] }))).images![0];
  const manifest = JSON.parse(image.imageManifest!);
  const url = (await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: manifest.config.digest }))).downloadUrl!;
  return (await fetch(url)).json();
}

describe("the compose field cases, pushed and built by the worker", () => {
  it("compose-profiles: only the service without profiles is built; no repository for the debug profile", async () => {
    const sha = await pushCase("compose-profiles");
    const { job, services, status } = await runJob(sha);
    expect(job.state).toBe("succeeded");
    expect(services.app).toMatchObject({ repository: "shop-app", decision: "pushed" });
    expect(services["debug-tools"]).toMatchObject({ decision: "not-built", detail: expect.stringMatching(/^profile-not-selected: .*debug/) });
    expect(await repositories()).not.toContain("shop-debug-tools");
    expect(status).toMatchObject({ state: "success", description: "pushed app; not built debug-tools" });

    // DECKHAND_COMPOSE_PROFILES=debug builds it, as `docker compose --profile debug build` does.
    const again = await runJob(sha, { composeProfiles: ["debug"] });
    expect(again.services["debug-tools"]).toMatchObject({ repository: "shop-debug-tools", decision: "pushed" });
    expect(again.services.app.decision).toBe("skipped");
  }, 300_000);

  it("compose-extends: api inherits build: from common.yaml and is pushed to shop-api", async () => {
    const { job, services, status } = await runJob(await pushCase("compose-extends"));
    expect(job.state).toBe("succeeded");
    expect(services.api).toMatchObject({ repository: "shop-api", decision: "pushed" });
    expect(status.state).toBe("success");
    expect((await latestConfig("shop-api")).config.Labels).toMatchObject({ "org.opencontainers.image.title": "api" });
  }, 300_000);

  it("compose-dotenv-image: .env names the repository storefront/web and the build arg APP_VERSION=2.4.1", async () => {
    const { job, services } = await runJob(await pushCase("compose-dotenv-image"));
    expect(job.state).toBe("succeeded");
    expect(services.web).toMatchObject({ repository: "storefront/web", decision: "pushed" });
    expect(await repositories()).not.toContain("web");
    expect((await latestConfig("storefront/web")).config.Labels).toMatchObject({ "org.opencontainers.image.version": "2.4.1" });
  }, 300_000);

  it("compose-platform-arm64: the image is built for linux/arm64 (FROM scratch + COPY needs no emulation)", async () => {
    const { job, services } = await runJob(await pushCase("compose-platform-arm64"));
    expect(job.state).toBe("succeeded");
    expect(services.edge).toMatchObject({ repository: "edge-gateway", decision: "pushed" });
    expect(await latestConfig("edge-gateway")).toMatchObject({ os: "linux", architecture: "arm64" });
  }, 300_000);

  it("compose-platform-arm64 with a RUN step: without qemu the service fails saying what to install; nothing of the wrong architecture is pushed", async () => {
    const handler = binfmtHandlerName("linux/arm64")!;
    if (nativeBuildPlatform() === "linux/arm64" || binfmtHandlerEnabled(handler)) return; // this host can run arm64 RUN steps
    const before = await latestConfig("edge-gateway");
    const sha = await pushCase("compose-platform-arm64", (dir) => fs.appendFileSync(path.join(dir, "edge", "Dockerfile"), "RUN [\"/gateway.txt\"]\n"));
    const { job, services, status } = await runJob(sha);
    expect(job.state).toBe("failed");
    expect(services.edge).toMatchObject({ decision: "failed", detail: expect.stringMatching(/^platform-unavailable: .*qemu-aarch64 is not enabled: install qemu-user-static and binfmt-support/) });
    expect(status).toMatchObject({ state: "failure", description: "failed edge" });
    expect(await latestConfig("edge-gateway")).toEqual(before);
  }, 300_000);

  it("two platforms (FROM scratch + COPY): an OCI index with both is pushed; the same commit again skips; pulls resolve each platform", async () => {
    const sha = await pushCase("compose-platform-arm64", (dir) =>
      fs.writeFileSync(
        path.join(dir, "compose.yaml"),
        "services:\n  edge:\n    build:\n      context: ./edge\n      platforms: [linux/amd64, linux/arm64]\n    image: edge-multi:latest\n",
      ),
    );
    const first = await runJob(sha);
    expect(first.job.state).toBe("succeeded");
    expect(first.services.edge).toMatchObject({ repository: "edge-multi", decision: "pushed" });

    const ecr = bed.sb.clients.aws.ecr;
    const INDEX = "application/vnd.oci.image.index.v1+json";
    const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    const got = (await ecr.send(new BatchGetImageCommand({ repositoryName: "edge-multi", imageIds: [{ imageTag: "latest" }], acceptedMediaTypes: [INDEX, MANIFEST] }))).images![0];
    expect(got.imageManifestMediaType).toBe(INDEX);
    expect(got.imageId!.imageDigest).toBe(first.services.edge.localManifestDigest);
    const index = JSON.parse(got.imageManifest!) as { manifests: { digest: string; platform: { os: string; architecture: string } }[] };
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(["linux/amd64", "linux/arm64"]);
    for (const entry of index.manifests) {
      const child = (await ecr.send(new BatchGetImageCommand({ repositoryName: "edge-multi", imageIds: [{ imageDigest: entry.digest }], acceptedMediaTypes: [INDEX, MANIFEST] }))).images![0];
      const manifest = JSON.parse(child.imageManifest!);
      const url = (await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: "edge-multi", layerDigest: manifest.config.digest }))).downloadUrl!;
      expect(await (await fetch(url)).json()).toMatchObject({ os: "linux", architecture: entry.platform.architecture });
    }

    const again = await runJob(sha);
    expect(again.job.state).toBe("skipped");
    // Decided before building: every input equals those recorded for the index latest points to (buildServiceImage's early skip).
    expect(again.services.edge).toMatchObject({ decision: "skipped", detail: "inputs-match" });
  }, 300_000);

  it("compose-dockerfile-inline: both services are pushed, the inline Dockerfile built like a file", async () => {
    const { job, services } = await runJob(await pushCase("compose-dockerfile-inline"));
    expect(job.state).toBe("succeeded");
    expect(services.api).toMatchObject({ repository: "team/api", decision: "pushed" });
    expect(services.migrations).toMatchObject({ repository: "team/migrations", decision: "pushed" });
  }, 300_000);

  it("a service the worker cannot build fails alone: the others still push, and the job and commit status say which and why", async () => {
    const sha = await pushCase("compose-dockerfile-inline", (dir) => {
      fs.appendFileSync(path.join(dir, "api", "api.txt"), "v3\n");
      const compose = fs.readFileSync(path.join(dir, "compose.yaml"), "utf8");
      fs.writeFileSync(path.join(dir, "compose.yaml"), compose.replace("    image: team/migrations\n", "    image: team/migrations\n  remote:\n    build: https://github.com/acme/remote.git#main\n"));
    });
    const { job, services, status } = await runJob(sha);
    expect(job.state).toBe("failed");
    expect(services.api.decision).toBe("pushed");
    expect(services.migrations.decision).toBe("skipped");
    expect(services.remote).toMatchObject({ decision: "failed", detail: expect.stringMatching(/^compose-invalid: compose\.yaml:14:5: services\.remote\.build: remote build context .* refused/) });
    expect(job.error).toMatch(/remote: compose\.yaml:14:5/);
    expect(status).toMatchObject({ state: "failure", description: "pushed api; unchanged migrations; failed remote" });
  }, 300_000);
});
