// A guided setup in its own process, for the kill tests: DECKHAND_FAILPOINT makes it SIGKILL itself right
// after a step is persisted ("setup:after-STEP", "setup:first-push-queued", or "rotation:after-step-N"
// inside the key step). No worker runs here: the test process brings one when it resumes.

import { startGuidedSetup } from "../run-setup";
import { killChildContext, runChildMain } from "../../../tooling/testing/kill-child-support";

runChildMain(async () => {
  const { ctx, rotation } = killChildContext();
  const { setupId, done } = await startGuidedSetup(ctx, { removeRegionSecret: true }, { rotation, options: { canaryPollMs: 100, canaryTimeoutMs: 20_000 } });
  process.stdout.write(`setup ${setupId}\n`);
  const s = await done;
  process.stdout.write(`finished ${s.state}\n`);
});
