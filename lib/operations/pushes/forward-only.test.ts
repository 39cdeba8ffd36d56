// Replay and rollback, end to end: signed push bodies through the webhook answer, the forward-only check against
// the sandbox's GitHub (branches and compare, validated against GitHub's OpenAPI description), a real worker on
// the store building with buildah and pushing to the sandbox's ECR.

import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { getAcceptedHead } from "./branch-heads";
import { getJob, listJobs } from "./job-store";
import { signWebhookBody } from "../../judgements/push/verify-webhook-signature";
import { rerunPushJob } from "./manage-push-job";
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
let clone: string;
let git: (...args: string[]) => Promise<string>;

beforeAll(async () => {
  bed = await startWorkerTestBed("forward", { validateGitHubOpenApi: true });
  ({ sb, db, config, clone, git } = bed);
  env = bed.workerEnv;
  channel = new StoreChannel("forward-worker", { clients: sb.clients, db, config }, 30_000);
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

async function pushCommit(text: string): Promise<{ before: string; after: string }> {
  const before = await git("rev-parse", "HEAD");
  // A file the Dockerfile copies: layers are content-stable, so a file outside the image would change nothing.
  fs.writeFileSync(path.join(clone, "mcp-server-tcp", "server.json"), JSON.stringify({ name: "mcp-server-tcp", forward: text.trim() }));
  await git("add", "-A");
  await git("commit", "-q", "-m", text.trim());
  await git("push", "-q", "origin", "HEAD:main");
  return { before, after: await git("rev-parse", "HEAD") };
}

/** A push body as GitHub signs it, and its delivery through the webhook's HTTP answer. */
function pushBody(c: { before: string; after: string }): Buffer {
  return Buffer.from(
    JSON.stringify({ ref: "refs/heads/main", before: c.before, after: c.after, deleted: false, forced: false, repository: { full_name: "acme/mcp-servers", default_branch: "main" } }),
  );
}
async function deliver(body: Buffer, deliveryId = randomUUID()) {
  const headers: Record<string, string> = {
    "x-github-event": "push",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": signWebhookBody(config.github.webhookSecret!, body),
    "content-type": "application/json",
  };
  const answer = await answerWebhookRequest(db, config, { header: (n) => headers[n.toLowerCase()] ?? null, body: Readable.from([body]) });
  await processPendingDeliveries({ db, github: sb.clients.github, repo: sb.clients.repo });
  return { answer, delivery: listDeliveries(db).find((d) => d.id === deliveryId)! };
}

async function runQueuedJob(): Promise<string | null> {
  const claim = await channel.claim();
  if (!claim) return null;
  await executeClaimedJob(channel, claim, env);
  return claim.jobId;
}

async function latestDigest(): Promise<string | undefined> {
  const out = await sb.clients.aws.ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }));
  return out.images?.[0]?.imageId?.imageDigest;
}

describe("a push body replayed later", () => {
  it("is acknowledged and ignored with the reason: it queues nothing and latest stays where it is", async () => {
    const a = await pushCommit("version A\n");
    const first = await deliver(pushBody(a));
    expect(first.answer).toMatchObject({ status: 202, body: { outcome: "pending" } });
    expect(first.delivery).toMatchObject({ outcome: "enqueued", reason: expect.stringContaining("is the head of main") });
    expect(getJob(db, (await runQueuedJob())!)?.state).toBe("succeeded");
    const digestA = await latestDigest();

    const b = await pushCommit("version B\n");
    const second = await deliver(pushBody(b));
    expect(second.delivery.outcome).toBe("enqueued");
    expect(getJob(db, (await runQueuedJob())!)?.state).toBe("succeeded");
    const digestB = await latestDigest();
    expect(digestB).not.toBe(digestA);
    expect(getAcceptedHead(db, "main")).toBe(b.after);

    // The captured body of A, sent again with a new delivery id: its signature verifies, but it moves nothing.
    const jobsBefore = listJobs(db).length;
    const replay = await deliver(pushBody(a));
    expect(replay.answer.status).toBe(202);
    expect(replay.delivery).toMatchObject({ outcome: "ignored", job_id: null });
    expect(replay.delivery.reason).toMatch(/^not-forward: .* is 1 commit\(s\) behind .*, which Deckhand already accepted: an old or replayed delivery/);
    expect(listJobs(db)).toHaveLength(jobsBefore);
    expect(await runQueuedJob()).toBeNull();
    expect(await latestDigest()).toBe(digestB);
    expect(getAcceptedHead(db, "main")).toBe(b.after);

    // An operator can still put A back on purpose: a re-run, not a webhook.
    const jobA = listJobs(db).find((j) => j.sha === a.after)!;
    const rerun = rerunPushJob({ db, actor: { login: "octo-operator", role: "operator" } }, jobA.id);
    expect(rerun).toMatchObject({ trigger: "rerun", branch: null, sha: a.after });
    expect(await runQueuedJob()).toBe(rerun.id);
    expect(await latestDigest()).toBe(digestA);
  }, 300_000);

  it("waits and retries when GitHub cannot be asked, then decides", async () => {
    const c = await pushCommit("version C\n");
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/branches/{branch}", kind: "503", count: 10 });
    const waiting = await deliver(pushBody(c));
    expect(waiting.delivery).toMatchObject({ outcome: "pending", reason: expect.stringMatching(/^waiting to check with GitHub \(attempt 1\): GitHub answered 503/) });
    await sb.admin("DELETE", "/_sandbox/faults");
    db.prepare(`UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?`).run(waiting.delivery.id);
    await processPendingDeliveries({ db, github: sb.clients.github, repo: sb.clients.repo });
    expect(listDeliveries(db).find((d) => d.id === waiting.delivery.id)).toMatchObject({ outcome: "enqueued" });
  }, 120_000);
});
