// A commit whose builds never end: one prints without end, one sleeps. A real worker loop on the store, buildah,
// the sandbox's git and ECR; the build limit set short. Both builds are stopped, the job's log stays under its cap,
// and the worker goes on to the next job.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_FILE } from "../../../infra/db/open-db";
import { isolationOnce } from "../../../integrations/build/isolation/detect-isolation";
import { JOB_LOG_LIMITS } from "../cap-job-log";
import { enqueueJob, getJob, listServiceResults, readJobLog } from "../job-store";
import { startWorkerTestBed, type WorkerTestBed } from "../../../tooling/testing/worker-test-bed";
import { until } from "../../../tooling/testing/until";
import { startWorkerLoop } from "./worker-loop";

const BASE = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n';
let bed: WorkerTestBed;

beforeAll(async () => {
  bed = await startWorkerTestBed("limits");
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

describe("builds that never end", () => {
  it("are stopped at the build limit, the log stays under its cap, and the worker takes the next job", async () => {
    const compose = fs.readFileSync(path.join(bed.clone, "compose.yaml"), "utf8");
    fs.mkdirSync(path.join(bed.clone, "limits"));
    fs.copyFileSync("/bin/busybox", path.join(bed.clone, "limits", "busybox"));
    fs.writeFileSync(path.join(bed.clone, "limits", "flood.Dockerfile"), `${BASE}RUN i=0; while :; do echo "flood line $i: the quick brown fox jumps over the lazy dog, again and again and again"; i=$((i+1)); done\n`);
    fs.writeFileSync(path.join(bed.clone, "limits", "sleep.Dockerfile"), `${BASE}RUN echo sleeping && sleep 600\n`);
    fs.writeFileSync(
      path.join(bed.clone, "compose.yaml"),
      "services:\n  flood:\n    build: { context: ./limits, dockerfile: flood.Dockerfile }\n  sleeper:\n    build: { context: ./limits, dockerfile: sleep.Dockerfile }\n",
    );
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "builds that never end");
    const endless = await bed.git("rev-parse", "HEAD");
    fs.writeFileSync(path.join(bed.clone, "compose.yaml"), compose);
    await bed.git("add", "-A");
    await bed.git("commit", "-q", "-m", "back to normal");
    const normal = await bed.git("rev-parse", "HEAD");
    await bed.git("push", "-q", "origin", "HEAD:main");

    const first = enqueueJob(bed.db, { sha: endless, branch: null, ref: null, trigger: "manual", requestedBy: "test" }).job;
    const second = enqueueJob(bed.db, { sha: normal, branch: null, ref: null, trigger: "manual", requestedBy: "test" }).job;
    const loop = startWorkerLoop(
      bed.channel,
      {
        ...bed.workerEnv,
        builder: "buildah",
        isolate: isolationOnce({ network: "outbound", allowUnisolated: false }),
        // Long enough that both RUN steps start even on a loaded CI machine (two builds share two cores with
        // other test files); short enough to keep the test under a minute.
        buildTimeoutMs: 20_000,
      },
      { idleMs: 200, log: () => undefined },
    );
    try {
      const stopped = await until("the endless job to end", () => {
        const j = getJob(bed.db, first.id)!;
        return ["failed", "succeeded", "skipped"].includes(j.state) ? j : undefined;
      });
      expect(stopped.state).toBe("failed");
      const services = listServiceResults(bed.db, first.id);
      expect(services.map((s) => [s.service, s.decision]).sort()).toEqual([
        ["flood", "failed"],
        ["sleeper", "failed"],
      ]);
      for (const s of services) expect(s.detail).toMatch(/stopped after 20 s: the build ran past its time limit \(DECKHAND_BUILD_TIMEOUT\)/);

      // The flood was cut: head and tail kept, the middle said to be cut, within the cap.
      const log = readJobLog(bed.db, first.id, 0, 1_000_000);
      const text = log.map((l) => l.line);
      const shown = () => [...text.slice(0, 40), "…", ...text.slice(-20)].join("\n");
      expect(text.some((l) => /lines \(.*\) of output cut here|lines dropped here/.test(l)), `no cut marker in:\n${shown()}`).toBe(true);
      expect(text.some((l) => l.includes("flood line 0:")), `no first flood line in:\n${shown()}`).toBe(true);
      // The sleeper's own "sleeping" line may fall in the cut middle (the flood fills the head first): that it was
      // stopped at the limit is asserted on its service result above.
      const stored = bed.db.prepare(`SELECT COALESCE(SUM(length(CAST(line AS BLOB))), 0) AS n, COUNT(*) AS c FROM push_job_logs WHERE job_id = ?`).get(first.id) as { n: number; c: number };
      expect(stored.n).toBeLessThan(JOB_LOG_LIMITS.headBytes + JOB_LOG_LIMITS.tailBytes + 4096);
      const fileBytes = ["", "-wal"].reduce((n, suffix) => n + (fs.statSync(path.join(bed.config.dataDir, DB_FILE + suffix), { throwIfNoEntry: false })?.size ?? 0), 0);
      expect(fileBytes).toBeLessThan(32 * 1024 * 1024);

      // The same worker goes on to the next job.
      const next = await until("the next job to end", () => {
        const j = getJob(bed.db, second.id)!;
        return ["failed", "succeeded", "skipped"].includes(j.state) ? j : undefined;
      });
      expect(["succeeded", "skipped"]).toContain(next.state);
      expect(next.workerId).toBe("limits-worker");
    } finally {
      await loop.stop();
    }
    // Nothing of the stopped builds is left running.
    expect(execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" }).split("\n").filter((l) => !l.trim().startsWith("Z") && /sleep 600|flood line/.test(l))).toEqual([]);
  }, 400_000);
});
