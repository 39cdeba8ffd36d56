// Several repositories (GITHUB_REPOSITORIES), write side: an action defined with `repository: true` acts on the
// repository its input's `repo` names — the verbs (dispatch, trigger push) reach that repository on the sandbox's
// GitHub over HTTP (OpenAPI-validated), the default repository is untouched, the audit names the repository, and a
// repository Deckhand does not watch is refused before anything is called.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { parseConfig, type DeckhandConfig } from "../infra/config/env";
import { openDb, type Db } from "../infra/db/open-db";
import { TtlCache } from "../infra/cache/ttl-cache";
import { listAudit } from "../infra/audit/record-audit";
import { defineAction } from "../infra/actions/action-client";
import type { SessionUser } from "../infra/auth/session";
import { listRuns } from "../integrations/github/runs";
import { resolveCommit } from "../integrations/github/commits";
import { dispatchWorkflowRun } from "./workflows/dispatch-workflow";
import { triggerPush, triggerPushInput } from "./pushes/trigger-push";
import { getJob } from "./pushes/job-store";
import { getAcceptedHead } from "./pushes/branch-heads";
import { claimPushJob } from "./pushes/push-job-lifecycle";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../sandbox/constants";

let sb: TestSandbox;
let db: Db;
let dir: string;
let config: DeckhandConfig;
const operator: SessionUser = { login: "octo-operator", role: "operator", name: null, image: null };
const DEFAULT = { owner: "acme", repo: "mcp-servers" };
const GATEWAY = { owner: "acme", repo: "web-gateway" };

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" }, { validateGitHubOpenApi: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-scoped-"));
  db = openDb(dir);
  config = parseConfig({ GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway", SANDBOX_PORT: String(sb.sandbox.port), DECKHAND_DATA_DIR: dir });
}, 90_000);
afterAll(async () => {
  db?.close();
  await sb?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ getUser: async () => operator, getDb: () => db, getConfig: () => config, getClients: () => sb.clients, getCache: () => new TtlCache() });

/** As app/(app)/workflows/actions.ts defines it (that file also revalidates Next's paths, which needs a request). */
const dispatchAction = () =>
  defineAction(
    { name: "workflows.dispatch", role: "operator", input: z.object({ ref: z.string().optional() }), repository: true },
    async (input, ctx) => {
      const r = await dispatchWorkflowRun(ctx, { ref: input.ref || undefined });
      return { target: `${r.workflowName}@${r.ref}`, data: { runId: r.runId }, detail: { ref: r.ref } };
    },
    deps(),
  );

const triggerAction = (called: string[] = []) =>
  defineAction(
    { name: "push.trigger", role: "operator", input: triggerPushInput, repository: true },
    async (input, ctx) => {
      called.push("handler");
      const out = await triggerPush(ctx, input);
      return { target: out.job.id, data: { jobId: out.job.id } };
    },
    deps(),
  );

const dispatchedRuns = async (repo: { owner: string; repo: string }) =>
  (await listRuns({ github: sb.clients.github, repo, filters: { event: "workflow_dispatch" }, perPage: 100 })).totalCount;

/**
 * A new commit on `repository`'s main, pushed over the sandbox's git HTTP (the fleet's repositories share history).
 * git runs asynchronously: the sandbox answers it from this process's event loop.
 */
async function pushCommit(repository: string): Promise<string> {
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-scoped-git-"));
  try {
    const git = async (...args: string[]) =>
      (await promisify(execFile)("git", ["-c", "user.name=Octo", "-c", "user.email=octo@users.noreply.sandbox.local", ...args], { cwd: clone, encoding: "utf8" })).stdout.trim();
    await git("clone", "--quiet", `http://x-access-token:${SANDBOX_GITHUB_ADMIN_TOKEN}@127.0.0.1:${sb.sandbox.port}/${repository}.git`, ".");
    await git("commit", "--quiet", "--allow-empty", "-m", "gateway only");
    await git("push", "--quiet", "origin", "HEAD:main");
    return await git("rev-parse", "HEAD");
  } finally {
    fs.rmSync(clone, { recursive: true, force: true });
  }
}

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

