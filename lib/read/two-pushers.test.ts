import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
  it("the workflow's key (seeded CloudTrail) and Deckhand both pushed mcp-server-tcp: said, with counts", async () => {
    // The workflow: the seeded history has the push user's key putting images from GitHub Actions runners (CloudTrail).
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
    expect(after.data.repositories[0].workflow.count).toBeGreaterThanOrEqual(1);
  });
});
