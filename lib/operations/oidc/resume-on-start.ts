// Called once from instrumentation.ts: a move to the OIDC role whose process died mid-way (still "running" in the
// store) is resumed, whichever served repository it belongs to; its runner re-runs the step in doubt (each is
// idempotent). A retire step a dead process left journaled as started but not ended is ended, per repository, from
// what IAM and GitHub say now (retire-journal.ts).

import { describeFailure } from "../../failures";
import { resumeOnStart } from "../resume-on-start";
import { actingFrom } from "../push-user";
import { resumeInterruptedOidcMoves } from "./apply-oidc-move";
import { danglingRetireStep, reconcileRetireSteps, RETIRE_STEPS } from "./retire-journal";
import { oidcMoveRepositories } from "./store";
import type { OperationContext } from "../context";

/**
 * End the retire steps in doubt of every repository that had a move (only where a step is in doubt: a start reads
 * IAM and GitHub for nothing otherwise). One repository's failure is logged and does not stop the others'.
 */
export async function reconcileRetireStepsOnStart(ctx: OperationContext): Promise<void> {
  for (const name of oidcMoveRepositories(ctx.db)) {
    let scoped: OperationContext;
    try {
      scoped = actingFrom(ctx, name);
    } catch {
      continue; // No longer served: nothing of it is acted on.
    }
    if (!RETIRE_STEPS.some((s) => danglingRetireStep(scoped, s))) continue;
    await reconcileRetireSteps(scoped).catch((err: unknown) => {
      console.error(`[deckhand] could not settle the interrupted retire step of ${name}: ${describeFailure(err, "deckhand", "OIDC retire journal").message}`);
    });
  }
}

export async function resumeOidcMoveOnStart(): Promise<void> {
  await resumeOnStart("an interrupted move to the OIDC role", "OIDC move resume", resumeInterruptedOidcMoves);
  await resumeOnStart("an interrupted retire step of the OIDC move", "OIDC retire journal", reconcileRetireStepsOnStart);
}
