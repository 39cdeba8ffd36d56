// Several repositories (GITHUB_REPOSITORIES), end to end: a signed push delivery from the second configured
// repository through the webhook's HTTP answer, the forward-only check against that repository on the sandbox's
// GitHub, a real worker checking out that repository and pushing to the sandbox's ECR, and the commit status set on
// that repository's commit. A repository that is not configured is still ignored.

import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { getAcceptedHead } from "./branch-heads";
import { getJob } from "./job-store";
import { signWebhookBody } from "../../judgements/push/verify-webhook-signature";
import type { TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { executeClaimedJob, type WorkerEnvironment } from "./worker/execute-claimed-job";
import { StoreChannel } from "./worker/store-channel";
import { answerWebhookRequest } from "./answer-webhook-request";
import { processPendingDeliveries } from "./process-pending-deliveries";
import { listDeliveries } from "./receive-github-delivery";

let bed: WorkerTestBed;
let sb: TestSandbox;
let db: Db;
let config: DeckhandConfig;
let env: WorkerEnvironment;
let channel: StoreChannel;

const GATEWAY = { owner: "acme", repo: "web-gateway" };

beforeAll(async () => {
  bed = await startWorkerTestBed("fleet-webhook", {
    validateGitHubOpenApi: true,
    scenario: "fleet",
    env: { GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" },
    clone: "acme/web-gateway",
  });
  ({ sb, db, config } = bed);
  env = bed.workerEnv;
  channel = new StoreChannel("fleet-worker", { clients: sb.clients, db, config }, 30_000);
}, 90_000);

afterAll(async () => {
  await bed?.close();
});

function pushBody(fullName: string, c: { before: string; after: string }): Buffer {
  return Buffer.from(JSON.stringify({ ref: "refs/heads/main", before: c.before, after: c.after, deleted: false, forced: false, repository: { full_name: fullName, default_branch: "main" } }));
}

async function deliver(body: Buffer, deliveryId = randomUUID()) {
  const headers: Record<string, string> = {
    "x-github-event": "push",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": signWebhookBody(config.github.webhookSecret!, body),
    "content-type": "application/json",
  };
  const answer = await answerWebhookRequest(db, config, { header: (n) => headers[n.toLowerCase()] ?? null, body: Readable.from([body]) });
  // The app's processor knows only the default repository's client ref: the delivery names its own.
  await processPendingDeliveries({ db, github: sb.clients.github, repo: sb.clients.repo });
  return { answer, delivery: listDeliveries(db).find((d) => d.id === deliveryId)! };
}

describe("a push from the second configured repository", () => {
  it("is checked against that repository, built from its commit, and its commit gets the status", async () => {
    const before = await bed.git("rev-parse", "HEAD");
    fs.writeFileSync(path.join(bed.clone, "mcp-server-tcp", "server.json"), JSON.stringify({ name: "mcp-server-tcp", gateway: true }));
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "gateway change");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const after = await bed.git("rev-parse", "HEAD");

    const { answer, delivery } = await deliver(pushBody("ACME/Web-Gateway", { before, after }));
    expect(answer).toMatchObject({ status: 202, body: { outcome: "pending" } });
    expect(delivery).toMatchObject({ outcome: "enqueued", repository: "acme/web-gateway", reason: expect.stringContaining("is the head of main") });
    const job = getJob(db, delivery.job_id!)!;
    expect(job.repository).toBe("acme/web-gateway");
    // Accepted heads are per repository: the default repository's main is untouched.
    expect(getAcceptedHead(db, "main", "acme/web-gateway")).toBe(after);
    expect(getAcceptedHead(db, "main")).toBeNull();

    const claim = await channel.claim();
    expect(claim?.git.url).toBe(`${sb.url}/acme/web-gateway.git`);
    expect(claim?.repository).toBe("acme/web-gateway");
    await executeClaimedJob(channel, claim!, env);
    expect(getJob(db, job.id)?.state).toBe("succeeded");

    const statuses = await sb.clients.github.repos.listCommitStatusesForRef({ ...GATEWAY, ref: after });
    expect(statuses.data.map((s) => [s.context, s.state])).toEqual([
      ["deckhand/ecr-push", "success"],
      ["deckhand/ecr-push", "pending"],
    ]);
    expect(statuses.data[0].target_url).toBe(`${config.url}/pushes/${job.id}`);
  }, 240_000);

  it("a push from a repository that is not configured is ignored, naming the configured ones", async () => {
    const { answer, delivery } = await deliver(pushBody("acme/billing-worker", { before: "a".repeat(40), after: "b".repeat(40) }));
    expect(answer).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "other-repository" } });
    expect(delivery).toMatchObject({ outcome: "ignored" });
    expect(delivery.reason).toContain("configured acme/mcp-servers, acme/web-gateway");
  });
});
