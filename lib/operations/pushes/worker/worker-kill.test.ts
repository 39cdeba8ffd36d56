import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ListImagesCommand } from "@aws-sdk/client-ecr";
import { startTestSandbox, type TestSandbox } from "../../../tooling/testing/sandbox-fixture";
import { until } from "../../../tooling/testing/until";
import { openDb, type Db } from "../../../infra/db/open-db";
import { enqueueJob, getJob, readJobLog } from "../job-store";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../../../sandbox/constants";

const run = promisify(execFile);
let sb: TestSandbox;
let db: Db;
let tmp: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  sb = await startTestSandbox();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-kill-"));
  db = openDb(tmp);
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  await sb?.close();
  for (const d of [tmp, `${tmp}-a`, `${tmp}-b`]) fs.rmSync(d, { recursive: true, force: true });
});

/** A real worker process, exactly as `npm start` runs the embedded one, on this test's store and sandbox. */
function startWorker(name: string): ChildProcess {
  // One process (tsx as a loader, not its CLI wrapper), so SIGKILL kills the worker itself.
  const child = spawn(process.execPath, ["--import", "tsx", "lib/operations/pushes/worker/main.ts", "--embedded"], {
    env: {
      ...process.env,
      DECKHAND_MODE: "sandbox",
      SANDBOX_PORT: String(sb.sandbox.port),
      DECKHAND_DATA_DIR: tmp,
      // Beside the data dir, never in it (resolveWorkerDir refuses that).
      DECKHAND_WORKER_DIR: `${tmp}-${name}`,
      DECKHAND_WORKER_LEASE_MS: "3000",
    },
    stdio: "ignore",
  });
  workers.push(child);
  return child;
}

async function pushChange(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(tmp, "clone-"));
  const git = async (...args: string[]) => (await run("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...args], { cwd: dir })).stdout.trim();
  await git("clone", "--quiet", `${sb.url.replace("http://", `http://x-access-token:${SANDBOX_GITHUB_ADMIN_TOKEN}@`)}/acme/mcp-servers.git`, ".");
  fs.writeFileSync(path.join(dir, "mcp-server-tcp", "kill-test.txt"), `${Date.now()}\n`);
  fs.writeFileSync(path.join(dir, "mcp-server-http", "kill-test.txt"), `${Date.now()}\n`);
  await git("add", ".");
  await git("commit", "--quiet", "-m", "change both services");
  await git("push", "--quiet", "origin", "HEAD:main");
  return git("rev-parse", "HEAD");
}

describe("a worker killed mid-job", () => {
  it("is replaced by one retry on another worker, and ECR ends consistent", async () => {
    const sha = await pushChange();
    const { job } = enqueueJob(db, { sha, branch: "main", ref: "refs/heads/main", trigger: "manual", requestedBy: "test" });
    // The first worker's first PutImage (a commit tag) hangs for a while in ECR: the worker is killed right
    // there, after the blobs went up and before latest moved: the worst moment for consistency.
    await (await sb.admin("POST", "/_sandbox/faults", { service: "ecr", operation: "PutImage", kind: "latency", latencyMs: 6000, count: 1 })).json();
    const first = startWorker("a");
    let faultTaken = false;
    async function poll() {
      while (!faultTaken) {
        const { faults } = (await (await sb.admin("GET", "/_sandbox/faults")).json()) as { faults: unknown[] };
        faultTaken = faults.length === 0;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    void poll();
    await until("the first worker to reach PutImage", () => faultTaken);
    expect(getJob(db, job.id)).toMatchObject({ state: "running", attempts: 1 });
    expect(readJobLog(db, job.id).some((l) => l.line.includes("pushing"))).toBe(true);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    startWorker("b");
    const done = await until("the job to finish on the second worker", () => {
      const j = getJob(db, job.id)!;
      return ["succeeded", "failed", "skipped"].includes(j.state) ? j : undefined;
    });
    expect(done.state).toBe("succeeded");
    expect(done.attempts).toBe(2);
    expect(done.workerId).not.toBeNull();

    for (const repositoryName of ["mcp-server-tcp", "mcp-server-http"]) {
      const ids = (await sb.clients.aws.ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: "TAGGED" } }))).imageIds ?? [];
      const shaTag = ids.find((i) => i.imageTag === sha.slice(0, 7));
      const latest = ids.find((i) => i.imageTag === "latest");
      // No half-tagged image: latest moved together with the commit's tag.
      expect(shaTag?.imageDigest).toBeTruthy();
      expect(latest?.imageDigest).toBe(shaTag?.imageDigest);
    }
  }, 400_000);
});
