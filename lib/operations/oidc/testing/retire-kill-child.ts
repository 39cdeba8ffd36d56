// One retire verb in its own process, for the kill tests: the failpoint (DECKHAND_FAILPOINT, "oidc:retire-…") names
// the verb it sits in, and SIGKILLs this process there. The key to delete is the push user's inactive one.

import { deactivateRetiredKey, deleteRetiredKey, deleteRetiredSecrets } from "../retire-key";
import { listPushUserKeys } from "../../keys/manage-access-key";
import { killChildContext, runChildMain } from "../../../tooling/testing/kill-child-support";

runChildMain(async () => {
  const { ctx } = killChildContext();
  const fp = process.env.DECKHAND_FAILPOINT ?? "";
  if (fp.startsWith("oidc:retire-deactivate")) await deactivateRetiredKey(ctx);
  else if (fp.includes("secrets")) await deleteRetiredSecrets(ctx);
  else {
    const key = (await listPushUserKeys(ctx)).find((k) => k.status !== "Active");
    await deleteRetiredKey(ctx, { accessKeyId: key!.accessKeyId });
  }
  process.stdout.write("finished without reaching the failpoint\n");
});
