"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { wholeDaysField } from "@/lib/judgements/form-input";
import { GRACE_DAYS_LIMITS } from "@/lib/operations/rotation/settings-limits";
import { updateRotationSettings } from "@/lib/operations/rotation/store";
import { deleteInactiveSecondKey, deleteOldKeyNow, resumeRotation, startRotation } from "@/lib/operations/rotation/rotate-access-key";
import type { OperationContext } from "@/lib/operations/context";
import { pushUserScope } from "@/lib/operations/push-user";

/** The push user of the repository the page shows (the action's `repo`; checked by defineAction). */
const shownUser = (ctx: OperationContext): string => pushUserScope(ctx).userName;

const rotationId = z.coerce.number().int().positive();

// Starts a rotation of the push user of the repository the page shows (`repo`), from that repository.
export const startRotationAction = defineAction(
  { name: "rotation.request", role: "operator", repository: true, input: z.object({ confirm: z.literal("rotate", { error: "Confirm the rotation first." }) }) },
  async (_input, ctx) => {
    const userName = shownUser(ctx);
    const { rotationId: id } = await startRotation(ctx, { userName });
    // No revalidatePath here: re-rendering the plan would unmount the button that navigates to the
    // rotation (the plan hides it while a rotation is active). The rotation page reads fresh data.
    return { message: `Rotation #${id} of ${userName} started.`, data: { rotationId: id }, target: `rotation ${id}`, detail: { user: userName } };
  },
);

// Resume and the early deletion act on the rotation's recorded user and repository, whatever page shows them.
export const resumeRotationAction = defineAction({ name: "rotation.request-resume", role: "operator", input: z.object({ rotationId }) }, async (input, ctx) => {
  await resumeRotation(ctx, { rotationId: input.rotationId });
  return { message: `Rotation #${input.rotationId} resumed.`, data: { rotationId: input.rotationId }, target: `rotation ${input.rotationId}` };
});

export const deleteOldKeyNowAction = defineAction(
  { name: "rotation.delete-old-key-now", role: "operator", input: z.object({ rotationId, confirm: z.literal("delete", { error: "Confirm the deletion first." }) }) },
  async (input, ctx) => {
    const r = await deleteOldKeyNow(ctx, { rotationId: input.rotationId });
    revalidatePath("/credentials");
    const message = r.oldKeyExisted ? `The old key ${r.oldKeyId} was deleted.` : `The old key ${r.oldKeyId} no longer existed (deleted elsewhere): nothing was left to delete.`;
    return { message, target: `rotation ${r.id}`, detail: { oldKeyId: r.oldKeyId, existed: r.oldKeyExisted } };
  },
);

export const deleteInactiveKeyAction = defineAction(
  {
    name: "rotation.delete-inactive-second-key",
    role: "operator",
    repository: true,
    input: z.object({ accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "Not an access key id"), confirm: z.literal("delete", { error: "Confirm the deletion first." }) }),
  },
  async (input, ctx) => {
    const userName = shownUser(ctx);
    await deleteInactiveSecondKey(ctx, { accessKeyId: input.accessKeyId, userName });
    revalidatePath("/credentials");
    revalidatePath("/credentials/rotation");
    return { message: `Deleted the inactive key ${input.accessKeyId} of ${userName}.`, target: input.accessKeyId, detail: { user: userName } };
  },
);

export const updateRotationSettingsAction = defineAction(
  {
    name: "rotation.update-settings",
    role: "operator",
    input: z.object({
      graceDays: wholeDaysField(GRACE_DAYS_LIMITS),
      autoRotate: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
    }),
  },
  async (input, { db, actor }) => {
    const changed = updateRotationSettings(db, actor, input);
    revalidatePath("/credentials/rotation");
    return { message: Object.keys(changed).length ? "Rotation settings saved." : "Nothing changed.", target: "rotation settings", detail: { changed } };
  },
);
