// Faults injected on the wire by the sandbox: GitHub 5xx on the secret write, AWS throttling on
// CreateAccessKey, a failing canary. The rotation retries or stops resumable, and GitHub always holds
// a key that works (or the rotation says loudly that it does not).

import fs from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { resumeRotation, startRotation } from "./rotate-access-key";
import type { OperationContext } from "../context";
import { listSteps } from "./store";
import { CANARY_FAILED_WARNING } from "./steps";
import { githubHoldsWorkingKey, readsOf, sandboxKeys, testContext, testExtras } from "./testing/rotation-test-kit";
import { readRotationPlan } from "../../read/rotation";

const PUT_SECRET = "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}";

let sbx: TestSandbox;
let ctx: OperationContext;
let dir: string;
let oldKeyId: string;

beforeAll(async () => {
  sbx = await startTestSandbox();
}, 60_000);
afterAll(async () => {
  await sbx?.close();
});
beforeEach(async () => {
  // A reset without a scenario keeps the last one: a test below switches to `empty`.
  await sbx.admin("POST", "/_sandbox/reset", { scenario: "default" });
  await sbx.admin("DELETE", "/_sandbox/faults");
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  ({ ctx, dir } = testContext(sbx));
  oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
});

const fault = (body: Record<string, unknown>) => sbx.admin("POST", "/_sandbox/faults", body);
const faultsLeft = async () => ((await (await sbx.admin("GET", "/_sandbox/faults")).json()) as { faults: unknown[] }).faults.length;

describe("GitHub 5xx on the secret write", () => {
  it("a short outage is retried and the rotation completes", async () => {
    await fault({ service: "github", operation: PUT_SECRET, kind: "503", count: 3 });
    const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
    expect(r.state).toBe("completed");
    expect(await faultsLeft()).toBe(0);
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: r.newKeyId });
  }, 60_000);

  it("a long outage stops the rotation resumable: GitHub keeps the old working key, the unheld new key is deleted", async () => {
    await fault({ service: "github", operation: PUT_SECRET, kind: "503", count: -1 });
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx, { stepAttempts: 1 }));
    const r = await done;
    expect(r.state).toBe("stopped");
    expect(r.message).toMatch(/Write the GitHub secrets stopped: GitHub .*unreachable/);
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: oldKeyId });
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([oldKeyId]);
    expect(listSteps(ctx.db, rotationId).map((s) => `${s.step}:${s.outcome}`)).toEqual(["1:succeeded", "2:succeeded", "3:succeeded", "4:failed", "0:succeeded"]);

    await sbx.admin("DELETE", "/_sandbox/faults");
    const resumed = await (await resumeRotation(ctx, { rotationId }, testExtras(sbx))).done;
    expect(resumed.state).toBe("completed");
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: resumed.newKeyId });
    expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
  }, 90_000);

  it("a refusal (403) stops at once, nothing half-written", async () => {
    await fault({ service: "github", operation: PUT_SECRET, kind: "access-denied", count: -1 });
    const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
    expect(r.state).toBe("stopped");
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: oldKeyId });
    expect(await sandboxKeys(sbx)).toHaveLength(1);
    await expect(startRotation(ctx, {}, testExtras(sbx))).rejects.toMatchObject({ code: "rotation-busy" });
  }, 60_000);
});

