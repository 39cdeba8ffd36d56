// Guided setup per repository, against the sandbox's `fleet` scenario over HTTP: acme/billing-worker holds
// github-ecr-push's key as repository secrets but gets no AWS_REGION at any scope (it cannot push). Its setup plans
// only what it lacks, writes the variable into billing-worker (never the default repository), verifies with a canary
// run there, and is recorded as billing-worker's; one setup at a time across repositories; a setup resumes acting
// from the repository it was started for, whichever repository asks.

import { describe, expect, it } from "vitest";
import { fleetOperationFixture } from "../../tooling/testing/fleet-operation-fixture";
import { listRepoVariables } from "../../integrations/github/variables";
import { planGuidedSetup, readActiveSetupElsewhere, readLatestSetup } from "../../read/setup";
import { listRuns } from "../../integrations/github/runs";
import { resumeGuidedSetup, startGuidedSetup } from "./run-setup";
import { getSetup, insertSetup, listSetupSteps, setSetupState } from "./store";

const REPOSITORIES = "acme/mcp-servers,acme/web-gateway,acme/billing-worker";
const BILLING = { owner: "acme", repo: "billing-worker" };
const DEFAULT = { owner: "acme", repo: "mcp-servers" };

const fx = fleetOperationFixture(REPOSITORIES);
const base = () => fx.acting();
const readsFor = (name: string) => fx.reads(name);
const extras = { options: { canaryPollMs: 100, canaryTimeoutMs: 20_000, firstPushPollMs: 200 } };
const variablesOf = async (repo: { owner: string; repo: string }) => (await listRepoVariables({ github: fx.sb.clients.github, repo })).map((v) => [v.name, v.value]);

describe("the guided setup of a repository other than the default", () => {
  let setupId: number;

  it("plans only what billing-worker lacks: its AWS_REGION variable (and its push user's drifted policy, as for any repository of that user), then the verification", async () => {
    const { plan } = await planGuidedSetup(readsFor("acme/billing-worker"));
    expect(plan.blockers).toEqual([]);
    // The key is done: billing-worker holds the push user's working key as repository secrets.
    expect(plan.items.filter((i) => i.status !== "done" && i.status !== "optional").map((i) => i.id)).toEqual(["policy", "variable"]);
    expect(plan.steps.map((s) => s.id)).toEqual(["put-policy", "set-region-variable", "verify"]);
    expect(plan.steps[1].calls.join(" ")).toContain("AWS_REGION");
    // The default repository has its variable: its plan has no variable step.
    expect((await planGuidedSetup(readsFor("acme/mcp-servers"))).plan.steps.map((s) => s.id)).toEqual(["put-policy", "verify"]);
  });

  it("writes the variable into billing-worker only, verifies with a canary run there, and is recorded as billing-worker's", async () => {
    const defaultVariables = await variablesOf(DEFAULT);
    const billing = fx.acting("acme/billing-worker");
    const started = await startGuidedSetup(billing, { removeRegionSecret: false }, extras);
    setupId = started.setupId;
    const s = await started.done;
    expect(s.state, s.message ?? "").toBe("completed");
    expect(s.names).toMatchObject({ userName: "github-ecr-push", repository: "acme/billing-worker" });
    expect(listSetupSteps(fx.db, setupId).map((x) => `${x.step}:${x.outcome}`)).toEqual(["put-policy:succeeded", "set-region-variable:succeeded", "verify:succeeded"]);
    expect(await variablesOf(BILLING)).toEqual([["AWS_REGION", "us-east-1"]]);
    expect(await variablesOf(DEFAULT)).toEqual(defaultVariables);
    // The canary ran in billing-worker and passed now that its runs get AWS_REGION.
    const canary = listSetupSteps(fx.db, setupId).find((x) => x.step === "verify")!.detail!.canary as { runId: number; outcome: string };
    expect(canary.outcome).toBe("succeeded");
    expect((await listRuns({ github: fx.sb.clients.github, repo: BILLING, perPage: 5 })).runs.map((r) => r.id)).toContain(canary.runId);
    // Each repository's page shows its own latest setup.
    expect(readLatestSetup(readsFor("acme/billing-worker"))?.setup.id).toBe(setupId);
    expect(readLatestSetup(readsFor("acme/mcp-servers"))).toBeNull();
  });

  it("runs one setup at a time across repositories, and resumes one acting from its own repository whichever asks", async () => {
    // As if billing-worker's setup had stopped at its verification: the default repository's page names it.
    setSetupState(fx.db, setupId, { state: "stopped", message: "test" }, { login: "octo-operator", role: "operator" });
    expect(readActiveSetupElsewhere(readsFor("acme/mcp-servers"), fx.config.github.repositories)).toEqual({ id: setupId, state: "stopped", repository: "acme/billing-worker" });
    const busy = await startGuidedSetup(base(), { removeRegionSecret: false }, extras).then(() => null, (e: Error & { code?: string }) => e);
    expect(busy?.code).toBe("setup-busy");
    expect(busy?.message).toContain("of acme/billing-worker");
    // Resumed from the default repository's context (the Overview's Resume): it acts from billing-worker.
    const runsBefore = (await listRuns({ github: fx.sb.clients.github, repo: DEFAULT, perPage: 1 })).totalCount;
    const resumed = await (await resumeGuidedSetup(base(), { setupId }, extras)).done;
    expect(resumed.state, resumed.message ?? "").toBe("completed");
    expect(getSetup(fx.db, setupId)?.names.repository).toBe("acme/billing-worker");
    expect((await listRuns({ github: fx.sb.clients.github, repo: DEFAULT, perPage: 1 })).totalCount).toBe(runsBefore);
  });

  it("a stopped setup of a repository no longer served is abandoned by the next start, not a block on every setup; one planned for another push user is not resumed", async () => {
    const who = { login: "octo-operator", role: "operator" as const };
    const names = { userName: "github-ecr-push", policyName: "ecr-push-policy", region: "us-east-1" };
    const retired = insertSetup(fx.db, { requestedBy: "octo-operator", names: { ...names, repository: "acme/retired" }, plan: [], removeRegionSecretConfirmed: false, who });
    setSetupState(fx.db, retired, { state: "stopped", message: "test" }, who);
    expect(readActiveSetupElsewhere(readsFor("acme/mcp-servers"), fx.config.github.repositories)).toBeNull();
    const started = await startGuidedSetup(fx.acting("acme/billing-worker"), { removeRegionSecret: false }, extras);
    expect((await started.done).state).toBe("completed");
    expect(getSetup(fx.db, retired)).toMatchObject({ state: "failed", message: "Abandoned: Deckhand no longer serves acme/retired." });

    const other = insertSetup(fx.db, { requestedBy: "octo-operator", names: { ...names, userName: "ecr-push-payments", repository: "acme/billing-worker" }, plan: [], removeRegionSecretConfirmed: false, who });
    setSetupState(fx.db, other, { state: "stopped", message: "test" }, who);
    const refused = await resumeGuidedSetup(base(), { setupId: other }, extras).then(() => null, (e: Error & { code?: string }) => e);
    expect(refused?.code).toBe("not-resumable");
    expect(refused?.message).toContain("planned for the push user ecr-push-payments");
    expect(getSetup(fx.db, other)?.state).toBe("stopped");
    setSetupState(fx.db, other, { state: "failed", message: "test over" }, who);
  });
});
