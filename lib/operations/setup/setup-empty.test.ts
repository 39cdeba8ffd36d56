// Guided setup on the `empty` scenario, end to end over real HTTP: every guide step is missing; after
// setup the AWS CLI sees the user, the expected policy and one active key, GitHub lists both secrets
// and the variable, the secret decrypts to the new key, the canary run succeeded, the first push put
// images into ECR and every doctor check passes.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { getRun } from "../../integrations/github/runs";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listRepoVariables } from "../../integrations/github/variables";
import { GUIDE_PUSH_POLICY } from "../../judgements/posture/ecr-actions";
import { diffPolicyDocuments } from "../../judgements/posture/policy-diff";
import { resumeGuidedSetup, startGuidedSetup } from "./run-setup";
import { planGuidedSetup as planOf } from "../../read/setup";
import { readsOf } from "../rotation/testing/rotation-test-kit";
const planGuidedSetup = (ctx: Parameters<typeof readsOf>[0]) => planOf(readsOf(ctx));
import { dumpStore, githubHoldsWorkingKey, sandboxSecret, testContext, testExtras } from "../rotation/testing/rotation-test-kit";
import { listAudit } from "../../infra/audit/record-audit";
import { listSetupSteps } from "./store";
import { awsCli, startTestWorker } from "./testing/setup-test-kit";
import { getJob } from "../pushes/job-store";

const sbx = sharedTestSandbox({ scenario: "empty" });

