import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { parseConfig } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import type { OperationContext } from "../context";
import { dispatchWorkflowRun } from "./dispatch-workflow";
import { rerunFailedWorkflowRun } from "./rerun-workflow-run";
import { listRuns } from "../../integrations/github/runs";
import { createGitHubClient } from "../../integrations/clients/github-client";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../../sandbox/constants";

let sbx: TestSandbox;
let ctx: OperationContext;
let dir: string;
beforeAll(async () => {
  sbx = await startTestSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-svc-"));
  ctx = { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db: openDb(dir), config: parseConfig({ DECKHAND_DATA_DIR: dir }), cache: new TtlCache() };
}, 60_000);
afterAll(async () => {
  await sbx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("workflow services", () => {
  it("dispatches the configured workflow on the default branch and clears cached runs", async () => {
    const cache = ctx.cache;
    await cache.get("gh:runs:page1", 60_000, async () => "stale");
    const r = await dispatchWorkflowRun(ctx, {});
    expect(r).toMatchObject({ workflowName: "Build and Push to AWS ECR", ref: "main" });
    expect(r.runId).toEqual(expect.any(Number));
    expect(cache.stats().size).toBe(0);
  });

  it("says plainly when the ref or the workflow does not exist", async () => {
    await expect(dispatchWorkflowRun(ctx, { ref: "no-such-branch" })).rejects.toMatchObject({ name: "SafeError", code: "bad-ref" });
    await expect(dispatchWorkflowRun({ ...ctx, config: { ...ctx.config, workflowName: "Deploy" } }, {})).rejects.toMatchObject({ code: "workflow-not-found" });
  });

  it("re-runs a failed run and refuses a successful one", async () => {
    const failed = (await listRuns({ github: sbx.clients.github, repo: sbx.clients.repo, filters: { status: "failure" }, perPage: 1 })).runs[0];
    const ok = (await listRuns({ github: sbx.clients.github, repo: sbx.clients.repo, filters: { status: "success" }, perPage: 1 })).runs[0];
    await expect(rerunFailedWorkflowRun(ctx, { runId: ok.id })).rejects.toMatchObject({ code: "nothing-failed" });
    expect(await rerunFailedWorkflowRun(ctx, { runId: failed.id })).toEqual({ runId: failed.id, attempt: failed.runAttempt + 1 });
    await expect(rerunFailedWorkflowRun(ctx, { runId: failed.id })).rejects.toMatchObject({ code: "in-progress" });
  });

  it("names GitHub as unreachable when it answers 503", async () => {
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "*", kind: "503", count: -1 });
    try {
      // No retries here: the point is the message, not the SDK's backoff.
      const github = createGitHubClient({ baseUrl: `${sbx.url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 0, log: { warn: () => {} } });
      await expect(dispatchWorkflowRun({ ...ctx, clients: { ...ctx.clients, github } }, {})).rejects.toThrow(/GitHub list workflows failed: GitHub is unreachable/);
    } finally {
      await sbx.admin("DELETE", "/_sandbox/faults");
    }
  }, 30_000);
});
