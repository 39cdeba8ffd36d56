// Kill tests: a real child process runs a guided setup on the empty scenario and SIGKILLs itself right
// after a step is persisted (DECKHAND_FAILPOINT), including inside the key step's rotation; a fresh
// runner in this process then resumes it, with a push worker running. Invariants: setup completes, exactly
// one key exists and GitHub holds it (no orphaned key, no third key), every step ran once to completion,
// the first push was queued once, no secret in the store.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { resumeGuidedSetup, resumeInterruptedSetup } from "./run-setup";
import { dumpStore, githubHoldsWorkingKey, sandboxKeys, sandboxSecret, testContext, testExtras } from "../rotation/testing/rotation-test-kit";
import { activeSetup, getSetup, listSetupSteps } from "./store";
import { listJobs } from "../pushes/job-store";
import { startTestWorker } from "./testing/setup-test-kit";

const sbx = sharedTestSandbox({ scenario: "empty" });

const CHILD = path.resolve("lib/operations/setup/testing/kill-child.ts");

const runChild = (dir: string, failpoint: string) => runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint });

const FAILPOINTS = [
  "setup:after-create-user",
  "setup:in-put-policy",
  "setup:after-put-policy",
  "setup:after-set-region-variable",
  "rotation:after-step-2",
  "rotation:after-step-4",
  "setup:after-create-key",
  "setup:first-push-queued",
];

describe("a guided setup killed after each step resumes with the invariants intact", () => {
  for (const fp of FAILPOINTS) {
    it(`killed at ${fp}`, async () => {
      await sbx.admin("POST", "/_sandbox/reset", { scenario: "empty" });
      const { ctx, db, dir } = testContext(sbx);
      let worker: ReturnType<typeof startTestWorker> | null = null;
      try {
        const child = await runChild(dir, fp);
        expect(child.signal, child.out).toBe("SIGKILL");
        const left = activeSetup(db)!;
        expect(left.state).toBe("running");
        expect((await sandboxKeys(sbx)).length).toBeLessThanOrEqual(1);

        worker = startTestWorker(ctx, dir);
        const extras = { rotation: testExtras(sbx), options: { canaryPollMs: 100, canaryTimeoutMs: 20_000, firstPushPollMs: 200 } };
        let s;
        if (fp === "setup:after-put-policy") {
          // What a server start does (instrumentation): find the interrupted setup and resume it.
          expect(await resumeInterruptedSetup({ ...ctx, actor: { login: "deckhand", role: "system" } }, extras)).toBe(left.id);
          for (let i = 0; i < 300 && getSetup(db, left.id)!.state === "running"; i++) await new Promise((r) => setTimeout(r, 100));
          s = getSetup(db, left.id)!;
        } else s = await (await resumeGuidedSetup(ctx, { setupId: left.id }, extras)).done;
        expect(s.state, s.message ?? "").toBe("completed");
        // Exactly one key, active, and GitHub holds it: a key whose secret died with the child was deleted.
        const keys = await sandboxKeys(sbx);
        expect(keys.map((k) => k.status)).toEqual(["Active"]);
        expect(await githubHoldsWorkingKey(sbx)).toMatchObject({ works: true, accessKeyId: keys[0].accessKeyId });
        // No step is left "running"; one the child was inside when killed is closed as "interrupted".
        const records = listSetupSteps(db, s.id);
        expect(records.filter((x) => x.outcome === "running")).toEqual([]);
        if (fp.startsWith("setup:in-")) expect(records.filter((x) => x.outcome === "interrupted").map((x) => x.step)).toEqual([fp.slice("setup:in-".length)]);
        // Every planned step ended succeeded exactly once.
        const ended = records.filter((x) => x.outcome === "succeeded").map((x) => x.step);
        expect(ended).toEqual(["create-user", "put-policy", "set-region-variable", "create-key", "first-push", "verify"]);
        // One push job: a resume follows the job the killed runner queued instead of queueing another.
        expect(listJobs(db).map((j) => j.state)).toEqual(["succeeded"]);
        const secret = await sandboxSecret(sbx, "AWS_SECRET_ACCESS_KEY");
        expect(dumpStore(db)).not.toContain(secret!);
      } finally {
        await worker?.stop();
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
