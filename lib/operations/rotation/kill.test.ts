// Kill tests: a real child process runs a rotation and SIGKILLs itself right after step N is
// persisted (DECKHAND_FAILPOINT); a fresh runner in this process then resumes it.

import fs from "node:fs";
import path from "node:path";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { listAudit } from "../../infra/audit/record-audit";
import { resumeRotation } from "./rotate-access-key";
import { activeRotation, listSteps } from "./store";
import { githubHoldsWorkingKey, sandboxKeys, testContext, testExtras } from "./testing/rotation-test-kit";

const sbx = sharedTestSandbox();

const CHILD = path.resolve("lib/operations/rotation/testing/kill-child.ts");

const runChild = (dir: string, failpoint: string) => runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint });

async function updateAccessKeyEvents(keyId: string): Promise<number> {
  const r = await sbx.clients.aws.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "UpdateAccessKey" }], MaxResults: 50 }));
  return (r.Events ?? []).filter((e) => (e.CloudTrailEvent ?? "").includes(keyId)).length;
}

describe("a rotation killed after each step resumes with the invariants intact", () => {
  for (const n of [2, 3, 4, 5, 6]) {
    it(`killed after step ${n}`, async () => {
      await sbx.admin("POST", "/_sandbox/reset");
      const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
      const { ctx, db, dir } = testContext(sbx);
      try {
        const child = await runChild(dir, `rotation:after-step-${n}`);
        expect(child.signal, child.out).toBe("SIGKILL");
        expect(child.out).not.toMatch(/finished/);

        // What the dead process left: the rotation still "running", step n persisted as succeeded.
        const left = activeRotation(db)!;
        expect(left.state).toBe("running");
        const stepsLeft = listSteps(db, left.id);
        expect(stepsLeft[stepsLeft.length - 1]).toMatchObject({ step: n, outcome: "succeeded" });
        const keysLeft = await sandboxKeys(sbx);
        expect(keysLeft.length).toBeLessThanOrEqual(2);
        // GitHub holds a working key at the moment of the kill: the old one before step 4, the new one after.
        const heldAtKill = await githubHoldsWorkingKey(sbx);
        expect(heldAtKill.works).toBe(true);
        expect(heldAtKill.accessKeyId).toBe(n < 4 ? oldKeyId : left.newKeyId);

        // A fresh runner resumes.
        const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
        expect(r.state).toBe("completed");
        const keys = await sandboxKeys(sbx);
        expect(keys).toHaveLength(2);
        expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
        expect(keys.find((k) => k.accessKeyId === r.newKeyId)?.status).toBe("Active");
        const held = await githubHoldsWorkingKey(sbx);
        expect(held).toMatchObject({ works: true, accessKeyId: r.newKeyId });
        // Before step 4 the dead process's key is deleted (its secret died with it); after, it is kept.
        if (n < 4) expect(r.newKeyId).not.toBe(left.newKeyId);
        else expect(r.newKeyId).toBe(left.newKeyId);
        // No second deactivation.
        expect(await updateAccessKeyEvents(oldKeyId)).toBe(1);
        // The audit log has every step, each under the operator's login.
        const audit = listAudit(db, { limit: 500 }).filter((a) => a.target === `rotation ${r.id}`);
        for (const name of ["preflight", "create-key", "verify-key", "write-secrets", "canary", "deactivate-old-key"]) {
          expect(audit.filter((a) => a.action === `rotation.${name}.end`).length, name).toBeGreaterThanOrEqual(1);
        }
        expect(audit.filter((a) => a.action === "rotation.deactivate-old-key.end")).toHaveLength(1);
        expect(audit.every((a) => a.actor === "octo-operator")).toBe(true);
        if (n < 4) expect(audit.some((a) => a.action === "rotation.unwind.end")).toBe(true);
      } finally {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});

describe("a rotation step cut off by a crash is closed as interrupted on resume", () => {
  for (const n of [3, 6]) {
    it(`killed inside step ${n}`, async () => {
      await sbx.admin("POST", "/_sandbox/reset");
      const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
      const { ctx, db, dir } = testContext(sbx);
      try {
        const child = await runChild(dir, `rotation:in-step-${n}`);
        expect(child.signal, child.out).toBe("SIGKILL");
        const left = activeRotation(db)!;
        // The dead process began step n and never ended it.
        const cut = listSteps(db, left.id).at(-1)!;
        expect(cut).toMatchObject({ step: n, outcome: "running", endedAt: null });

        const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
        expect(r.state).toBe("completed");
        const steps = listSteps(db, r.id);
        expect(steps.filter((s) => s.outcome === "running")).toEqual([]);
        expect(steps.find((s) => s.id === cut.id)).toMatchObject({ outcome: "interrupted", endedAt: expect.any(String), message: expect.stringMatching(/^Interrupted/) });
        // The step was then done once, to the end, by the resuming runner.
        expect(steps.filter((s) => s.step === n && s.outcome === "succeeded")).toHaveLength(1);
        expect(listAudit(db, { limit: 500 }).filter((a) => a.target === `rotation ${r.id}` && a.action.endsWith(".interrupted"))).toHaveLength(1);
        // The invariants of the kill tests above hold too.
        const keys = await sandboxKeys(sbx);
        expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
        expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: r.newKeyId });
        expect(await updateAccessKeyEvents(oldKeyId)).toBe(1);
      } finally {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
