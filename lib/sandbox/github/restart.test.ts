import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Octokit } from "@octokit/rest";
import Database from "better-sqlite3";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../server";
import { settledFetch, waitFor } from "./test-support/sandbox-fixture";
import { ADMIN_TOKEN } from "./api";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-github-restart-"));
const options = () => defaultSandboxOptions({ port: 0, dataDir, keyPropagationMs: 50, deckhandUrl: "http://127.0.0.1:9" });
let second: RunningSandbox | undefined;
const repo = { owner: "acme", repo: "mcp-servers" };
const octokitFor = (sb: RunningSandbox) => new Octokit({ auth: ADMIN_TOKEN, baseUrl: `${sb.url}/api/v3`, request: { fetch: settledFetch } });

afterAll(async () => {
  await second?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("restart", () => {
  it("keeps state across a restart and finishes runs a stopped sandbox left queued", async () => {
    const first = await startSandbox(options());
    const a = octokitFor(first);
    const dispatched = await a.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", { ...repo, workflow_id: "ecr.yml", ref: "main", return_run_details: true });
    await first.close();
    const queued = { id: (dispatched.data as { workflow_run_id: number }).workflow_run_id };
    const db = new Database(path.join(dataDir, "sandbox", "sandbox.db"), { readonly: true });
    expect((db.prepare(`SELECT status FROM gh_runs WHERE id = ?`).get(queued.id) as { status: string }).status).not.toBe("completed");
    db.close();

    second = await startSandbox(options());
    const b = octokitFor(second);
    const run = (await b.actions.getWorkflowRun({ ...repo, run_id: queued.id })).data;
    expect(run.event).toBe("workflow_dispatch");
    const done = await waitFor(async () => {
      const r = (await b.actions.getWorkflowRun({ ...repo, run_id: queued.id })).data;
      return r.status === "completed" ? r : undefined;
    });
    expect(done.conclusion).toBe("success");
    expect((await b.actions.listWorkflowRunsForRepo(repo)).data.total_count).toBe(37);
  });
});
