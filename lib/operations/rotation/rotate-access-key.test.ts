import fs from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { listAudit } from "../../infra/audit/record-audit";
import { listRuns } from "../../integrations/github/runs";
import { dispatchWorkflowRun } from "../workflows/dispatch-workflow";
import { getRotation, listSteps, updateRotationSettings } from "./store";
import { createAccessKey, updateAccessKey } from "../../integrations/aws/iam-keys";
import { deleteInactiveSecondKey, deleteOldKeyNow, rotateIfDue, runDueDeletions, startRotation } from "./rotate-access-key";
import { readRotationPlan } from "../../read/rotation";
import { readHeldKey } from "../../read/credentials";
import { dumpStore, githubHoldsWorkingKey, readsOf, sandboxKeys, stsWith, testContext, testExtras } from "./testing/rotation-test-kit";
import type { OperationContext } from "../context";
import type { Db } from "../../infra/db/open-db";

let sbx: TestSandbox;
let ctx: OperationContext;
let db: Db;
let dir: string;

beforeAll(async () => {
  sbx = await startTestSandbox();
}, 60_000);
afterAll(async () => {
  await sbx?.close();
});
beforeEach(async () => {
  await sbx.admin("POST", "/_sandbox/reset");
  await sbx.admin("DELETE", "/_sandbox/faults");
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  ({ ctx, db, dir } = testContext(sbx));
});

