// Whose key a repository holds when nobody configured that user (issue 16: "each repository's user found from the key
// it holds"): against the sandbox's fleet scenario over HTTP, acme/web-gateway gets the key of a second IAM user
// through the organization secret, its ECR workflow runs with it (the sandbox runner signs with that key), and the
// Fleet row, configured with the default push user, names the user CloudTrail says signed the run.

import { describe, expect, it } from "vitest";
import { fleetRepository, fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { createSecondPushUser } from "../tooling/testing/second-push-user";
import { readFleet } from "./fleet";
import { readRunSigner } from "./run-signer";
import { invalidatePosture } from "./posture";

const f = fleetReadFixture();
const repo = fleetRepository;
const ctx = () => f.ctx();

async function runWorkflow(owner: string, name: string) {
  const { github } = f.sb().clients;
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
    const { accessKeyId } = await createSecondPushUser(f.sb().clients, { userName: "ecr-push-payments", repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } });
    const run = await runWorkflow("acme", "web-gateway");
    expect(run.conclusion).toBe("success");

    const gateway = { ...ctx(), clients: { ...f.sb().clients, repo: { owner: "acme", repo: "web-gateway" } } };
    const signer = await readRunSigner(gateway, { id: run.id, status: run.status, conclusion: run.conclusion, createdAt: run.created_at, updatedAt: run.updated_at });
    expect(signer).toMatchObject({ ok: true, data: { userName: "ecr-push-payments" } });
    expect(accessKeyId).toMatch(/^AKIA/);

    // A Fleet read never waits for CloudTrail: the first one queues the lookup, and once it is done (the one above
    // shares its cache here) a re-judged row names the signer.
    const c = ctx();
    const served = [repo("mcp-servers"), repo("web-gateway")];
    await readFleet(c, served);
    await readRunSigner({ ...c, clients: gateway.clients }, { id: run.id, status: run.status, conclusion: run.conclusion, createdAt: run.created_at, updatedAt: run.updated_at });
    invalidatePosture(c.cache);
    const view = await readFleet(c, served);
    const by = Object.fromEntries(view.rows.map((r) => [r.repository, r]));
    expect(by["acme/web-gateway"].holdsKeyOf).toBe("ecr-push-payments");
    expect(by["acme/web-gateway"].key).toBeNull();
    // The default repository holds the configured user's key as before: nothing read or said about a signer there.
    expect(by["acme/mcp-servers"].holdsKeyOf).toBeNull();
  }, 90_000);
});
