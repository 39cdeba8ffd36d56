import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestSandbox, type TestSandbox } from "../../../tooling/testing/sandbox-fixture";
import { parseConfig, type DeckhandConfig } from "../../../infra/config/env";
import { openDb, type Db } from "../../../infra/db/open-db";
import { createAwsClients } from "../../../integrations/clients/aws-clients";
import { enqueueJob, getJob, listServiceResults, readJobLog } from "../job-store";
import { cancelPushJob } from "../manage-push-job";
import { resolveCommit } from "../../../integrations/github/commits";
import { StoreChannel } from "./store-channel";
import { executeClaimedJob, type WorkerEnvironment } from "./execute-claimed-job";
import { sandboxWorkerCredentials } from "./sandbox-credentials";

let sb: TestSandbox;
let db: Db;
let config: DeckhandConfig;
let env: WorkerEnvironment;
let tmp: string;
let head: string;

beforeAll(async () => {
  // Every GitHub request Deckhand makes here (commit statuses, commits) is checked against GitHub's OpenAPI description.
  sb = await startTestSandbox({}, { validateGitHubOpenApi: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-worker-"));
  config = parseConfig({ SANDBOX_PORT: String(sb.sandbox.port), DECKHAND_DATA_DIR: tmp });
  db = openDb(tmp);
  // The embedded worker's identity in sandbox mode: deckhand-worker, with exactly the guide's policy.
  const credentials = await sandboxWorkerCredentials(config);
  env = { ecr: createAwsClients({ region: "us-east-1", endpoint: sb.url, credentials }).ecr, mirrorsDir: path.join(tmp, "mirrors"), workDir: path.join(tmp, "work") };
  head = (await resolveCommit({ github: sb.clients.github, repo: sb.clients.repo, ref: "main" }))!.sha;
});
afterAll(async () => {
  await sb?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a worker on the store channel", () => {
  it("claims the job, pushes as deckhand-worker, records each service and the result, and sets the commit status", async () => {
    const queued = enqueueJob(db, { sha: head, branch: "main", ref: "refs/heads/main", trigger: "manual", requestedBy: "test" });
    const channel = new StoreChannel("w1", { clients: sb.clients, db, config }, 30_000);
    const claim = (await channel.claim())!;
    expect(claim).toMatchObject({ jobId: queued.job.id, attempt: 1, sha: head, git: { url: `${sb.url}/acme/mcp-servers.git` } });
    expect(await executeClaimedJob(channel, claim, env)).toBe("finished");

    const job = getJob(db, queued.job.id)!;
    expect(["succeeded", "skipped"]).toContain(job.state);
    const services = listServiceResults(db, job.id);
    expect(services.map((s) => s.service).sort()).toEqual(["mcp-server-http", "mcp-server-tcp"]);
    expect(services.every((s) => /^sha256:[0-9a-f]{64}$/.test(s.localConfigDigest ?? ""))).toBe(true);
    expect(readJobLog(db, job.id).some((l) => l.line.includes("took attempt 1"))).toBe(true);

    const { data: statuses } = await sb.clients.github.rest.repos.listCommitStatusesForRef({ ...sb.clients.repo, ref: head });
    const ours = statuses.filter((s) => s.context === "deckhand/ecr-push");
    // Newest first: the final state, then the pending one set at claim time.
    expect(ours[0].state).toBe("success");
    expect(ours.some((s) => s.state === "pending")).toBe(true);
    expect(ours[0].target_url).toContain(`/pushes/${job.id}`);

    // The same commit again: identical images, nothing uploaded, the job is "skipped".
    const again = enqueueJob(db, { sha: head, branch: null, ref: null, trigger: "rerun", requestedBy: "test" });
    const second = (await channel.claim())!;
    expect(second.jobId).toBe(again.job.id);
    await executeClaimedJob(channel, second, env);
    expect(getJob(db, again.job.id)?.state).toBe("skipped");
    expect(listServiceResults(db, again.job.id).every((s) => s.decision === "skipped" && s.blobsUploaded === 0)).toBe(true);
  }, 300_000);

  it("stops a cancelled job at the next heartbeat; GitHub's status says who cancelled it, not pending", async () => {
    const queued = enqueueJob(db, { sha: head, branch: null, ref: null, trigger: "manual", requestedBy: "test" });
    // A short lease makes heartbeats frequent (a third of it, at least a second).
    const channel = new StoreChannel("w2", { clients: sb.clients, db, config }, 3000);
    const claim = (await channel.claim())!;
    expect(claim.jobId).toBe(queued.job.id);
    const running = executeClaimedJob(channel, claim, env);
    expect(await cancelPushJob({ db, clients: sb.clients, config, actor: { login: "octo-operator", role: "operator" } }, claim.jobId)).toEqual({ workerMustStop: true });
    expect(await running).toBe("abandoned");
    expect(getJob(db, claim.jobId)?.state).toBe("cancelled");
    expect(listServiceResults(db, claim.jobId)).toHaveLength(0);
    const { data: statuses } = await sb.clients.github.rest.repos.listCommitStatusesForRef({ ...sb.clients.repo, ref: head });
    const newest = statuses.find((s) => s.context === "deckhand/ecr-push")!;
    expect(newest).toMatchObject({ state: "failure", description: expect.stringMatching(/^cancelled by octo-operator/) });
    expect(newest.target_url).toContain(`/pushes/${claim.jobId}`);
    // A job that had finished cannot be cancelled, and says so.
    await expect(cancelPushJob({ db, clients: sb.clients, config, actor: { login: "octo-operator", role: "operator" } }, claim.jobId)).rejects.toThrow("already finished");
  }, 300_000);
});

describe("the embedded worker's sandbox credentials", () => {
  it("follow a sandbox reset, which gives deckhand-worker a new key", async () => {
    const { sandboxWorkerCredentialProvider, sandboxWorkerCredentials: read } = await import("./sandbox-credentials");
    const keyBefore = (await read(config)).accessKeyId;
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const clients = createAwsClients({ region: "us-east-1", endpoint: sb.url, credentials: sandboxWorkerCredentialProvider(config) });
    const before = await clients.sts.send(new GetCallerIdentityCommand({}));
    expect(before.Arn).toMatch(/user\/deckhand-worker$/);
    await (await sb.admin("POST", "/_sandbox/reset", {})).json();
    expect((await read(config)).accessKeyId).not.toBe(keyBefore);
    // The same client keeps working: it reads the new key instead of signing with the deleted one.
    const after = await clients.sts.send(new GetCallerIdentityCommand({}));
    expect(after.Arn).toMatch(/user\/deckhand-worker$/);
  }, 120_000);
});
