// Called once from instrumentation.ts: a move to the OIDC role whose process died mid-way (still "running" in the
// store) is resumed; its runner re-runs the step in doubt (each is idempotent). A retire step a dead process left
// journaled as started but not ended is ended from what IAM and GitHub say now (retire-journal.ts).

import { resumeOnStart } from "../resume-on-start";
import { resumeInterruptedOidcMove } from "./apply-oidc-move";
import { danglingRetireStep, reconcileRetireSteps } from "./retire-journal";
import type { OperationContext } from "../context";

export async function resumeOidcMoveOnStart(): Promise<void> {
  await resumeOnStart("an interrupted move to the OIDC role", "OIDC move resume", resumeInterruptedOidcMove);
  await resumeOnStart("an interrupted retire step of the OIDC move", "OIDC retire journal", async (ctx: OperationContext) => {
    // Only when a step is in doubt: a start reads IAM and GitHub for nothing otherwise.
    if ((["deactivate", "delete-secrets", "delete-key"] as const).some((s) => danglingRetireStep(ctx, s))) await reconcileRetireSteps(ctx);
  });
}
