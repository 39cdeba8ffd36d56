// Several repositories (GITHUB_REPOSITORIES), end to end: a signed push delivery from the second configured
// repository through the webhook's HTTP answer, the forward-only check against that repository on the sandbox's
// GitHub, a real worker checking out that repository and pushing to the sandbox's ECR, and the commit status set on
// that repository's commit. A repository that is not configured is still ignored.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAcceptedHead } from "./branch-heads";
import { getJob } from "./job-store";
import { pushEventBody, startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { executeClaimedJob } from "./worker/execute-claimed-job";

let bed: WorkerTestBed;

const GATEWAY = { owner: "acme", repo: "web-gateway" };

beforeAll(async () => {
  bed = await startWorkerTestBed("fleet-webhook", {
    validateGitHubOpenApi: true,
    scenario: "fleet",
    env: { GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" },
    clone: "acme/web-gateway",
  });
}, 90_000);

afterAll(async () => {
  await bed?.close();
});

describe("a push from the second configured repository", () => {
  it("is checked against that repository, built from its commit, and its commit gets the status", async () => {
    const before = await bed.git("rev-parse", "HEAD");
    fs.writeFileSync(path.join(bed.clone, "mcp-server-tcp", "server.json"), JSON.stringify({ name: "mcp-server-tcp", gateway: true }));
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "gateway change");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const after = await bed.git("rev-parse", "HEAD");

    const { answer, delivery } = await bed.deliver(pushEventBody("ACME/Web-Gateway", { before, after }));
    expect(answer).toMatchObject({ status: 202, body: { outcome: "pending" } });
    expect(delivery).toMatchObject({ outcome: "enqueued", repository: "acme/web-gateway", reason: expect.stringContaining("is the head of main") });
    const job = getJob(bed.db, delivery.job_id!)!;
    expect(job.repository).toBe("acme/web-gateway");
    // Accepted heads are per repository: the default repository's main is untouched.
    expect(getAcceptedHead(bed.db, "main", "acme/web-gateway")).toBe(after);
    expect(getAcceptedHead(bed.db, "main")).toBeNull();

    const claim = await bed.channel.claim();
    expect(claim?.git.url).toBe(`${bed.sb.url}/acme/web-gateway.git`);
    expect(claim?.repository).toBe("acme/web-gateway");
    await executeClaimedJob(bed.channel, claim!, bed.workerEnv);
    expect(getJob(bed.db, job.id)?.state).toBe("succeeded");

    const statuses = await bed.sb.clients.github.repos.listCommitStatusesForRef({ ...GATEWAY, ref: after });
    expect(statuses.data.map((s) => [s.context, s.state])).toEqual([
      ["deckhand/ecr-push", "success"],
      ["deckhand/ecr-push", "pending"],
    ]);
    expect(statuses.data[0].target_url).toBe(`${bed.config.url}/pushes/${job.id}`);
  }, 240_000);

  it("a push from a repository that is not configured is ignored, naming the configured ones", async () => {
    const { answer, delivery } = await bed.deliver(pushEventBody("acme/billing-worker", { before: "a".repeat(40), after: "b".repeat(40) }));
    expect(answer).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "other-repository" } });
    expect(delivery).toMatchObject({ outcome: "ignored" });
    expect(delivery.reason).toContain("configured acme/mcp-servers, acme/web-gateway");
  });
});
