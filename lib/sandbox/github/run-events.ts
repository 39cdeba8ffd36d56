import type { SandboxContext } from "../context";
import { dispatchEvent } from "./hooks";
import { payloadParts } from "./payload-parts";
import type { Repo } from "./repos";
import { findRun, jobJson, jobsOfRun, runJson } from "./runs-store";
import { listWorkflows, workflowJson } from "./workflows";

/**
 * `workflow_run` (requested / in_progress / completed) and `workflow_job` (queued / in_progress / completed)
 * events for hooks that subscribe to them, sent as GitHub sends them while a run advances.
 */
export function emitRunEvents(ctx: SandboxContext, repo: Repo, runId: number, runAction: "requested" | "in_progress" | "completed"): void {
  const run = findRun(ctx, repo.id, runId);
  const workflow = run && listWorkflows(ctx, repo.id).find((w) => w.id === run.workflow_id);
  if (!run || !workflow) return;
  const { repository, sender } = payloadParts(ctx, repo, run.triggering_actor);
  const workflowRun = runJson(ctx, repo, run, workflow);
  dispatchEvent(ctx, repo.id, "workflow_run", { action: runAction, workflow_run: workflowRun, workflow: workflowJson(ctx, repo, workflow), repository, sender });
  const jobAction = runAction === "requested" ? "queued" : runAction;
  for (const job of jobsOfRun(ctx, run, false)) {
    dispatchEvent(ctx, repo.id, "workflow_job", { action: jobAction, workflow_job: jobJson(ctx, repo, run, job, workflow.name), repository, sender });
  }
}
