// The rotation plan says before it starts what will stop it part-way: against the sandbox's fleet scenario over HTTP,
// acme/billing-worker uses the push user's key but its runs get no AWS_REGION at any scope, so its canary will fail.

import { describe, expect, it } from "vitest";
import { fleetRepository, fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { GUIDE_PUSH_ACTIONS, policyDocumentText } from "../sandbox/aws/guide-policy";
import { readRotationPlan } from "./rotation";

const f = fleetReadFixture();

describe("readRotationPlan's warnings", () => {
  it("names the repository using the key whose canary cannot pass (no AWS_REGION anywhere), and only that one", async () => {
    const served = [fleetRepository("mcp-servers"), fleetRepository("web-gateway"), fleetRepository("billing-worker")];
    const plan = await readRotationPlan(f.ctx(), served);
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toHaveLength(2);
    // The fleet's push user has the drifted policy (no ecr:CompleteLayerUpload): a canary that uploads a layer would fail.
    expect(plan.warnings[0]).toMatch(/^github-ecr-push's policies do not allow ecr:CompleteLayerUpload, which the ECR workflow needs: a canary run that has an image to push will fail/);
    expect(plan.warnings[1]).toMatch(/^acme\/billing-worker's runs get no AWS_REGION variable at any scope: its canary will fail/);
    // web-gateway gets AWS_REGION from the organization: no warning for it.
    expect(plan.warnings.join(" ")).not.toMatch(/web-gateway/);
    // Served alone, the default repository (its own AWS_REGION) has nothing to warn about.
    expect((await readRotationPlan(f.ctx(), [fleetRepository("mcp-servers")])).warnings.filter((w) => !w.includes("policies"))).toEqual([]);
  }, 60_000);

  it("says nothing of the policy once it allows what the workflow needs", async () => {
    await f.sb().clients.aws.iam.send(new PutUserPolicyCommand({ UserName: "github-ecr-push", PolicyName: "ecr-push-policy", PolicyDocument: policyDocumentText(GUIDE_PUSH_ACTIONS) }));
    const plan = await readRotationPlan(f.ctx(), [fleetRepository("mcp-servers")]);
    expect(plan.warnings).toEqual([]);
  }, 60_000);
});
