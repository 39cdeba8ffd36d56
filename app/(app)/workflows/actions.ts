"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { optionalRefField } from "@/lib/judgements/form-input";
import { dispatchWorkflowRun } from "@/lib/operations/workflows/dispatch-workflow";
import { rerunFailedWorkflowRun } from "@/lib/operations/workflows/rerun-workflow-run";
import { openDeckhandPushesPullRequest } from "@/lib/operations/workflows/open-deckhand-pushes-pull-request";


export const dispatchWorkflowAction = defineAction(
  { name: "workflows.dispatch", role: "operator", input: z.object({ ref: optionalRefField }), repository: true },
  async (input, ctx) => {
    const r = await dispatchWorkflowRun(ctx, { ref: input.ref || undefined });
    revalidatePath("/workflows");
    revalidatePath("/");
    return {
      message: `Dispatched “${r.workflowName}” on ${r.ref} in ${ctx.clients.repo.owner}/${ctx.clients.repo.repo}.`,
      data: { runId: r.runId },
      target: `${r.workflowName}@${r.ref}`,
      detail: { workflowId: r.workflowId, ref: r.ref, runId: r.runId },
    };
  },
);

export const rerunFailedAction = defineAction(
  { name: "workflows.rerun-failed", role: "operator", input: z.object({ runId: z.coerce.number().int().positive() }), repository: true },
  async (input, ctx) => {
    const r = await rerunFailedWorkflowRun(ctx, { runId: input.runId });
    revalidatePath("/workflows");
    revalidatePath(`/workflows/runs/${input.runId}`);
    return { message: `Re-running the failed jobs (attempt ${r.attempt}).`, data: { runId: r.runId }, target: `run ${r.runId}`, detail: { attempt: r.attempt } };
  },
);

/** "Deckhand pushes": open the pull request that takes the ECR push out of the workflow (the page shows the diff first). */
export const openDeckhandPushesAction = defineAction(
  { name: "workflows.deckhand-pushes", role: "operator", input: z.object({ confirm: z.literal("open-pull-request", { error: "Confirm with the button on the page." }) }), repository: true },
  async (_input, ctx) => {
    const r = await openDeckhandPushesPullRequest(ctx);
    revalidatePath("/workflows/deckhand-pushes");
    return {
      message: r.created ? `Opened pull request #${r.pullRequest.number}.` : `Pull request #${r.pullRequest.number} was already open.`,
      data: { url: r.pullRequest.url, number: r.pullRequest.number },
      target: `pull request #${r.pullRequest.number}`,
      detail: { created: r.created, branch: r.pullRequest.headRef, base: r.pullRequest.baseRef, path: r.path, change: r.change },
    };
  },
);
