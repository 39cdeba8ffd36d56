// Called once from instrumentation.ts: a setup whose process died mid-way (still "running" in the
// store) is resumed; its runner re-runs the step in doubt (each is idempotent) and follows its rotation.

import { resumeOnStart } from "../resume-on-start";
import { resumeInterruptedSetup } from "./run-setup";

export function resumeSetupOnStart(): Promise<void> {
  return resumeOnStart("an interrupted setup", "setup resume", resumeInterruptedSetup);
}
