"use server";

import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { resumeOidcMove, startOidcMove } from "@/lib/operations/oidc/apply-oidc-move";

export const startOidcMoveAction = defineAction(
  { name: "oidc.request", role: "operator", input: z.object({ confirm: z.literal("apply", { error: "Confirm the move first." }) }) },
  async (_input, ctx) => {
    const { moveId } = await startOidcMove(ctx);
    return { message: `Move #${moveId} started.`, data: { moveId }, target: `oidc-move ${moveId}` };
  },
);

export const resumeOidcMoveAction = defineAction({ name: "oidc.request-resume", role: "operator", input: z.object({ moveId: z.coerce.number().int().positive() }) }, async (input, ctx) => {
  await resumeOidcMove(ctx, { moveId: input.moveId });
  return { message: `Move #${input.moveId} resumed.`, target: `oidc-move ${input.moveId}` };
});