describe("a repository-scoped action", () => {
  it("dispatches the workflow in the repository the form names, not in the default one", async () => {
    const [gatewayBefore, defaultBefore] = [await dispatchedRuns(GATEWAY), await dispatchedRuns(DEFAULT)];
    const out = await dispatchAction()(null, form({ ref: "main", repo: "ACME/Web-Gateway" }));
    expect(out).toMatchObject({ ok: true, data: { runId: expect.any(Number) } });
    expect(await dispatchedRuns(GATEWAY)).toBe(gatewayBefore + 1);
    expect(await dispatchedRuns(DEFAULT)).toBe(defaultBefore);
    const run = (await listRuns({ github: sb.clients.github, repo: GATEWAY, filters: { event: "workflow_dispatch" }, perPage: 1 })).runs[0];
    expect(run.id).toBe(out.ok && out.data?.runId);
    // The audit names the repository as configured.
    expect(listAudit(db)[0]).toMatchObject({ action: "workflows.dispatch", outcome: "success", detail: expect.objectContaining({ repository: "acme/web-gateway", ref: "main" }) });
  });

  it("without `repo` acts on the default repository", async () => {
    const [gatewayBefore, defaultBefore] = [await dispatchedRuns(GATEWAY), await dispatchedRuns(DEFAULT)];
    expect(await dispatchAction()({})).toMatchObject({ ok: true });
    expect(await dispatchedRuns(DEFAULT)).toBe(defaultBefore + 1);
    expect(await dispatchedRuns(GATEWAY)).toBe(gatewayBefore);
    expect(listAudit(db)[0].detail).toMatchObject({ repository: "acme/mcp-servers" });
  });

  it("queues a push of the second repository's branch: the job and accepted head name it, the worker's claim sets the status on its commit", async () => {
    const pushed = await pushCommit("acme/web-gateway");
    const gatewayHead = (await resolveCommit({ github: sb.clients.github, repo: GATEWAY, ref: "main" }))!.sha;
    expect(gatewayHead).toBe(pushed);
    const defaultHead = (await resolveCommit({ github: sb.clients.github, repo: DEFAULT, ref: "main" }))!.sha;
    expect(gatewayHead).not.toBe(defaultHead);
    const out = await triggerAction()(null, form({ ref: "main", repo: "acme/web-gateway" }));
    expect(out.ok).toBe(true);
    const job = getJob(db, out.ok ? out.data!.jobId : "")!;
    expect(job).toMatchObject({ repository: "acme/web-gateway", sha: gatewayHead, branch: "main", trigger: "manual", requestedBy: "octo-operator" });
    expect(getAcceptedHead(db, "main", "acme/web-gateway")).toBe(gatewayHead);
    expect(getAcceptedHead(db, "main")).toBeNull();

    // A worker (the app's clients: the default repository) claims it: it fetches web-gateway and GitHub shows
    // web-gateway's commit pending; the default repository's commit gets nothing.
    const claimed = await claimPushJob({ clients: sb.clients, db, config }, { workerId: "w1", leaseMs: 60_000, worker: "embedded" });
    expect(claimed).toMatchObject({ jobId: job.id, repository: "acme/web-gateway", git: { url: expect.stringMatching(/\/acme\/web-gateway\.git$/) } });
    const statuses = async (repo: { owner: string; repo: string }, ref: string) =>
      (await sb.clients.github.rest.repos.listCommitStatusesForRef({ ...repo, ref })).data.filter((s) => s.context === "deckhand/ecr-push");
    expect((await statuses(GATEWAY, gatewayHead))[0]).toMatchObject({ state: "pending" });
    expect(await statuses(DEFAULT, defaultHead)).toEqual([]);
  });

  it("refuses a repository Deckhand does not watch, naming it, before anything is called", async () => {
    const called: string[] = [];
    const out = await triggerAction(called)(null, form({ target: "main", ref: "main", repo: "acme/billing-worker" }));
    expect(out).toMatchObject({ ok: false, code: "unknown-repository", message: expect.stringContaining("acme/billing-worker") });
    expect(out.ok || out.message).toContain("acme/mcp-servers, acme/web-gateway");
    expect(called).toEqual([]);
    expect(listAudit(db)[0]).toMatchObject({ action: "push.trigger", outcome: "refused", detail: expect.objectContaining({ repository: "acme/billing-worker" }) });
    // Not a string: invalid input, nothing called either.
    expect(await triggerAction(called)({ ref: "main", repo: ["acme/web-gateway"] })).toMatchObject({ ok: false, code: "invalid-input", fieldErrors: { repo: expect.any(Array) } });
    expect(called).toEqual([]);
  });
});
