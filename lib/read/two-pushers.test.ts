import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { BatchGetImageCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { openDb, type Db } from "../infra/db/open-db";
import { claimNextJob, enqueueJob, recordServiceResult, reportJobResult } from "../operations/pushes/job-store";
import { readContextFrom } from "./context";
import { readTwoPushers } from "./overview";
import { parseConfig } from "../infra/config/env";

let sb: TestSandbox;
let db: Db;
let dir: string;

beforeAll(async () => {
  sb = await startTestSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-two-pushers-"));
  db = openDb(dir);
});
afterAll(async () => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await sb?.close();
});

const ctx = () => readContextFrom(parseConfig({ SANDBOX_PORT: "4566" }), sb.clients, new TtlCache(), db);

describe("two pushers", () => {
  it("the workflow's key and Deckhand both pushed mcp-server-tcp: said, with counts", async () => {
    // The workflow: the push user's key puts an image (as docker push does at its end), seen by CloudTrail.
    const key = (await sb.clients.aws.iam.send(new CreateAccessKeyCommand({ UserName: "github-ecr-push" }))).AccessKey!;
    const asWorkflow = sb.awsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const latest = await sb.clients.aws.ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }));
    const image = latest.images![0];
    const put = () => asWorkflow.ecr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageTag: "from-workflow" }));
    // A new key takes a moment to be accepted everywhere (IAM's eventual consistency, as the sandbox emulates it).
    for (let i = 0; ; i++) {
      try {
        await put();
        break;
      } catch (err) {
        if (i > 30 || (err as Error).name !== "UnrecognizedClientException") throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const before = await readTwoPushers(ctx());
    if (!before.ok) throw new Error(before.failure.message);
    expect(before.data.repositories).toEqual([]); // Deckhand has not pushed yet: one pusher

    // Deckhand's worker pushed the same repository.
    const { job } = enqueueJob(db, { sha: "a".repeat(40), branch: "main", ref: "refs/heads/main", trigger: "webhook", requestedBy: "github" }) as { job: { id: string } };
    const claim = claimNextJob(db, { workerId: "w" })!;
    recordServiceResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result: { service: "mcp-server-tcp", repository: "mcp-server-tcp", decision: "pushed" } });
    reportJobResult(db, { jobId: job.id, workerId: "w", attempt: claim.attempt, result: "succeeded" });

    const after = await readTwoPushers(ctx());
    if (!after.ok) throw new Error(after.failure.message);
    expect(after.data.repositories).toMatchObject([{ repository: "mcp-server-tcp", deckhand: { count: 1 } }]);
    // The seeded workflow history pushed it too; the newest workflow push is the one made above.
    expect(after.data.repositories[0].workflow.count).toBeGreaterThanOrEqual(1);
    expect(Date.now() - Date.parse(after.data.repositories[0].workflow.last)).toBeLessThan(60_000);
  });
});
