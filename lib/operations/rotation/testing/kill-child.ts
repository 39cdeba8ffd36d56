// A rotation in its own process, for the kill tests: DECKHAND_FAILPOINT makes it SIGKILL itself right
// after a step is persisted. Talks to the sandbox and store of the test that started it.

import { startRotation } from "../rotate-access-key";
import { killChildContext, runChildMain } from "../../../tooling/testing/kill-child-support";

runChildMain(async () => {
  const { ctx, rotation } = killChildContext();
  const { rotationId, done } = await startRotation(ctx, {}, rotation);
  process.stdout.write(`rotation ${rotationId}\n`);
  const r = await done;
  process.stdout.write(`finished ${r.state}\n`);
});
