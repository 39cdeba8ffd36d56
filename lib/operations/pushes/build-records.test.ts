import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "../../infra/db/open-db";
import { lastBuildCacheDrop, recentImageInputs, requestBuildCacheDrop } from "./build-records";
import { claimNextJob, enqueueJob, getJob, listServiceResults, recordServiceResult } from "./job-store";
import { dropBuildCaches, rerunPushJob } from "./manage-push-job";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function db() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-build-records-"));
  dirs.push(d);
  return openDb(d);
}
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const actor = { login: "olivia" } as never;

function runningJob(store: ReturnType<typeof db>, sha: string) {
  const q = enqueueJob(store, { sha: sha.repeat(40), branch: null, ref: null, trigger: "manual", requestedBy: "t" });
  const claim = claimNextJob(store, { workerId: "w" })!;
  expect(claim.job.id).toBe(q.job.id);
  return claim;
}

describe("build records", () => {
  it("keeps each service's inputs with its job AND with the image latest points to after it: pushed or found equal", () => {
    const store = db();
    const one = runningJob(store, "a");
    const base = { repository: "api", blobsUploaded: 2, bytesUploaded: 10 };
    recordServiceResult(store, { jobId: one.job.id, workerId: "w", attempt: 1, result: { ...base, service: "api", decision: "pushed", localManifestDigest: digest("1"), inputsDigest: digest("a"), build: { imageBlobs: 3, imageBytes: 100, steps: { total: 3, cached: 1 } } } });
    recordServiceResult(store, { jobId: one.job.id, workerId: "w", attempt: 1, result: { ...base, service: "web", repository: "web", decision: "skipped", remoteDigestBefore: digest("2"), localManifestDigest: digest("9"), inputsDigest: digest("b") } });
    // A failed push records nothing for an image.
    recordServiceResult(store, { jobId: one.job.id, workerId: "w", attempt: 1, result: { ...base, service: "db", repository: "db", decision: "failed", localManifestDigest: digest("3"), inputsDigest: digest("c") } });
    expect(recentImageInputs(store)).toEqual([
      { repository: "api", imageDigest: digest("1"), inputsDigest: digest("a") },
      { repository: "web", imageDigest: digest("2"), inputsDigest: digest("b") },
    ]);
    const [api] = listServiceResults(store, one.job.id);
    expect(api).toMatchObject({ inputsDigest: digest("a"), build: { imageBlobs: 3, imageBytes: 100, steps: { total: 3, cached: 1 } } });
  });

  it("hands out at most the most recent few per repository", () => {
    const store = db();
    const job = runningJob(store, "b");
    for (let i = 0; i < 8; i++) {
      recordServiceResult(store, { jobId: job.job.id, workerId: "w", attempt: 1, result: { service: `s${i}`, repository: "api", decision: "pushed", localManifestDigest: digest(String(i)), inputsDigest: digest("f") } });
    }
    expect(recentImageInputs(store, 5)).toHaveLength(5);
  });

  it("rebuild with fresh base images queues a job marked for it; dropping build caches is one request every worker reads", () => {
    const store = db();
    const job = runningJob(store, "c");
    store.prepare(`UPDATE push_jobs SET state = 'succeeded' WHERE id = ?`).run(job.job.id);
    const fresh = rerunPushJob({ db: store, actor }, job.job.id, { freshBases: true });
    expect(fresh).toMatchObject({ state: "queued", freshBases: true, trigger: "rerun" });
    expect(getJob(store, job.job.id)?.freshBases).toBe(false);
    expect(lastBuildCacheDrop(store)).toBeNull();
    requestBuildCacheDrop(store, "earlier", new Date("2026-01-01T00:00:00Z"));
    const drop = dropBuildCaches({ db: store, actor });
    expect(lastBuildCacheDrop(store)).toEqual({ requestedAt: drop.requestedAt, requestedBy: "olivia" });
  });
});
