// The guided setup's plan over every scope (issue 16): against the sandbox's fleet scenario over HTTP, acme/web-gateway
// gets the push key from organization secrets and AWS_REGION from an organization variable. Setup counts them as done
// (writing repository copies would shadow them), and says where each comes from.

import { describe, expect, it } from "vitest";
import { fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { planGuidedSetup } from "./setup";

const f = fleetReadFixture();
const ctxFor = (repo: string) => f.ctx(repo);

describe("planGuidedSetup over secret and variable scopes", () => {
  it("a repository whose key and AWS_REGION come from the organization: both done, nothing written over them", async () => {
    const { plan, state } = await planGuidedSetup(ctxFor("web-gateway"));
    expect(state.secrets).toEqual([]);
    const items = Object.fromEntries(plan.items.map((i) => [i.id, i]));
    expect(items.secrets.status).toBe("done");
    expect(items.secrets.detail).toContain("AWS_ACCESS_KEY_ID from the organization secret (selected repositories)");
    expect(items.variable).toMatchObject({ status: "done", detail: "Set (from the organization variable (selected repositories))." });
    expect(plan.steps.map((s) => s.id)).not.toContain("create-key");
    expect(plan.steps.map((s) => s.id)).not.toContain("set-region-variable");
  }, 60_000);

  it("a repository with no AWS_REGION anywhere still gets the variable planned", async () => {
    const { plan } = await planGuidedSetup(ctxFor("billing-worker"));
    expect(plan.steps.map((s) => s.id)).toContain("set-region-variable");
  }, 60_000);
});
