// Guided setup on the `partial` scenario: the user exists without a policy, it has a key GitHub does not
// hold, and AWS_REGION is a secret instead of a variable. Only the missing steps run; the stray secret is
// reported, and removed only on confirmation. Also: the refusal when Deckhand's own key lacks a permission.

import fs from "node:fs";
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listRepoVariables } from "../../integrations/github/variables";
import { startGuidedSetup } from "./run-setup";
import { planGuidedSetup as planOf } from "../../read/setup";
import { readsOf } from "../rotation/testing/rotation-test-kit";
const planGuidedSetup = (ctx: Parameters<typeof readsOf>[0]) => planOf(readsOf(ctx));
import { githubHoldsWorkingKey, sandboxKeys, testContext, testExtras } from "../rotation/testing/rotation-test-kit";
import { listSetupSteps } from "./store";
import { awsCli, startTestWorker } from "./testing/setup-test-kit";

const sbx = sharedTestSandbox({ scenario: "partial" });

const extras = () => ({ rotation: testExtras(sbx), options: { canaryPollMs: 100, canaryTimeoutMs: 20_000, firstPushPollMs: 200 } });
const secretNames = async () => (await listRepoSecrets({ github: sbx.clients.github, repo: sbx.clients.repo })).map((s) => s.name).sort();

describe("guided setup on a half-done setup", () => {
  it("runs only the missing steps and removes the stray AWS_REGION secret when confirmed", async () => {
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "partial" });
    const strayKey = (await sandboxKeys(sbx))[0].accessKeyId;
    const { ctx, db, dir } = testContext(sbx);
    const worker = startTestWorker(ctx, dir);
    try {
      const { plan } = await planGuidedSetup(ctx);
      expect(plan.blockers).toEqual([]);
      expect(plan.steps.map((s) => s.id)).toEqual(["put-policy", "remove-region-secret", "set-region-variable", "create-key", "first-push", "verify"]);
      expect(plan.items.find((i) => i.id === "user")?.status).toBe("done");
      expect(plan.items.find((i) => i.id === "variable")?.detail).toMatch(/AWS_REGION is a secret instead/);
      const removal = plan.steps.find((s) => s.id === "remove-region-secret")!;
      expect(removal.needsConfirmation).toBeTruthy();
      expect(removal.calls).toEqual(["GitHub DELETE /repos/{owner}/{repo}/actions/secrets/AWS_REGION"]);
      expect(plan.steps.find((s) => s.id === "create-key")!.calls).toContain(`IAM UpdateAccessKey AccessKeyId=${strayKey} Status=Inactive (GitHub does not hold it)`);

      const { done, setupId } = await startGuidedSetup(ctx, { removeRegionSecret: true }, extras());
      const s = await done;
      expect(s.state, s.message ?? "").toBe("completed");
      expect(listSetupSteps(db, setupId).map((x) => `${x.step}:${x.outcome}`)).toEqual([
        "put-policy:succeeded",
        "remove-region-secret:succeeded",
        "set-region-variable:succeeded",
        "create-key:succeeded",
        "first-push:succeeded",
        "verify:succeeded",
      ]);
      expect(await secretNames()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
      expect((await listRepoVariables({ github: sbx.clients.github, repo: sbx.clients.repo })).map((v) => [v.name, v.value])).toEqual([["AWS_REGION", "us-east-1"]]);
      // One active key, the one GitHub holds; the key GitHub never held is deactivated, not deleted.
      const keys = (await awsCli(sbx, ["iam", "list-access-keys", "--user-name", "github-ecr-push"])) as { AccessKeyMetadata: { AccessKeyId: string; Status: string }[] };
      const active = keys.AccessKeyMetadata.filter((k) => k.Status === "Active");
      expect(active).toHaveLength(1);
      expect(keys.AccessKeyMetadata.find((k) => k.AccessKeyId === strayKey)?.Status).toBe("Inactive");
      expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: active[0].AccessKeyId });
      const policies = (await awsCli(sbx, ["iam", "list-user-policies", "--user-name", "github-ecr-push"])) as { PolicyNames: string[] };
      expect(policies.PolicyNames).toEqual(["ecr-push-policy"]);

      expect((await planGuidedSetup(ctx)).plan.steps.map((x) => x.id)).toEqual(["verify"]);
    } finally {
      await worker.stop();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("leaves the stray secret in place, reported, when the removal is not confirmed", async () => {
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "partial" });
    const { ctx, db, dir } = testContext(sbx);
    const worker = startTestWorker(ctx, dir);
    try {
      const { done, setupId } = await startGuidedSetup(ctx, { removeRegionSecret: false }, extras());
      expect((await done).state).toBe("completed");
      const removal = listSetupSteps(db, setupId).find((x) => x.step === "remove-region-secret")!;
      expect(removal).toMatchObject({ outcome: "skipped" });
      expect(removal.message).toMatch(/Not confirmed/);
      expect(await secretNames()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_SECRET_ACCESS_KEY"]);
      // Still reported on the next plan.
      expect((await planGuidedSetup(ctx)).plan.steps.map((x) => x.id)).toEqual(["remove-region-secret", "verify"]);
    } finally {
      await worker.stop();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("refuses before changing anything when Deckhand's own key lacks a permission, naming it", async () => {
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "empty" });
    const iam = sbx.clients.aws.iam;
    await iam.send(new CreateUserCommand({ UserName: "deckhand-readonly" }));
    const readOnly = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:Get*", "iam:List*", "ecr:Describe*"], Resource: "*" }] };
    await iam.send(new PutUserPolicyCommand({ UserName: "deckhand-readonly", PolicyName: "read", PolicyDocument: JSON.stringify(readOnly) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: "deckhand-readonly" }))).AccessKey!;
    const { ctx, db, dir } = testContext(sbx);
    const limited = { ...ctx, clients: { ...ctx.clients, aws: sbx.awsAs({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }) } };
    try {
      // A new key is refused for a moment (propagation): wait until the read-only key is accepted.
      let overview;
      for (let i = 0; i < 30; i++) {
        overview = await planGuidedSetup(limited);
        if (overview.permissions.kind !== "unknown" && !overview.plan.blockers.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(overview!.permissions).toMatchObject({ kind: "missing" });
      await expect(startGuidedSetup(limited, { removeRegionSecret: false }, extras())).rejects.toThrow(/lack iam:CreateUser, iam:PutUserPolicy, iam:CreateAccessKey.*Nothing was changed/);
      // Nothing changed: no push user, no secrets, no variable, no setup recorded.
      const users = (await awsCli(sbx, ["iam", "list-users"])) as { Users: { UserName: string }[] };
      expect(users.Users.map((u) => u.UserName).sort()).toEqual(["deckhand-readonly", "deckhand-worker"]);
      expect(await secretNames()).toEqual([]);
      expect(db.prepare(`SELECT COUNT(*) AS n FROM setups`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
