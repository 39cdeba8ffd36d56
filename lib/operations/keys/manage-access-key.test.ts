// Key management by hand against the default sandbox (the push user has one active key, held by GitHub).

import fs from "node:fs";
import { CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { sandboxKeys, sandboxSecret, testContext } from "../rotation/testing/rotation-test-kit";
import { deactivateAccessKey, deleteAccessKeyByHand, judgeKeyAction, reactivateAccessKey } from "./manage-access-key";

describe("judgeKeyAction", () => {
  const active = { accessKeyId: "AKIA1", status: "Active" };
  const inactive = { accessKeyId: "AKIA2", status: "Inactive" };
  it("never deletes an active key, even when confirmed", () => {
    expect(judgeKeyAction({ action: "delete", key: active, githubMayHold: false, confirmPushesStop: true })).toMatchObject({ ok: false, code: "active-key" });
  });
  it("refuses to stop the key GitHub holds unless pushes stopping is confirmed", () => {
    expect(judgeKeyAction({ action: "deactivate", key: active, githubMayHold: true, confirmPushesStop: false })).toMatchObject({ ok: false, code: "github-holds-key" });
    expect(judgeKeyAction({ action: "deactivate", key: active, githubMayHold: true, confirmPushesStop: true })).toEqual({ ok: true });
    expect(judgeKeyAction({ action: "delete", key: inactive, githubMayHold: true, confirmPushesStop: false })).toMatchObject({ ok: false, code: "github-holds-key" });
  });
  it("lets a key GitHub does not hold go without the extra confirmation", () => {
    expect(judgeKeyAction({ action: "deactivate", key: active, githubMayHold: false, confirmPushesStop: false })).toEqual({ ok: true });
    expect(judgeKeyAction({ action: "delete", key: inactive, githubMayHold: false, confirmPushesStop: false })).toEqual({ ok: true });
  });
  it("refuses no-ops and unknown keys", () => {
    expect(judgeKeyAction({ action: "reactivate", key: active, githubMayHold: false, confirmPushesStop: false })).toMatchObject({ code: "already-active" });
    expect(judgeKeyAction({ action: "deactivate", key: inactive, githubMayHold: false, confirmPushesStop: false })).toMatchObject({ code: "already-inactive" });
    expect(judgeKeyAction({ action: "delete", key: undefined, githubMayHold: false, confirmPushesStop: false })).toMatchObject({ code: "not-found" });
  });
});

const sbx = sharedTestSandbox();

describe("managing keys by hand", () => {
  it("deactivates, reactivates and deletes with the confirmations the key GitHub holds needs", async () => {
    await sbx.admin("POST", "/_sandbox/reset");
    const { ctx, db, dir } = testContext(sbx);
    try {
      const held = (await sandboxSecret(sbx, "AWS_ACCESS_KEY_ID"))!;
      await expect(deactivateAccessKey(ctx, { accessKeyId: held })).rejects.toThrow(/stops every push/);
      expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === held)?.status).toBe("Active");
      await expect(deleteAccessKeyByHand(ctx, { accessKeyId: held, confirmPushesStop: true })).rejects.toThrow(/deactivate it first/);

      const r = await deactivateAccessKey(ctx, { accessKeyId: held, confirmPushesStop: true });
      expect(r.githubMayHold).toBe(true);
      expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === held)?.status).toBe("Inactive");
      await reactivateAccessKey(ctx, { accessKeyId: held });
      expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === held)?.status).toBe("Active");

      // A second key, created after GitHub's secret was written: GitHub cannot hold it.
      const extra = (await sbx.clients.aws.iam.send(new CreateAccessKeyCommand({ UserName: "github-ecr-push" }))).AccessKey!.AccessKeyId!;
      await deactivateAccessKey(ctx, { accessKeyId: extra });
      await deleteAccessKeyByHand(ctx, { accessKeyId: extra });
      expect((await sandboxKeys(sbx)).map((k) => k.accessKeyId)).toEqual([held]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
