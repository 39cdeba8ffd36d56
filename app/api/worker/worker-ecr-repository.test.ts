// The standalone worker's ECR repository claim (issue 16), through the route handlers themselves: the app decides and
// records who owns an ECR repository, and answers only the worker holding the job's lease (or the part's).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { startTestSandbox, type TestSandbox } from "@/lib/tooling/testing/sandbox-fixture";
import { resetConfigForTests } from "@/lib/infra/config/env";
import { getDb } from "@/lib/infra/db";
import { enqueueJob } from "@/lib/operations/pushes/job-store";
import { listEcrOwners } from "@/lib/operations/pushes/ecr-owners-store";
import { ecrAccount } from "@/lib/integrations/aws/ecr-account";
import { getClients } from "@/lib/integrations/clients";
import { resolveCommit } from "@/lib/integrations/github/commits";
import { POST as claim } from "./claim/route";
import { POST as ecrRepository } from "./jobs/[id]/ecr-repository/route";

const TOKEN = "test-worker-token-0123456789";
let sb: TestSandbox;
let dataDir: string;
const post = (body: unknown, token = TOKEN) =>
  new NextRequest("http://x/api/worker", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const none = { params: Promise.resolve({}) };
const job = (id: string) => ({ params: Promise.resolve({ id }) });

beforeAll(async () => {
  sb = await startTestSandbox();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-worker-ecr-"));
  Object.assign(process.env, { DECKHAND_MODE: "sandbox", DECKHAND_DATA_DIR: dataDir, SANDBOX_PORT: new URL(sb.url).port, DECKHAND_WORKER_TOKEN: TOKEN });
  resetConfigForTests();
});
afterAll(async () => {
  await sb?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("POST /api/worker/jobs/:id/ecr-repository", () => {
  it("refuses a worker without the job's lease (409, nothing recorded) and lets the lease holder claim a new repository", async () => {
    const sha = (await resolveCommit({ github: sb.clients.github, repo: sb.clients.repo, ref: "main" }))!.sha;
    const queued = enqueueJob(getDb(), { sha, branch: null, ref: null, trigger: "api", requestedBy: "test" }) as { job: { id: string } };
    const a = await claim(post({ workerId: "A" }), none);
    expect(a.status).toBe(200);
    const claimed = ((await a.json()) as { job: { jobId: string; attempt: number } }).job;
    expect(claimed.jobId).toBe(queued.job.id);
    const ask = { service: "web", ecrRepository: "claimed-over-http" };
    const owners = async () => listEcrOwners(getDb(), { account: await ecrAccount(getClients().aws), region: "us-east-1" }).map((o) => [o.ecrRepository, o.sourceRepository]);

    // Another worker, the right worker with an old or future attempt, or quoting a part it does not hold.
    for (const body of [
      { workerId: "B", attempt: claimed.attempt },
      { workerId: "A", attempt: claimed.attempt + 1 },
      { workerId: "A", attempt: claimed.attempt, part: true },
    ]) {
      const r = await ecrRepository(post({ ...body, ...ask }), job(claimed.jobId));
      expect(r.status).toBe(409);
      expect(await r.json()).toMatchObject({ ok: false, lost: true });
    }
    expect(await owners()).toEqual([]);
    // Not an ECR repository name, or no worker token.
    expect((await ecrRepository(post({ workerId: "A", attempt: claimed.attempt, service: "web", ecrRepository: "Web/../x" }), job(claimed.jobId))).status).toBe(400);
    expect((await ecrRepository(post({ workerId: "A", attempt: claimed.attempt, ...ask }, "wrong-token-0123456789"), job(claimed.jobId))).status).toBe(401);
    expect(await owners()).toEqual([]);

    const r = await ecrRepository(post({ workerId: "A", attempt: claimed.attempt, ...ask }), job(claimed.jobId));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, claimed: true, owner: "acme/mcp-servers" });
    expect(await owners()).toEqual([["claimed-over-http", "acme/mcp-servers"]]);
  });
});
