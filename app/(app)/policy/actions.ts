"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { applyExpectedPolicy } from "@/lib/operations/policy/apply-expected-policy";
import { pushUserScope } from "@/lib/operations/push-user";

export const applyExpectedPolicyAction = defineAction(
  {
    name: "policy.apply-expected",
    role: "operator",
    // The policy of the push user of the repository the page shows (`repo`).
    repository: true,
    input: z.object({ reviewed: z.string().regex(/^[0-9a-f]{32}$/, "Review the diff first"), confirm: z.literal("yes", { error: "Confirm the change" }) }),
  },
  async (input, ctx) => {
    const result = await applyExpectedPolicy(ctx, { reviewed: input.reviewed, userName: pushUserScope(ctx).userName });
    revalidatePath("/policy");
    revalidatePath("/doctor");
    return {
      message: `Applied the expected policy to ${result.userName} (${result.policyName}).`,
      target: `${result.userName}/${result.policyName}`,
      detail: { added: result.addedActions, removed: result.removedActions },
    };
  },
);
