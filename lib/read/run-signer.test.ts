// Whose key a repository holds when nobody configured that user (issue 16: "each repository's user found from the key
// it holds"): against the sandbox's fleet scenario over HTTP, acme/web-gateway gets the key of a second IAM user
// through the organization secret, its ECR workflow runs with it (the sandbox runner signs with that key), and the
// Fleet row, configured with the default push user, names the user CloudTrail says signed the run.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { createSecondPushUser } from "../tooling/testing/second-push-user";
import { TtlCache } from "../infra/cache/ttl-cache";
import { openDb, type Db } from "../infra/db/open-db";
import type { ConfiguredRepository } from "../infra/config/env";
import type { ReadContext } from "./context";
import { readFleet } from "./fleet";
import { readRunSigner } from "./run-signer";

let sb: TestSandbox;
let db: Db;
let dir: string;
const repo = (name: string): ConfiguredRepository => ({ repository: `acme/${name}`, owner: "acme", repo: name, pushUser: "github-ecr-push" });

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-run-signer-"));
  db = openDb(dir);
}, 90_000);
afterAll(async () => {
  db?.close();
  await sb?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const ctx = (): ReadContext => ({
  clients: sb.clients,
  quickGitHub: sb.clients.github,
  cache: new TtlCache(),
  db,
  userName: "github-ecr-push",
  policyName: "ecr-push-policy",
  workflowName: "Build and Push to AWS ECR",
  github: { webUrl: sb.url, owner: "acme", repo: "mcp-servers", repository: "acme/mcp-servers", branch: undefined },
});

async function runWorkflow(owner: string, name: string) {
  const { github } = sb.clients;
  const r = { owner, repo: name };
  const before = (await github.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0]?.id ?? 0;
  await github.rest.actions.createWorkflowDispatch({ ...r, workflow_id: "ecr.yml", ref: "main" });
  for (let i = 0; i < 200; i++) {
    const run = (await github.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0];
    if (run && run.id !== before && run.status === "completed") return run;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no completed run in ${owner}/${name}`);
}

describe("who signed a repository's last run", () => {
  it("a repository holding an unconfigured user's key: its Fleet row names that user from CloudTrail, not the default user's key", async () => {
    const { accessKeyId } = await createSecondPushUser(sb.clients, { userName: "ecr-push-payments", repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } });
    const run = await runWorkflow("acme", "web-gateway");
    expect(run.conclusion).toBe("success");

    const gateway = { ...ctx(), clients: { ...sb.clients, repo: { owner: "acme", repo: "web-gateway" } } };
    const signer = await readRunSigner(gateway, { id: run.id, status: run.status, conclusion: run.conclusion, createdAt: run.created_at, updatedAt: run.updated_at });
    expect(signer).toMatchObject({ ok: true, data: { userName: "ecr-push-payments" } });
    expect(accessKeyId).toMatch(/^AKIA/);

    const view = await readFleet(ctx(), [repo("mcp-servers"), repo("web-gateway")]);
    const by = Object.fromEntries(view.rows.map((r) => [r.repository, r]));
    expect(by["acme/web-gateway"].holdsKeyOf).toBe("ecr-push-payments");
    expect(by["acme/web-gateway"].key).toBeNull();
    // The default repository holds the configured user's key as before: nothing read or said about a signer there.
    expect(by["acme/mcp-servers"].holdsKeyOf).toBeNull();
  }, 90_000);
});
