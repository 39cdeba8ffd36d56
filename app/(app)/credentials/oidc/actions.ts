"use server";

import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { resumeOidcMove, startOidcMove } from "@/lib/operations/oidc/apply-oidc-move";
import { deactivateRetiredKey, deleteRetiredKey, deleteRetiredSecrets, reactivateRetiredKey } from "@/lib/operations/oidc/retire-key";

export const startOidcMoveAction = defineAction(
  { name: "oidc.request", role: "operator", input: z.object({ confirm: z.literal("apply", { error: "Confirm the move first." }) }), repository: true },
  async (_input, ctx) => {
    const { moveId } = await startOidcMove(ctx);
    return { message: `Move #${moveId} started.`, data: { moveId }, target: `oidc-move ${moveId}` };
  },
);

export const resumeOidcMoveAction = defineAction({ name: "oidc.request-resume", role: "operator", input: z.object({ moveId: z.coerce.number().int().positive() }), repository: true }, async (input, ctx) => {
  await resumeOidcMove(ctx, { moveId: input.moveId });
  return { message: `Move #${input.moveId} resumed.`, target: `oidc-move ${input.moveId}` };
});

export const deactivateRetiredKeyAction = defineAction(
  { name: "oidc.retire-deactivate", role: "operator", input: z.object({ confirm: z.literal("deactivate", { error: "Confirm first." }) }), repository: true },
  async (_input, ctx) => {
    const r = await deactivateRetiredKey(ctx);
    return { message: r.message, target: r.keys.join(", "), detail: { keys: r.keys } };
  },
);

export const deleteRetiredSecretsAction = defineAction(
  { name: "oidc.retire-delete-secrets", role: "operator", input: z.object({ confirm: z.literal("delete-secrets", { error: "Confirm first." }) }), repository: true },
  async (_input, ctx) => {
    const r = await deleteRetiredSecrets(ctx);
    return { message: r.message, target: "repository secrets", detail: { deleted: r.deleted } };
  },
);

const keyId = z.string().regex(/^AKIA[A-Z0-9]{16}$/, { error: "Not an access key id." });

export const reactivateRetiredKeyAction = defineAction({ name: "oidc.retire-reactivate", role: "operator", input: z.object({ accessKeyId: keyId }), repository: true }, async (input, ctx) => {
  const r = await reactivateRetiredKey(ctx, { accessKeyId: input.accessKeyId });
  return { message: r.message, target: input.accessKeyId };
});

export const deleteRetiredKeyAction = defineAction(
  { name: "oidc.retire-delete-key", role: "operator", input: z.object({ accessKeyId: keyId, confirm: z.literal("delete-key", { error: "Confirm first." }) }), repository: true },
  async (input, ctx) => {
    const r = await deleteRetiredKey(ctx, { accessKeyId: input.accessKeyId });
    return { message: r.message, target: input.accessKeyId };
  },
);
