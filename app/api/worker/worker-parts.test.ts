// The standalone worker's API for platform routing (issue 14), through the route handlers themselves: workers
// report platforms with claims and heartbeats, a job part goes only to a worker reporting its platform, and every
// call about a part is fenced by worker id, service and the part's attempt.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { startTestSandbox, type TestSandbox } from "@/lib/tooling/testing/sandbox-fixture";
import { resetConfigForTests } from "@/lib/infra/config/env";
import { getDb } from "@/lib/infra/db";
import { enqueueJob, getJob, listServiceResults, readJobLog } from "@/lib/operations/pushes/job-store";
import { listJobParts, listWorkers } from "@/lib/operations/pushes/job-parts-store";
import { resolveCommit } from "@/lib/integrations/github/commits";
import { POST as claim } from "./claim/route";
import { POST as heartbeat } from "./jobs/[id]/heartbeat/route";
import { POST as logs } from "./jobs/[id]/logs/route";
import { POST as services } from "./jobs/[id]/services/route";
import { POST as result } from "./jobs/[id]/result/route";

const TOKEN = "test-worker-token-0123456789";
let sb: TestSandbox;
let dataDir: string;
const post = (body: unknown) =>
  new NextRequest("http://x/api/worker", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const none = { params: Promise.resolve({}) };
const job = (id: string) => ({ params: Promise.resolve({ id }) });

beforeAll(async () => {
  sb = await startTestSandbox();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-worker-api-"));
  Object.assign(process.env, { DECKHAND_MODE: "sandbox", DECKHAND_DATA_DIR: dataDir, SANDBOX_PORT: new URL(sb.url).port, DECKHAND_WORKER_TOKEN: TOKEN });
  resetConfigForTests();
});
afterAll(async () => {
  await sb?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the worker API routes a job part by platform", () => {
  it("refuses a claim whose platforms are not OCI platforms", async () => {
    expect((await claim(post({ workerId: "w", platforms: ["arm64"] }), none)).status).toBe(400);
  });

  it("a job left waiting by an amd64 worker is claimed part by part only by a worker reporting linux/arm64", async () => {
    const sha = (await resolveCommit({ github: sb.clients.github, repo: sb.clients.repo, ref: "main" }))!.sha;
    const queued = enqueueJob(getDb(), { sha, branch: null, ref: null, trigger: "api", requestedBy: "test" });

    const a = await claim(post({ workerId: "A", platforms: ["linux/amd64"] }), none);
    expect(a.status).toBe(200);
    const claimedA = ((await a.json()) as { job: { jobId: string; attempt: number } }).job;
    expect(claimedA.jobId).toBe(queued.job.id);
    const waiting = { service: "arm", repository: "arm", decision: "waiting", detail: "waits-for-platform: waits for a worker that can build linux/arm64" };
    expect((await services(post({ workerId: "A", attempt: 1, result: waiting }), job(queued.job.id))).status).toBe(200);
    const finished = await result(
      post({
        workerId: "A",
        attempt: 1,
        result: {
          result: "skipped",
          summary: {},
          status: { state: "success", description: "waiting: arm (linux/arm64)" },
          waiting: [{ service: "arm", repository: "arm", platform: "linux/arm64" }],
        },
      }),
      job(queued.job.id),
    );
    expect(finished.status).toBe(200);
    expect(getJob(getDb(), queued.job.id)?.state).toBe("waiting");

    // A asks again: nothing for it. B reports linux/arm64 and gets the part.
    expect((await claim(post({ workerId: "A", platforms: ["linux/amd64"] }), none)).status).toBe(204);
    const b = await claim(post({ workerId: "B", platforms: ["linux/amd64", "linux/arm64"] }), none);
    expect(b.status).toBe(200);
    const claimedB = ((await b.json()) as { job: { jobId: string; attempt: number; part?: { service: string; platform: string } } }).job;
    expect(claimedB).toMatchObject({ jobId: queued.job.id, attempt: 1, part: { service: "arm", platform: "linux/arm64" } });

    const platforms = { A: ["linux/amd64"], B: ["linux/amd64", "linux/arm64"] };
    const beat = async (workerId: "A" | "B", attempt: number) =>
      (await (await heartbeat(post({ workerId, attempt, service: "arm", platforms: platforms[workerId] }), job(queued.job.id))).json()) as { ok: boolean; reason?: string };
    expect(await beat("B", 1)).toEqual({ ok: true });
    expect(await beat("A", 1)).toEqual({ ok: false, reason: "lease-lost" });
    expect(await beat("B", 2)).toEqual({ ok: false, reason: "lease-lost" });

    const line = [{ stream: "stdout", line: "[arm] building for linux/arm64", at: new Date().toISOString() }];
    expect((await logs(post({ workerId: "A", attempt: 1, service: "arm", lines: line }), job(queued.job.id))).status).toBe(409);
    expect((await logs(post({ workerId: "B", attempt: 1, service: "arm", lines: line }), job(queued.job.id))).status).toBe(200);
    expect(readJobLog(getDb(), queued.job.id).some((l) => l.line === "[arm] building for linux/arm64")).toBe(true);

    const built = { service: "arm", repository: "arm", decision: "failed", detail: "build-failed: exec format error" };
    expect((await services(post({ workerId: "A", attempt: 1, part: true, result: built }), job(queued.job.id))).status).toBe(409);
    expect((await services(post({ workerId: "B", attempt: 1, part: true, result: built }), job(queued.job.id))).status).toBe(200);
    expect(getJob(getDb(), queued.job.id)).toMatchObject({ state: "failed", error: "arm: build-failed: exec format error" });
    expect(listJobParts(getDb(), queued.job.id)).toMatchObject([{ state: "failed", workerId: "B" }]);
    expect(listServiceResults(getDb(), queued.job.id).map((s) => s.decision)).toEqual(["failed"]);
    expect(listWorkers(getDb()).map((w) => [w.workerId, w.kind, w.platforms])).toEqual(
      expect.arrayContaining([
        ["A", "standalone", ["linux/amd64"]],
        ["B", "standalone", ["linux/amd64", "linux/arm64"]],
      ]),
    );
  });
});
