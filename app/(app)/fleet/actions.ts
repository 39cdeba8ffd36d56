"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { IAM_USER_NAME } from "@/lib/judgements/fleet/push-user-precedence";
import { adoptPushUser, stopUsingAdoptedPushUser } from "@/lib/operations/fleet/adopt-push-user";

const userName = z.string().trim().regex(IAM_USER_NAME, "Name an IAM user (1 to 64 letters, digits and +=,.@_-)");

// `repo`: the served repository (defineAction refuses one Deckhand does not serve); the verb checks it again, with
// the configuration, IAM and CloudTrail read afresh.
export const adoptPushUserAction = defineAction(
  { name: "fleet.adopt-push-user", role: "operator", input: z.object({ userName, confirm: z.literal("adopt", { message: "Confirm the push user" }) }), repository: true },
  async ({ userName }, ctx) => {
    const out = await adoptPushUser(ctx, { repository: ctx.repository!.repository, userName });
    revalidatePath("/fleet");
    return {
      message: `${out.repository} is served with push user ${out.userName} now (was ${out.previous}): CloudTrail named it as the signer of run #${out.runId}.`,
      target: out.repository,
      detail: { userName: out.userName, previous: out.previous, runId: out.runId },
    };
  },
);

export const stopUsingPushUserAction = defineAction(
  { name: "fleet.stop-adopted-push-user", role: "operator", input: z.object({ userName, confirm: z.literal("stop", { message: "Confirm going back to the default push user" }) }), repository: true },
  async ({ userName }, ctx) => {
    const out = stopUsingAdoptedPushUser(ctx, { repository: ctx.repository!.repository, userName });
    revalidatePath("/fleet");
    return {
      message: `${out.repository} no longer uses ${out.userName}${out.back ? `: its push user is ${out.back} again` : ""}.`,
      target: out.repository,
      detail: { userName: out.userName, back: out.back },
    };
  },
);