describe("AWS throttling on CreateAccessKey", () => {
  it("is retried with backoff past the SDK's own retries, without a stray key", async () => {
    // The test clients make 3 SDK attempts: 4 throttles need a step-level retry.
    await fault({ service: "iam", operation: "CreateAccessKey", kind: "throttle", count: 4 });
    const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
    expect(r.state).toBe("completed");
    expect(await faultsLeft()).toBe(0);
    expect(await sandboxKeys(sbx)).toHaveLength(2);
  }, 60_000);

  it("the plan with ListAccessKeys throttled says the keys are unknown, not that there is none", async () => {
    await fault({ service: "iam", operation: "ListAccessKeys", kind: "throttle", count: -1 });
    const plan = await readRotationPlan(readsOf(ctx));
    await sbx.admin("DELETE", "/_sandbox/faults");
    expect(plan).toMatchObject({ keysRead: false, keys: [], oldKeyId: null });
    expect(plan.blockers.join("\n")).toMatch(/IAM ListAccessKeys was throttled/);
    expect((await readRotationPlan(readsOf(ctx))).keysRead).toBe(true);
  }, 60_000);

  it("the plan on an account nobody set up says to run Setup, not IAM's NoSuchEntity", async () => {
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "empty" });
    const plan = await readRotationPlan(readsOf(ctx));
    expect(plan).toMatchObject({ keysRead: false, userMissing: true, keys: [] });
    expect(plan.blockers).toEqual([expect.stringMatching(/^The push user github-ecr-push does not exist in this account yet: run the guided setup first\.$/)]);
  }, 60_000);

  it("persistent throttling stops resumable with nothing created and GitHub untouched", async () => {
    await fault({ service: "iam", operation: "CreateAccessKey", kind: "throttle", count: -1 });
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx, { stepAttempts: 2 }));
    const r = await done;
    expect(r.state).toBe("stopped");
    expect(r.message).toMatch(/Create the new key stopped: IAM CreateAccessKey was throttled and still failed after retries with backoff\. Retried with backoff; Resume when it is fixed\./);
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([oldKeyId]);
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: oldKeyId });
    await sbx.admin("DELETE", "/_sandbox/faults");
    expect((await (await resumeRotation(ctx, { rotationId }, testExtras(sbx))).done).state).toBe("completed");
  }, 60_000);
});

describe("a failing canary", () => {
  it("leaves the old key active, says loudly what GitHub holds, and a resume re-runs the canary", async () => {
    // The workflow's build step lists repositories; Deckhand's verification does not. Only the canary fails.
    await fault({ service: "ecr", operation: "DescribeRepositories", kind: "access-denied", count: -1 });
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx));
    const r = await done;
    expect(r.state).toBe("stopped");
    expect(r.warning).toBe(CANARY_FAILED_WARNING);
    expect(r.message).toMatch(/Canary run #\d+ concluded failure/);
    const keys = await sandboxKeys(sbx);
    expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Active");
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: r.newKeyId });
    // The plan then points at the stopped rotation only: its second active key is the rotation's own, not a blocker.
    const plan = await readRotationPlan(readsOf(ctx));
    expect(plan.blockers).toEqual([`Rotation #${rotationId} of github-ecr-push is stopped: open it to follow or resume it.`]);
    expect(plan.inactiveSecondKeyId).toBeNull();

    await sbx.admin("DELETE", "/_sandbox/faults");
    const resumed = await (await resumeRotation(ctx, { rotationId }, testExtras(sbx))).done;
    expect(resumed.state).toBe("completed");
    expect(resumed.newKeyId).toBe(r.newKeyId);
    expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
  }, 60_000);
});

describe("verification that never succeeds", () => {
  it("times out with a clear message, deletes the new key and leaves the old one alone", async () => {
    await fault({ service: "ecr", operation: "GetAuthorizationToken", kind: "access-denied", count: -1 });
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx, { verifyTimeoutMs: 1500 }));
    const r = await done;
    expect(r.state).toBe("failed");
    expect(r.message).toMatch(/AWS did not accept the new key within 2 s .*ECR GetAuthorizationToken last answered AccessDenied.*ecr:GetAuthorizationToken/);
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([oldKeyId]);
    expect(listSteps(ctx.db, rotationId).map((s) => `${s.step}:${s.outcome}`)).toEqual(["1:succeeded", "2:succeeded", "3:failed", "0:succeeded"]);
    expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: oldKeyId });
  }, 60_000);
});
