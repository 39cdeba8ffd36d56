// Issue 16 end to end: two served repositories of the sandbox's `fleet` scenario with a service of the same name.
// acme/mcp-servers pushes first and owns its ECR repositories; acme/web-gateway's service of the same name then fails
// naming the owner (its blobs never reach ECR, the owner's `latest` keeps its digest), while its service with a
// distinct image: name still pushes. A multi-platform service (the image index path) into an owned repository is
// refused the same way. Real worker, buildah, the sandbox's ECR and GitHub over HTTP.

import fs from "node:fs";
import path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCommit } from "../../integrations/github/commits";
import { startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { enqueueJob, getJob, listServiceResults } from "./job-store";
import { ecrAccount } from "../../integrations/aws/ecr-account";
import { assignEcrOwner, readEcrOwner } from "./ecr-owners-store";
import { listAudit } from "../../infra/audit/record-audit";

let bed: WorkerTestBed;

const GATEWAY = { owner: "acme", repo: "web-gateway" };

beforeAll(async () => {
  bed = await startWorkerTestBed("ecr-owner", { scenario: "fleet", env: { GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" }, clone: "acme/web-gateway" });
}, 90_000);

afterAll(async () => {
  await bed?.close();
});

/** The manifest digest `latest` points to in an ECR repository, and every tag it holds (DescribeImages, the SDK's). */
async function ecrImages(repositoryName: string): Promise<{ latest: string | undefined; tags: string[] }> {
  const out = await bed.sb.clients.aws.ecr.send(new DescribeImagesCommand({ repositoryName }));
  const images = out.imageDetails ?? [];
  return { latest: images.find((i) => i.imageTags?.includes("latest"))?.imageDigest, tags: images.flatMap((i) => i.imageTags ?? []) };
}

async function runJob(repository: string | null, sha: string) {
  const { job } = enqueueJob(bed.db, { sha, branch: null, ref: null, trigger: "api", requestedBy: "test", repository }) as { job: { id: string } };
  expect(await bed.runQueuedJob()).toBe(job.id);
  return { job: getJob(bed.db, job.id)!, services: Object.fromEntries(listServiceResults(bed.db, job.id).map((s) => [s.service, s])) };
}

describe("two served repositories with a service of the same name", () => {
  it("the second repository's service fails naming the owner, the owner's latest is unchanged, its other services push", async () => {
    // 1. acme/mcp-servers (named, the default) pushes first: it claims the seeded, unclaimed ECR repositories.
    const first = (await resolveCommit({ github: bed.sb.clients.github, repo: bed.sb.clients.repo, ref: "main" }))!.sha;
    const a = await runJob(null, first);
    expect(a.job.state).toBe("succeeded");
    expect(a.services["mcp-server-tcp"]).toMatchObject({ decision: "pushed", repository: "mcp-server-tcp" });
    const account = await ecrAccount(bed.sb.clients.aws);
    expect(readEcrOwner(bed.db, { account, region: "us-east-1", ecrRepository: "mcp-server-tcp" })).toMatchObject({ sourceRepository: "acme/mcp-servers" });
    const ownersLatest = await ecrImages("mcp-server-tcp");
    expect(ownersLatest.latest).toBe(a.services["mcp-server-tcp"].localManifestDigest);

    // 2. acme/web-gateway: mcp-server-tcp keeps its name but different content (it would push), mcp-server-http gets a
    //    distinct image: name, and a two-platform service (an image index) names the owner's other repository.
    const compose = fs.readFileSync(path.join(bed.clone, "compose.yaml"), "utf8").replace("image: mcp-server-http:latest", "image: gateway-http:latest");
    fs.writeFileSync(
      path.join(bed.clone, "compose.yaml"),
      `${compose}\n  gateway-multi:\n    build:\n      context: ./mcp-server-tcp\n      platforms: [linux/amd64, linux/arm64]\n    image: mcp-server-http:latest\n`,
    );
    fs.writeFileSync(path.join(bed.clone, "mcp-server-tcp", "server.json"), JSON.stringify({ name: "mcp-server-tcp", from: "web-gateway" }));
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "gateway: own tcp server, http under its own name");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const second = await bed.git("rev-parse", "HEAD");

    const b = await runJob("acme/web-gateway", second);
    expect(b.job.state).toBe("failed");
    const refused = b.services["mcp-server-tcp"];
    expect(refused.decision).toBe("failed");
    expect(refused.detail).toContain("ecr-repository-refused: ECR repository mcp-server-tcp is owned by acme/mcp-servers: nothing pushed from acme/web-gateway");
    expect(refused.detail).toContain("distinct image: name");
    expect(refused.detail).toContain("an operator reassigns mcp-server-tcp to acme/web-gateway on the Registry page");
    // Refused before the build: nothing built, nothing uploaded.
    expect(refused).toMatchObject({ blobsUploaded: 0, localManifestDigest: null });
    expect(b.services["gateway-multi"]).toMatchObject({ decision: "failed", blobsUploaded: 0 });
    expect(b.services["gateway-multi"].detail).toContain("ECR repository mcp-server-http is owned by acme/mcp-servers");
    // The distinct name pushed, into a new ECR repository web-gateway now owns.
    expect(b.services["mcp-server-http"]).toMatchObject({ decision: "pushed", repository: "gateway-http" });
    expect(readEcrOwner(bed.db, { account, region: "us-east-1", ecrRepository: "gateway-http" })).toMatchObject({ sourceRepository: "acme/web-gateway" });
    expect((await ecrImages("gateway-http")).tags).toEqual(expect.arrayContaining(["latest", second.slice(0, 7)]));

    // The owner's images are untouched: same latest, no tag of the gateway's commit.
    const after = await ecrImages("mcp-server-tcp");
    expect(after.latest).toBe(ownersLatest.latest);
    expect(after.tags).not.toContain(second.slice(0, 7));
    expect((await ecrImages("mcp-server-http")).tags).not.toContain(second.slice(0, 7));

    // The job and the commit status say why.
    expect(b.job.error).toContain("mcp-server-tcp: ECR repository mcp-server-tcp is owned by acme/mcp-servers");
    const statuses = await bed.sb.clients.github.repos.listCommitStatusesForRef({ ...GATEWAY, ref: second });
    expect(statuses.data[0]).toMatchObject({ context: "deckhand/ecr-push", state: "failure" });
    expect(statuses.data[0].description).toContain("failed mcp-server-tcp (ECR repository mcp-server-tcp is owned by acme/mcp-servers)");
  }, 300_000);
});

describe("a claim is only as good as the push", () => {
  it("a service whose build fails frees the new ECR name it claimed; an operator's reassign during the build is obeyed before the upload", async () => {
    // web-gateway adds two services under new ECR names: one whose build fails (COPY of a missing file), one that
    // builds, whose ECR repository an operator gives to acme/mcp-servers while it builds.
    const compose = fs.readFileSync(path.join(bed.clone, "compose.yaml"), "utf8");
    fs.mkdirSync(path.join(bed.clone, "broken"), { recursive: true });
    fs.writeFileSync(path.join(bed.clone, "broken", "Dockerfile"), "FROM scratch\nCOPY no-such-file /x\n");
    fs.mkdirSync(path.join(bed.clone, "late"), { recursive: true });
    fs.writeFileSync(path.join(bed.clone, "late", "Dockerfile"), "FROM scratch\nCOPY late.txt /late.txt\n");
    fs.writeFileSync(path.join(bed.clone, "late", "late.txt"), `late ${Date.now()}\n`);
    fs.writeFileSync(
      path.join(bed.clone, "compose.yaml"),
      `${compose}\n  gateway-broken:\n    build: ./broken\n    image: gateway-broken:latest\n  gateway-late:\n    build: ./late\n    image: gateway-late:latest\n`,
    );
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "gateway: a broken service and a late one");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const sha = await bed.git("rev-parse", "HEAD");
    const account = await ecrAccount(bed.sb.clients.aws);
    const late = { account, region: "us-east-1", ecrRepository: "gateway-late" };

    const { job } = enqueueJob(bed.db, { sha, branch: null, ref: null, trigger: "api", requestedBy: "test", repository: "acme/web-gateway" }) as { job: { id: string } };
    const running = bed.runQueuedJob();
    // As soon as web-gateway's claim of gateway-late is recorded (before its build), the operator reassigns it.
    let reassigned = false;
    for (let i = 0; i < 3000 && !reassigned; i++) {
      if (readEcrOwner(bed.db, late)?.sourceRepository === "acme/web-gateway") reassigned = assignEcrOwner(bed.db, late, "acme/mcp-servers", "octo-operator") !== undefined;
      else await new Promise((r) => setTimeout(r, 5));
    }
    expect(reassigned).toBe(true);
    expect(await running).toBe(job.id);
    const services = Object.fromEntries(listServiceResults(bed.db, job.id).map((x) => [x.service, x]));

    expect(services["gateway-late"]).toMatchObject({ decision: "failed", blobsUploaded: 0 });
    expect(services["gateway-late"].detail).toContain("ECR repository gateway-late is owned by acme/mcp-servers");
    expect(services["gateway-late"].detail).toContain("asked again before the upload");
    expect(readEcrOwner(bed.db, late)).toMatchObject({ sourceRepository: "acme/mcp-servers", claimedBy: "octo-operator" });

    expect(services["gateway-broken"]).toMatchObject({ decision: "failed", blobsUploaded: 0 });
    expect(readEcrOwner(bed.db, { account, region: "us-east-1", ecrRepository: "gateway-broken" })).toBeNull();
    expect(listAudit(bed.db, { action: "ecr-owner.claim-dropped", limit: 10 }).map((a) => [a.target, a.detail?.service])).toEqual([["gateway-broken", "gateway-broken"]]);
  }, 300_000);
});
