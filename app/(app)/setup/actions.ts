"use server";

import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { resumeGuidedSetup, startGuidedSetup } from "@/lib/operations/setup/run-setup";


export const startSetupAction = defineAction(
  {
    name: "setup.request",
    role: "operator",
    // The repository the page shows (its `repo` field): its secrets and variable, its push user.
    repository: true,
    input: z.object({
      confirm: z.literal("apply", { error: "Confirm the setup first." }),
      removeRegionSecret: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
    }),
  },
  async (input, ctx) => {
    const { setupId, plan } = await startGuidedSetup(ctx, { removeRegionSecret: input.removeRegionSecret });
    return { message: `Setup #${setupId} started.`, data: { setupId }, target: `setup ${setupId}`, detail: { steps: plan.steps.map((s) => s.id), removeRegionSecret: input.removeRegionSecret } };
  },
);

// Not repository-scoped: a setup resumes acting from the repository it was started for, from whichever page.
export const resumeSetupAction = defineAction({ name: "setup.request-resume", role: "operator", input: z.object({ setupId: z.coerce.number().int().positive() }) }, async (input, ctx) => {
  await resumeGuidedSetup(ctx, { setupId: input.setupId });
  return { message: `Setup #${input.setupId} resumed.`, target: `setup ${input.setupId}` };
});
