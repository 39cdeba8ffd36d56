// An OIDC move in its own process, for the kill tests: DECKHAND_FAILPOINT makes it SIGKILL itself inside or right
// after a step ("oidc:in-STEP", "oidc:in-STEP-called", "oidc:after-STEP").

import { startOidcMove } from "../apply-oidc-move";
import { killChildContext, runChildMain } from "../../../tooling/testing/kill-child-support";

runChildMain(async () => {
  const { ctx } = killChildContext();
  const { moveId, done } = await startOidcMove(ctx);
  process.stdout.write(`move ${moveId}\n`);
  const m = await done;
  process.stdout.write(`finished ${m.state}\n`);
});