describe("a full rotation against the sandbox", () => {
  it("replaces the key in IAM and GitHub, proves it with a canary, and the old key is refused", async () => {
    const before = await sandboxKeys(sbx);
    expect(before.filter((k) => k.status === "Active")).toHaveLength(1);
    const oldKeyId = before.find((k) => k.status === "Active")!.accessKeyId;
    const oldPair = await githubHoldsWorkingKey(sbx);
    expect(oldPair).toMatchObject({ works: true, accessKeyId: oldKeyId });

    const plan = await readRotationPlan(readsOf(ctx));
    expect(plan).toMatchObject({ oldKeyId, blockers: [], workflow: { found: true } });

    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx));
    const r = await done;
    expect(r.state).toBe("completed");
    expect(r.oldKeyId).toBe(oldKeyId);
    const steps = listSteps(db, rotationId);
    expect(steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(["1:succeeded", "2:succeeded", "3:succeeded", "4:succeeded", "5:succeeded", "6:succeeded"]);

    const after = await sandboxKeys(sbx);
    expect(after).toHaveLength(2);
    expect(after.find((k) => k.accessKeyId === r.newKeyId)?.status).toBe("Active");
    expect(after.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
    const held = await githubHoldsWorkingKey(sbx);
    expect(held).toMatchObject({ works: true, accessKeyId: r.newKeyId });
    expect((await stsWith(sbx, oldKeyId, oldPair.secret!)).error).toBe("InvalidClientTokenId");

    // A fresh dispatch run succeeds with what GitHub holds now.
    const d = await dispatchWorkflowRun(ctx, {});
    let conclusion: string | null = null;
    for (let i = 0; i < 100 && !conclusion; i++) {
      const run = (await listRuns({ github: sbx.clients.github, repo: sbx.clients.repo, filters: { event: "workflow_dispatch" }, perPage: 5 })).runs.find((x) => x.id === d.runId);
      conclusion = run?.status === "completed" ? run.conclusion : null;
      if (!conclusion) await new Promise((res) => setTimeout(res, 100));
    }
    expect(conclusion).toBe("success");

    // Right after Deckhand wrote the secret, it knows which key GitHub holds, and its own verification calls of the
    // new key (and the canary's) are never taken for a stranger's use.
    const heldView = await readHeldKey(readsOf(ctx));
    if (!heldView.ok) throw new Error(heldView.failure.message);
    expect(heldView.data.correlation.mostLikely).toMatchObject({ accessKeyId: r.newKeyId, level: "high" });
    expect(heldView.data.correlation.mostLikely!.evidence.join("\n")).toMatch(new RegExp(`Deckhand wrote AWS_ACCESS_KEY_ID itself with this key .*\\(rotation #${rotationId}\\)`));
    expect(heldView.data.correlation.flags.map((f) => f.code)).not.toContain("used-elsewhere");

    // Every step is audited under the operator's login, and the secret is nowhere in the store.
    const audit = listAudit(db, { limit: 500 }).filter((a) => a.target === `rotation ${rotationId}`);
    for (const name of ["preflight", "create-key", "verify-key", "write-secrets", "canary", "deactivate-old-key"]) {
      expect(audit.some((a) => a.action === `rotation.${name}.end` && a.actor === "octo-operator")).toBe(true);
    }
    expect(dumpStore(db)).not.toContain(held.secret!);
    expect(fs.readFileSync(`${dir}/deckhand.db`).includes(Buffer.from(held.secret!))).toBe(false);

    // Deleting early (confirmed by the caller) removes the old key; the scheduled step then has nothing to do.
    await deleteOldKeyNow(ctx, { rotationId }, testExtras(sbx));
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
    expect(await runDueDeletions(ctx, new Date(Date.now() + 30 * 86_400_000), testExtras(sbx))).toEqual([]);
  }, 60_000);

  it("deletes the old key once the grace period has passed", async () => {
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx));
    const r = await done;
    expect(await runDueDeletions(ctx, new Date(), testExtras(sbx))).toEqual([]);
    expect(await runDueDeletions(ctx, new Date(Date.now() + 8 * 86_400_000), testExtras(sbx))).toEqual([rotationId]);
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
  }, 60_000);

  it("deleting the old key now, when it was deleted elsewhere since, says so instead of claiming the deletion", async () => {
    const { rotationId, done } = await startRotation(ctx, {}, testExtras(sbx));
    const r = await done;
    // The operator deletes the inactive old key from the Credentials page first.
    await deleteInactiveSecondKey(ctx, { accessKeyId: r.oldKeyId! });
    const after = await deleteOldKeyNow(ctx, { rotationId }, testExtras(sbx));
    expect(after.oldKeyExisted).toBe(false);
    expect(after.oldKeyDeletedAt).not.toBeNull();
    const step7 = listSteps(db, rotationId).filter((s) => s.step === 7).pop()!;
    expect(step7.message).toBe(`The old key ${r.oldKeyId} no longer existed: nothing was left to delete.`);
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
  }, 60_000);

  it("refuses to start while the user has an inactive second key, which can be deleted separately", async () => {
    const iam = sbx.clients.aws.iam;
    const extra = await createAccessKey({ iam, userName: "github-ecr-push" });
    await updateAccessKey({ iam, userName: "github-ecr-push", accessKeyId: extra.accessKeyId, status: "Inactive" });
    const plan = await readRotationPlan(readsOf(ctx));
    expect(plan.inactiveSecondKeyId).toBe(extra.accessKeyId);
    await expect(startRotation(ctx, {}, testExtras(sbx))).rejects.toMatchObject({ code: "preflight", message: expect.stringContaining(`${extra.accessKeyId} is inactive`) });
    const active = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    await expect(deleteInactiveSecondKey(ctx, { accessKeyId: active })).rejects.toMatchObject({ code: "active-key" });
    await deleteInactiveSecondKey(ctx, { accessKeyId: extra.accessKeyId });
    expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([active]);
    expect((await (await startRotation(ctx, {}, testExtras(sbx))).done).state).toBe("completed");
  }, 60_000);

  it("rotates automatically only when the setting is on and the key is past the rotation age", async () => {
    expect(await rotateIfDue(ctx, new Date(), testExtras(sbx))).toEqual([]);
    updateRotationSettings(db, ctx.actor, { graceDays: 7, autoRotate: true });
    const [id, ...more] = await rotateIfDue(ctx, new Date(), testExtras(sbx));
    expect(id).toEqual(expect.any(Number));
    expect(more).toEqual([]);
    for (let i = 0; i < 200 && getRotation(db, id!)!.state === "running"; i++) await new Promise((r) => setTimeout(r, 50));
    expect(getRotation(db, id!)).toMatchObject({ state: "completed", trigger: "automatic", requestedBy: "deckhand" });
    // The new key is young: nothing more to do, and never twice a day.
    expect(await rotateIfDue(ctx, new Date(), testExtras(sbx))).toEqual([]);
  }, 60_000);
});