describe("guided setup on an empty account and repository", () => {
  it("plans every step, applies them in order and verifies", async () => {
    const { ctx, db, dir } = testContext(sbx);
    const worker = startTestWorker(ctx, dir);
    try {
      const before = await planGuidedSetup(ctx);
      expect(before.plan.blockers).toEqual([]);
      expect(before.permissions.kind).toBe("ok");
      expect(before.plan.steps.map((s) => s.id)).toEqual(["create-user", "put-policy", "set-region-variable", "create-key", "first-push", "verify"]);
      expect(before.plan.steps[0].calls).toEqual(["IAM CreateUser UserName=github-ecr-push"]);
      expect(before.plan.items.find((i) => i.id === "user")?.status).toBe("missing");

      const { done, setupId } = await startGuidedSetup(ctx, { removeRegionSecret: false }, { rotation: testExtras(sbx), options: { canaryPollMs: 100, canaryTimeoutMs: 20_000 } });
      const s = await done;
      expect(s.state, s.message ?? "").toBe("completed");
      const steps = listSetupSteps(db, setupId);
      expect(steps.map((x) => `${x.step}:${x.outcome}`)).toEqual(["create-user:succeeded", "put-policy:succeeded", "set-region-variable:succeeded", "create-key:succeeded", "first-push:succeeded", "verify:succeeded"]);

      // The first push: a Deckhand push job of main's head, done by the worker as deckhand-worker.
      const firstPush = steps.find((x) => x.step === "first-push")!;
      const job = getJob(db, firstPush.detail!.jobId as string)!;
      expect(job).toMatchObject({ state: "succeeded", branch: "main", requestedBy: "octo-operator" });
      const images = (await awsCli(sbx, ["ecr", "describe-images", "--repository-name", "mcp-server-tcp"])) as { imageDetails: { imageTags?: string[] }[] };
      expect(images.imageDetails.flatMap((d) => d.imageTags ?? []).sort()).toEqual([job.sha.slice(0, 7), "latest"].sort());

      // The AWS CLI sees the user, the expected policy and exactly one active key.
      const user = (await awsCli(sbx, ["iam", "get-user", "--user-name", "github-ecr-push"])) as { User: { UserName: string } };
      expect(user.User.UserName).toBe("github-ecr-push");
      const names = (await awsCli(sbx, ["iam", "list-user-policies", "--user-name", "github-ecr-push"])) as { PolicyNames: string[] };
      expect(names.PolicyNames).toEqual(["ecr-push-policy"]);
      const pol = (await awsCli(sbx, ["iam", "get-user-policy", "--user-name", "github-ecr-push", "--policy-name", "ecr-push-policy"])) as { PolicyDocument: unknown };
      const diff = diffPolicyDocuments(pol.PolicyDocument as Record<string, unknown>, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
      expect(diff.ok && diff.diff.addedActions.length + diff.diff.removedActions.length).toBe(0);
      const keys = (await awsCli(sbx, ["iam", "list-access-keys", "--user-name", "github-ecr-push"])) as { AccessKeyMetadata: { AccessKeyId: string; Status: string }[] };
      expect(keys.AccessKeyMetadata.map((k) => k.Status)).toEqual(["Active"]);
      const keyId = keys.AccessKeyMetadata[0].AccessKeyId;

      // GitHub lists both secrets and the variable; the secret decrypts to the new key, which AWS accepts.
      const secrets = (await listRepoSecrets({ github: sbx.clients.github, repo: sbx.clients.repo })).map((x) => x.name).sort();
      expect(secrets).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
      const vars = await listRepoVariables({ github: sbx.clients.github, repo: sbx.clients.repo });
      expect(vars.map((v) => [v.name, v.value])).toEqual([["AWS_REGION", "us-east-1"]]);
      expect(await sandboxSecret(sbx, "AWS_ACCESS_KEY_ID")).toBe(keyId);
      expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: keyId });

      // The canary (a dispatched workflow run) succeeded.
      const verify = steps.find((x) => x.step === "verify")!;
      const canary = verify.detail?.canary as { runId: number };
      const run = await getRun({ github: sbx.clients.github, repo: sbx.clients.repo, runId: canary.runId });
      expect(run).toMatchObject({ event: "workflow_dispatch", status: "completed", conclusion: "success" });
      const doctor = verify.detail?.doctor as { id: string; status: string }[];
      expect(doctor.length).toBeGreaterThan(0);
      // Every check passes, "Image Not Found in ECR" included: the first push put the images there.
      expect(doctor.filter((c) => c.status !== "pass"), JSON.stringify(doctor)).toEqual([]);
      expect(s.warning).toBeNull();

      // The secret value was never stored.
      const secret = await sandboxSecret(sbx, "AWS_SECRET_ACCESS_KEY");
      expect(secret).toBeTruthy();
      expect(dumpStore(db)).not.toContain(secret!);

      // Audited step by step under the operator's login.
      const audit = listAudit(db, { limit: 500 }).filter((a) => a.target === `setup ${setupId}`);
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["setup.start", "setup.create-user.end", "setup.put-policy.end", "setup.set-region-variable.end", "setup.create-key.end", "setup.first-push.end", "setup.verify.end", "setup.complete"]));
      expect(audit.every((a) => a.actor === "octo-operator")).toBe(true);

      // Setup is idempotent: planned again, only the verification remains.
      const after = await planGuidedSetup(ctx);
      expect(after.plan.steps.map((x) => x.id)).toEqual(["verify"]);
    } finally {
      await worker.stop();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("stops at a step GitHub refuses, keeps what was done, and resumes from that step", async () => {
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "empty" });
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "POST /repos/{owner}/{repo}/actions/variables", kind: "access-denied", count: -1 });
    const { ctx, db, dir } = testContext(sbx);
    const extras = { rotation: testExtras(sbx), options: { canaryPollMs: 100, canaryTimeoutMs: 20_000 } };
    const worker = startTestWorker(ctx, dir);
    try {
      const { done, setupId } = await startGuidedSetup(ctx, { removeRegionSecret: false }, extras);
      const stopped = await done;
      expect(stopped.state).toBe("stopped");
      expect(stopped.message).toMatch(/Set the AWS_REGION variable stopped: GitHub/);
      expect(listSetupSteps(db, setupId).map((x) => `${x.step}:${x.outcome}`)).toEqual(["create-user:succeeded", "put-policy:succeeded", "set-region-variable:failed"]);
      // Nothing of the key step happened: no key exists.
      const keys = (await awsCli(sbx, ["iam", "list-access-keys", "--user-name", "github-ecr-push"])) as { AccessKeyMetadata: unknown[] };
      expect(keys.AccessKeyMetadata).toEqual([]);

      await sbx.admin("DELETE", "/_sandbox/faults");
      const s = await (await resumeGuidedSetup(ctx, { setupId }, extras)).done;
      expect(s.state, s.message ?? "").toBe("completed");
      // The user and policy steps were not repeated.
      expect(listSetupSteps(db, setupId).map((x) => `${x.step}:${x.outcome}`)).toEqual([
        "create-user:succeeded",
        "put-policy:succeeded",
        "set-region-variable:failed",
        "set-region-variable:succeeded",
        "create-key:succeeded",
        "first-push:succeeded",
        "verify:succeeded",
      ]);
    } finally {
      await worker.stop();
      await sbx.admin("DELETE", "/_sandbox/faults");
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
