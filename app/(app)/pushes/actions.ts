"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/infra/actions/action-client";
import { triggerPush, triggerPushInput } from "@/lib/operations/pushes/trigger-push";
import { cancelPushJob, dropBuildCaches, rerunPushJob } from "@/lib/operations/pushes/manage-push-job";
import type { PushJob } from "@/lib/operations/pushes/job-store";
import type { OperationContext } from "@/lib/operations/context";

/** The repository a job builds (jobs without one are the default repository's), for the audit entry. */
const repositoryOf = (ctx: OperationContext, job: Pick<PushJob, "repository">) => job.repository ?? ctx.config.github.repository;

const jobId = z.object({ jobId: z.string().uuid("Not a job id") });

// The form sends one field, "target": a branch name or a commit SHA.
const triggerForm = z
  .object({ target: z.string().trim().min(1, "Name a branch or a commit") })
  .transform(({ target }) => (/^[0-9a-f]{7,40}$/i.test(target) ? { sha: target } : { ref: target }))
  .pipe(triggerPushInput);

// `repo` (hidden field): the repository the Pushes page shows; defineAction refuses one that is not configured.
export const triggerPushAction = defineAction({ name: "push.trigger", role: "operator", input: triggerForm, repository: true }, async (input, ctx) => {
  const out = await triggerPush(ctx, input);
  revalidatePath("/pushes");
  const where = `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`;
  return {
    message: out.duplicate ? `Commit ${out.job.sha.slice(0, 7)} of ${where} is already queued.` : `Queued a push of ${out.job.sha.slice(0, 7)} of ${where}.`,
    data: { jobId: out.job.id },
    target: out.job.id,
    detail: { sha: out.job.sha, branch: out.job.branch, superseded: out.superseded },
  };
});

export const cancelPushJobAction = defineAction({ name: "push.cancel", role: "operator", input: jobId }, async ({ jobId }, ctx) => {
  const out = await cancelPushJob(ctx, jobId);
  revalidatePath("/pushes");
  return { message: out.workerMustStop ? "Cancelling: the worker stops at its next heartbeat." : "Cancelled.", target: jobId };
});

export const rerunPushJobAction = defineAction({ name: "push.rerun", role: "operator", input: jobId }, async ({ jobId }, ctx) => {
  const job = rerunPushJob(ctx, jobId);
  revalidatePath("/pushes");
  return { message: `Queued again as a new job.`, data: { jobId: job.id }, target: job.id, detail: { rerunOf: jobId, sha: job.sha, repository: repositoryOf(ctx, job) } };
});

export const rebuildFreshBasesAction = defineAction({ name: "push.rebuild-fresh-bases", role: "operator", input: jobId }, async ({ jobId }, ctx) => {
  const job = rerunPushJob(ctx, jobId, { freshBases: true });
  revalidatePath("/pushes");
  return {
    message: "Queued again as a new job that pulls every base image again.",
    data: { jobId: job.id },
    target: job.id,
    detail: { rerunOf: jobId, sha: job.sha, freshBases: true, repository: repositoryOf(ctx, job) },
  };
});

export const dropBuildCachesAction = defineAction({ name: "push.drop-build-caches", role: "operator", input: z.object({}) }, async (_input, ctx) => {
  const out = dropBuildCaches(ctx);
  revalidatePath("/pushes");
  return { message: "Each worker drops its build cache before its next job.", target: "build-cache", detail: { requestedAt: out.requestedAt } };
});
