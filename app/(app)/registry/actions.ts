"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { reassignEcrOwner, releaseEcrRepositoryOwner } from "@/lib/operations/pushes/manage-ecr-owner";

const ecrRepository = z.string().trim().min(1, "Name an ECR repository").max(256);

// `repo`: the served repository that owns the ECR repository from now on (defineAction refuses one Deckhand does not serve).
export const reassignEcrOwnerAction = defineAction(
  { name: "ecr-owner.reassign", role: "operator", input: z.object({ ecrRepository, confirm: z.literal("reassign", { message: "Confirm the reassignment" }) }), repository: true },
  async ({ ecrRepository }, ctx) => {
    const out = await reassignEcrOwner(ctx, { ecrRepository });
    revalidatePath("/registry");
    return {
      message: `ECR repository ${ecrRepository} is owned by ${out.owner} now${out.previous ? ` (was ${out.previous.sourceRepository})` : ""}.`,
      target: ecrRepository,
      detail: { owner: out.owner, previous: out.previous?.sourceRepository ?? null },
    };
  },
);

export const releaseEcrOwnerAction = defineAction(
  { name: "ecr-owner.release", role: "operator", input: z.object({ ecrRepository, confirm: z.literal("release", { message: "Confirm the release" }) }) },
  async ({ ecrRepository }, ctx) => {
    const out = await releaseEcrRepositoryOwner(ctx, { ecrRepository });
    revalidatePath("/registry");
    return {
      message: `ECR repository ${ecrRepository} is not claimed now (was ${out.previous.sourceRepository}); the next push decides again.`,
      target: ecrRepository,
      detail: { previous: out.previous.sourceRepository },
    };
  },
);
