"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { deactivateAccessKey, deleteAccessKeyByHand, reactivateAccessKey } from "@/lib/operations/keys/manage-access-key";

const input = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "Not an access key id"),
  action: z.enum(["deactivate", "reactivate", "delete"]),
  confirm: z.literal("yes", { error: "Confirm first." }),
  confirmPushesStop: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
});

// Acts on a key of the push user of the repository the page shows (`repo`).
export const manageAccessKeyAction = defineAction({ name: "access-key.manage", role: "operator", repository: true, input }, async (i, ctx) => {
  const verb = i.action === "deactivate" ? deactivateAccessKey : i.action === "reactivate" ? reactivateAccessKey : deleteAccessKeyByHand;
  const userName = ctx.repository!.pushUser;
  const r = await verb(ctx, { accessKeyId: i.accessKeyId, confirmPushesStop: i.confirmPushesStop, userName });
  revalidatePath("/credentials");
  return { message: r.message, target: i.accessKeyId, detail: { action: i.action, user: userName, githubMayHold: r.githubMayHold, confirmPushesStop: i.confirmPushesStop } };
});
