// Platform routing (issue 14), end to end: two in-process workers on the same store against the sandbox, real
// buildah. Worker A reports only linux/amd64; worker B declares linux/arm64 (DECKHAND_WORKER_PLATFORMS). A commit
// with an amd64 service and an arm64 service whose Dockerfile has a RUN step: A builds and pushes the amd64 one and
// leaves the arm64 one waiting, which only B claims. This host has no qemu, so B's build of the RUN step fails:
// what is asserted is the routing and the recorded reasons, not B's build.

import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWorkerTestBed, type WorkerTestBed } from "../../tooling/testing/worker-test-bed";
import { until } from "../../tooling/testing/until";
import { enqueueJob, getJob, listServiceResults, readJobLog } from "./job-store";
import { listJobParts, listWorkers } from "./job-parts-store";
import { startEmbeddedWorker } from "./worker/start-embedded-worker";
import { reportSupersededWaiting } from "./report-superseded-waiting";
import { parseWorkerConfig } from "./worker/worker-config";

let bed: WorkerTestBed;
let noBinfmt: string;
const loops: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  bed = await startWorkerTestBed("platform-routing");
  // No qemu handlers, whatever this host has: worker A builds its own platform only.
  noBinfmt = fs.mkdtempSync(path.join(bed.tmp, "binfmt-"));
  for (const entry of fs.readdirSync(bed.clone)) if (entry !== ".git") fs.rmSync(path.join(bed.clone, entry), { recursive: true, force: true });
  fs.writeFileSync(
    path.join(bed.clone, "compose.yaml"),
    "services:\n  web:\n    build: ./web\n    platform: linux/amd64\n  arm:\n    build: ./arm\n    platform: linux/arm64\n",
  );
  fs.mkdirSync(path.join(bed.clone, "web"));
  fs.writeFileSync(path.join(bed.clone, "web", "Dockerfile"), "FROM scratch\nCOPY web.txt /web.txt\n");
  fs.writeFileSync(path.join(bed.clone, "web", "web.txt"), "web\n");
  fs.mkdirSync(path.join(bed.clone, "arm"));
  fs.writeFileSync(path.join(bed.clone, "arm", "Dockerfile"), 'FROM scratch\nCOPY arm.txt /arm.txt\nRUN ["/arm.txt"]\n');
  fs.writeFileSync(path.join(bed.clone, "arm", "arm.txt"), "arm\n");
  await bed.git("add", "-A");
  await bed.git("commit", "-q", "-m", "an amd64 service and an arm64 service with a RUN step");
  await bed.git("push", "-q", "origin", "HEAD:main");
}, 60_000);
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});
afterAll(async () => {
  await bed?.close();
});

function startWorker(workerId: string, opts: { platformWaitMinutes?: number; env?: Record<string, string> } = {}) {
  const settings = parseWorkerConfig(opts.env ?? {});
  const config = { ...bed.config, platformWaitMinutes: opts.platformWaitMinutes ?? bed.config.platformWaitMinutes };
  const loop = startEmbeddedWorker(
    { clients: bed.sb.clients, db: bed.db, config },
    {
      workerId,
      leaseMs: 30_000,
      baseDir: path.join(bed.tmp, `worker-${workerId}`),
      builder: "buildah",
      buildCacheBytes: 0,
      declaredPlatforms: settings.declaredPlatforms,
      binfmtDir: noBinfmt,
      idleMs: 200,
      log: () => {},
    },
  );
  loops.push(loop);
  return loop;
}

async function statusOf(sha: string) {
  const { data } = await bed.sb.clients.github.repos.listCommitStatusesForRef({ ...bed.sb.clients.repo, ref: sha });
  return data.filter((s) => s.context === "deckhand/ecr-push")[0];
}

