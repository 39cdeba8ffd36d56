import { expect, test } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import Database from "better-sqlite3";
import { startDeckhand, type DeckhandProcess } from "./support/deckhand-process";
import { E2E_PORT, E2E_SANDBOX_PORT } from "../playwright.config";

const dataDir = ".deckhand-e2e-worker";
const apiToken = "e2e-api-token-0123456789";
const workerToken = "e2e-worker-token-0123456789";
const sandboxPort = E2E_SANDBOX_PORT + 20;

test.describe("a standalone worker", () => {
  test.describe.configure({ timeout: 300_000 });
  let app: DeckhandProcess;
  let worker: ChildProcess | undefined;

  test.beforeAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    // No embedded worker: only the standalone one below can take the job.
    app = await startDeckhand({
      port: E2E_PORT + 200,
      sandboxPort,
      dataDir,
      // A short lease: the job this test claims itself (to look at what a claim hands out) goes back to the queue fast.
      env: { DECKHAND_EMBEDDED_WORKER: "0", DECKHAND_API_TOKEN: apiToken, DECKHAND_WORKER_TOKEN: workerToken, DECKHAND_WORKER_LEASE_MS: "3000" },
    });
  });
  test.afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill("SIGTERM");
    await app?.stop();
    for (const d of [dataDir, `${dataDir}-standalone`, `${dataDir}-worker`]) fs.rmSync(d, { recursive: true, force: true });
  });

  test("takes a job queued through POST /api/push over HTTP and pushes with its host's AWS credentials", async ({ request }) => {
    // The API refuses a wrong token and queues with the right one.
    expect((await request.post(`${app.url}/api/push`, { data: { ref: "main" }, headers: { authorization: "Bearer wrong-token-000000000" } })).status()).toBe(401);
    const queued = await request.post(`${app.url}/api/push`, { data: { ref: "main" }, headers: { authorization: `Bearer ${apiToken}` } });
    expect(queued.status()).toBe(202);
    const { jobId, sha } = (await queued.json()) as { jobId: string; sha: string };
    expect(sha).toMatch(/^[0-9a-f]{40}$/);

    // What a claim hands a worker: a token that reads the code and nothing else, never the app's GITHUB_TOKEN.
    const claimed = await request.post(`${app.url}/api/worker/claim`, { data: { workerId: "e2e-inspector" }, headers: { authorization: `Bearer ${workerToken}` } });
    expect(claimed.status()).toBe(200);
    const { job } = (await claimed.json()) as { job: { jobId: string; git: { url: string; token?: string } } };
    expect(job.jobId).toBe(jobId);
    const token = job.git.token!;
    expect(token).toMatch(/^github_pat_/);
    expect(token).not.toBe("ghp_sandboxadmintoken");
    const api = `http://127.0.0.1:${sandboxPort}/api/v3/repos/acme/mcp-servers`;
    const asWorker = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const write = await fetch(`${api}/actions/secrets/AWS_ACCESS_KEY_ID`, { method: "PUT", headers: asWorker, body: JSON.stringify({ encrypted_value: "eA==", key_id: "1" }) });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { message: string }).message).toBe("Resource not accessible by personal access token");
    expect((await fetch(`${api}/actions/variables`, { headers: asWorker })).status).toBe(403);
    expect((await fetch(`${api}/commits/main`, { headers: asWorker })).status).toBe(200);
    // Not heartbeated: its lease runs out and the standalone worker below takes the job as attempt 2.

    // This host's AWS credentials: the sandbox's deckhand-worker key, through the standard environment variables.
    const seed = (await (await fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/aws/seed`, { headers: { authorization: "Bearer sandbox-admin-token" } })).json()) as {
      workerKey: { accessKeyId: string; secretAccessKey: string };
    };
    let out = "";
    worker = spawn(process.execPath, ["--import", "tsx", "lib/operations/pushes/worker/main.ts"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DECKHAND_URL: app.url,
        DECKHAND_WORKER_TOKEN: workerToken,
        // Its own directory, never inside the app's data dir.
        DECKHAND_WORKER_DIR: `${dataDir}-standalone`,
        AWS_ACCESS_KEY_ID: seed.workerKey.accessKeyId,
        AWS_SECRET_ACCESS_KEY: seed.workerKey.secretAccessKey,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: `http://127.0.0.1:${sandboxPort}`,
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    worker.stderr!.on("data", (d: Buffer) => (out += d.toString()));

    // Without the worker token the worker API is closed.
    expect((await fetch(`${app.url}/api/worker/claim`, { method: "POST", body: "{}" })).status).toBe(401);
    await expect.poll(() => jobState(jobId), { timeout: 240_000, intervals: [1000] }).toMatch(/succeeded|skipped/);
    expect(out).toContain("serving");
    expect(out).toContain("RUN steps isolated");
    // Issue 16: the worker asked the app over HTTP (POST /api/worker/jobs/:id/ecr-repository) and the app recorded the owners.
    expect(ecrOwners()).toEqual(
      expect.arrayContaining([
        { ecr_repository: "mcp-server-tcp", source_repository: "acme/mcp-servers", claimed_by: `push job ${jobId} (mcp-server-tcp)` },
        { ecr_repository: "mcp-server-http", source_repository: "acme/mcp-servers", claimed_by: `push job ${jobId} (mcp-server-http)` },
      ]),
    );
  });
});

/** The ECR repository owners the app recorded (issue 16), from its store file. */
function ecrOwners(): Array<{ ecr_repository: string; source_repository: string; claimed_by: string }> {
  const db = new Database(`${dataDir}/deckhand.db`, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT ecr_repository, source_repository, claimed_by FROM ecr_repository_owners").all() as Array<{ ecr_repository: string; source_repository: string; claimed_by: string }>;
  } finally {
    db.close();
  }
}

/** Read the job's state straight from the app's store file (the test has no session). */
function jobState(jobId: string): string {
  const db = new Database(`${dataDir}/deckhand.db`, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT state, error FROM push_jobs WHERE id = ?").get(jobId) as { state: string; error: string | null } | undefined;
    if (row?.state === "failed") throw new Error(`job failed: ${row.error}`);
    return row?.state ?? "missing";
  } finally {
    db.close();
  }
}
