// Replay and rollback, end to end: signed push bodies through the webhook answer, the forward-only check against
// the sandbox's GitHub (branches and compare, validated against GitHub's OpenAPI description), a real worker on
// the store building with buildah and pushing to the sandbox's ECR.

import fs from "node:fs";
import path from "node:path";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAcceptedHead } from "./branch-heads";
import { getJob, listJobs } from "./job-store";
import { rerunPushJob } from "./manage-push-job";
import { pushEventBody, startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { processPendingDeliveries } from "./process-pending-deliveries";
import { listDeliveries } from "./receive-github-delivery";

let bed: WorkerTestBed;

beforeAll(async () => {
  bed = await startWorkerTestBed("forward", { validateGitHubOpenApi: true });
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

async function pushCommit(text: string): Promise<{ before: string; after: string }> {
  const before = await bed.git("rev-parse", "HEAD");
  // A file the Dockerfile copies: layers are content-stable, so a file outside the image would change nothing.
  fs.writeFileSync(path.join(bed.clone, "mcp-server-tcp", "server.json"), JSON.stringify({ name: "mcp-server-tcp", forward: text.trim() }));
  await bed.git("add", "-A");
  await bed.git("commit", "-q", "-m", text.trim());
  await bed.git("push", "-q", "origin", "HEAD:main");
  return { before, after: await bed.git("rev-parse", "HEAD") };
}

const pushBody = (c: { before: string; after: string }) => pushEventBody("acme/mcp-servers", c);

async function latestDigest(): Promise<string | undefined> {
  const out = await bed.sb.clients.aws.ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }));
  return out.images?.[0]?.imageId?.imageDigest;
}

describe("a push body replayed later", () => {
  it("is acknowledged and ignored with the reason: it queues nothing and latest stays where it is", async () => {
    const a = await pushCommit("version A\n");
    const first = await bed.deliver(pushBody(a));
    expect(first.answer).toMatchObject({ status: 202, body: { outcome: "pending" } });
    expect(first.delivery).toMatchObject({ outcome: "enqueued", reason: expect.stringContaining("is the head of main") });
    expect(getJob(bed.db, (await bed.runQueuedJob())!)?.state).toBe("succeeded");
    const digestA = await latestDigest();

    const b = await pushCommit("version B\n");
    const second = await bed.deliver(pushBody(b));
    expect(second.delivery.outcome).toBe("enqueued");
    expect(getJob(bed.db, (await bed.runQueuedJob())!)?.state).toBe("succeeded");
    const digestB = await latestDigest();
    expect(digestB).not.toBe(digestA);
    expect(getAcceptedHead(bed.db, "main")).toBe(b.after);

    // The captured body of A, sent again with a new delivery id: its signature verifies, but it moves nothing.
    const jobsBefore = listJobs(bed.db).length;
    const replay = await bed.deliver(pushBody(a));
    expect(replay.answer.status).toBe(202);
    expect(replay.delivery).toMatchObject({ outcome: "ignored", job_id: null });
    expect(replay.delivery.reason).toMatch(/^not-forward: .* is 1 commit\(s\) behind .*, which Deckhand already accepted: an old or replayed delivery/);
    expect(listJobs(bed.db)).toHaveLength(jobsBefore);
    expect(await bed.runQueuedJob()).toBeNull();
    expect(await latestDigest()).toBe(digestB);
    expect(getAcceptedHead(bed.db, "main")).toBe(b.after);

    // An operator can still put A back on purpose: a re-run, not a webhook.
    const jobA = listJobs(bed.db).find((j) => j.sha === a.after)!;
    const rerun = rerunPushJob({ db: bed.db, actor: { login: "octo-operator", role: "operator" } }, jobA.id);
    expect(rerun).toMatchObject({ trigger: "rerun", branch: null, sha: a.after });
    expect(await bed.runQueuedJob()).toBe(rerun.id);
    expect(await latestDigest()).toBe(digestA);
  }, 300_000);

  it("waits and retries when GitHub cannot be asked, then decides", async () => {
    const c = await pushCommit("version C\n");
    await bed.sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/branches/{branch}", kind: "503", count: 10 });
    const waiting = await bed.deliver(pushBody(c));
    expect(waiting.delivery).toMatchObject({ outcome: "pending", reason: expect.stringMatching(/^waiting to check with GitHub \(attempt 1\): GitHub answered 503/) });
    await bed.sb.admin("DELETE", "/_sandbox/faults");
    bed.db.prepare(`UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?`).run(waiting.delivery.id);
    await processPendingDeliveries({ db: bed.db, github: bed.sb.clients.github, repo: bed.sb.clients.repo });
    expect(listDeliveries(bed.db).find((d) => d.id === waiting.delivery.id)).toMatchObject({ outcome: "enqueued" });
  }, 120_000);
});
