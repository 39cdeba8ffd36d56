// The rotation plan says before it starts what will stop it part-way: against the sandbox's fleet scenario over HTTP,
// acme/billing-worker uses the push user's key but its runs get no AWS_REGION at any scope, so its canary will fail.

import { describe, expect, it } from "vitest";
import { fleetRepository, fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { readRotationPlan } from "./rotation";

const f = fleetReadFixture();

describe("readRotationPlan's warnings", () => {
  it("names the repository using the key whose canary cannot pass (no AWS_REGION anywhere), and only that one", async () => {
    const served = [fleetRepository("mcp-servers"), fleetRepository("web-gateway"), fleetRepository("billing-worker")];
    const plan = await readRotationPlan(f.ctx(), served);
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(/^acme\/billing-worker's runs get no AWS_REGION variable at any scope: its canary will fail/);
    // web-gateway gets AWS_REGION from the organization: no warning for it.
    expect(plan.warnings.join(" ")).not.toMatch(/web-gateway/);
    // Served alone, the default repository (its own AWS_REGION) has nothing to warn about.
    expect((await readRotationPlan(f.ctx(), [fleetRepository("mcp-servers")])).warnings).toEqual([]);
  }, 60_000);
});
