// Called once from instrumentation.ts: a move to the OIDC role whose process died mid-way (still "running" in the
// store) is resumed; its runner re-runs the step in doubt (each is idempotent).

import { resumeOnStart } from "../resume-on-start";
import { resumeInterruptedOidcMove } from "./apply-oidc-move";

export function resumeOidcMoveOnStart(): Promise<void> {
  return resumeOnStart("an interrupted move to the OIDC role", "OIDC move resume", resumeInterruptedOidcMove);
}