describe("platform routing between workers", () => {
  it("worker A builds the amd64 service and never the arm64 one; worker B, which declares linux/arm64, claims it", async () => {
    const sha = await bed.git("rev-parse", "HEAD");
    const { job } = enqueueJob(bed.db, { sha, branch: null, ref: null, trigger: "api", requestedBy: "routing-test" });
    startWorker("worker-a");

    await until("the job to wait", () => getJob(bed.db, job.id)?.state === "waiting", 240_000);
    const byService = () => Object.fromEntries(listServiceResults(bed.db, job.id).map((s) => [s.service, s]));
    expect(byService().web).toMatchObject({ decision: "pushed", repository: "web" });
    expect(byService().arm).toMatchObject({ decision: "waiting", detail: "waits-for-platform: waits for a worker that can build linux/arm64" });
    expect(await statusOf(sha)).toMatchObject({ state: "pending", description: "waiting: arm waits for a worker that can build linux/arm64" });
    expect(listWorkers(bed.db).find((w) => w.workerId === "worker-a")?.platforms).toEqual(["linux/amd64"]);

    // A keeps polling and never takes the part.
    await new Promise((r) => setTimeout(r, 2000));
    expect(listJobParts(bed.db, job.id)).toMatchObject([{ service: "arm", platform: "linux/arm64", state: "waiting", attempts: 0, workerId: null }]);

    startWorker("worker-b", { env: { DECKHAND_WORKER_PLATFORMS: "linux/arm64" } });
    await until("the job to finish", () => ["succeeded", "failed"].includes(getJob(bed.db, job.id)!.state), 240_000);
    expect(listWorkers(bed.db).find((w) => w.workerId === "worker-b")?.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    const [part] = listJobParts(bed.db, job.id);
    expect(part).toMatchObject({ service: "arm", workerId: "worker-b", attempts: 1 });
    expect(["succeeded", "failed"]).toContain(part.state);
    // B's record replaced the waiting one; web's record from A stands.
    // B built it (its declared platform is trusted, not checked); the RUN step cannot execute its text file.
    expect(byService().arm).toMatchObject({ decision: "failed" });
    expect(byService().arm.detail).toMatch(/^build-failed: .*RUN/s);
    expect(byService().web).toMatchObject({ decision: "pushed" });
    const log = readJobLog(bed.db, job.id).map((l) => l.line);
    expect(log.some((l) => l.includes("worker worker-b") && l.includes("took arm for linux/arm64"))).toBe(true);
    expect(log.some((l) => l.includes("worker worker-a") && l.includes("took arm"))).toBe(false);
    // B's own lines (through its channel, as the part's holder) are in the job's log too.
    expect(log.some((l) => l.startsWith("worker worker-b took arm for linux/arm64 (part attempt 1)"))).toBe(true);
    // Without qemu B's RUN step cannot run: the job fails naming arm, never a silent success.
    if (part.state === "failed") {
      expect(getJob(bed.db, job.id)).toMatchObject({ state: "failed" });
      expect(getJob(bed.db, job.id)?.error).toMatch(/^arm: /);
    }
  }, 600_000);

  it("with no worker for linux/arm64, the waiting service times out and the job fails saying why", async () => {
    await bed.git("commit", "-q", "--allow-empty", "-m", "again");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const sha = await bed.git("rev-parse", "HEAD");
    const { job } = enqueueJob(bed.db, { sha, branch: null, ref: null, trigger: "api", requestedBy: "routing-test" });
    // 0.02 min: 1.2 s.
    startWorker("worker-a2", { platformWaitMinutes: 0.02 });
    await until("the job to fail", () => getJob(bed.db, job.id)?.state === "failed", 240_000);
    expect(getJob(bed.db, job.id)?.error).toBe("arm: platform-unavailable: no worker that can build linux/arm64 claimed it within 0.02 min");
    expect(listJobParts(bed.db, job.id)).toMatchObject([{ state: "failed", attempts: 0, error: "no worker that can build linux/arm64 claimed it within 0.02 min" }]);
    // The commit status follows the job's record (set right after the sweep's transaction).
    let status = await statusOf(sha);
    for (let i = 0; i < 50 && status?.state !== "failure"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await statusOf(sha);
    }
    expect(status).toMatchObject({ state: "failure" });
    expect(status.description).toMatch(/failed arm/);
  }, 600_000);

  it("a newer push to the branch supersedes a waiting job: its part never runs, and GitHub is told what was not built", async () => {
    await bed.git("commit", "-q", "--allow-empty", "-m", "waits on a branch");
    await bed.git("push", "-q", "origin", "HEAD:main");
    const sha = await bed.git("rev-parse", "HEAD");
    const { job } = enqueueJob(bed.db, { sha, branch: "main", ref: "refs/heads/main", trigger: "api", requestedBy: "routing-test" });
    const a = startWorker("worker-a3");
    await until("the job to wait", () => getJob(bed.db, job.id)?.state === "waiting", 240_000);
    await a.stop();
    const newer = enqueueJob(bed.db, { sha: "f".repeat(40), branch: "main", ref: "refs/heads/main", trigger: "api", requestedBy: "routing-test" });
    expect(newer).toMatchObject({ kind: "enqueued", superseded: [job.id] });
    await reportSupersededWaiting({ db: bed.db, github: bed.sb.clients.github, repo: bed.sb.clients.repo }, [job.id]);
    expect(getJob(bed.db, job.id)?.state).toBe("superseded");
    expect(listJobParts(bed.db, job.id)).toMatchObject([{ state: "superseded", attempts: 0 }]);
    expect(await statusOf(sha)).toMatchObject({ state: "failure", description: "superseded by a newer push: not built arm (linux/arm64)" });
  }, 600_000);
});
