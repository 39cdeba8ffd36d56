/**
 * End-to-end key rotation in the sandbox with its default 4 s key propagation window: preflight, create,
 * verify (waits out the window), write both secrets, canary workflow run, deactivate. Goal (issue 6):
 * under 15 s. Deckhand's default rotation options, as the app runs them in sandbox mode.
 */
import fs from "node:fs";
import { startTestSandbox } from "../testing/sandbox-fixture";
import { listSteps } from "../../operations/rotation/store";
import { STEP_TITLES } from "../../operations/rotation/types";
import { startRotation } from "../../operations/rotation/rotate-access-key";
import { testContext } from "../../operations/rotation/testing/rotation-test-kit";

export default async function benchRotation(): Promise<void> {
  const sbx = await startTestSandbox({ keyPropagationMs: 4000 });
  const totals: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      await sbx.admin("POST", "/_sandbox/reset");
      const { ctx, db, dir } = testContext(sbx);
      const t0 = performance.now();
      const { rotationId, done } = await startRotation(ctx, {}, {
        awsAs: (c) => {
          const a = sbx.awsAs(c);
          return { sts: a.sts, ecr: a.ecr };
        },
      });
      const r = await done;
      const ms = performance.now() - t0;
      totals.push(ms);
      const steps = listSteps(db, rotationId)
        .map((s) => `${s.step}. ${STEP_TITLES[s.step]} ${Date.parse(s.endedAt ?? s.startedAt) - Date.parse(s.startedAt)} ms`)
        .join(" | ");
      console.log(`rotation ${i + 1}: ${r.state} in ${(ms / 1000).toFixed(2)} s — ${steps}`);
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await sbx.close();
  }
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(`end-to-end rotation (4 s propagation window): median ${(sorted[1] / 1000).toFixed(2)} s, worst ${(sorted[2] / 1000).toFixed(2)} s — goal < 15 s`);
}
