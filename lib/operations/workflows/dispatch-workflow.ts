import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { invalidateRuns } from "../../read/workflows";
import { dispatchWorkflow, findWorkflowByName, listWorkflows } from "../../integrations/github/workflows";
import { getDefaultBranch } from "../../integrations/github/commits";
import type { OperationContext } from "../context";

export interface DispatchResult {
  workflowId: number;
  workflowName: string;
  ref: string;
  /** Present when GitHub returned the new run's id (return_run_details). */
  runId: number | null;
}

/**
 * Start the ECR workflow (DECKHAND_WORKFLOW) on a branch, as the operator asked. GitHub refuses
 * workflows without a workflow_dispatch trigger (422): that is said plainly.
 */
export async function dispatchWorkflowRun(ctx: OperationContext, input: { ref?: string }): Promise<DispatchResult> {
  const { github, repo } = ctx.clients;
  let workflows;
  try {
    workflows = await listWorkflows({ github, repo });
  } catch (err) {
    throw callFailed(err, "github", "list workflows");
  }
  const wf = findWorkflowByName(workflows, ctx.config.workflowName);
  if (!wf) throw new SafeError(`No workflow named “${ctx.config.workflowName}” in ${repo.owner}/${repo.repo}. Check DECKHAND_WORKFLOW.`, "workflow-not-found");
  let ref = input.ref?.trim();
  if (!ref) {
    try {
      ref = ctx.config.github.branch ?? (await getDefaultBranch({ github, repo }));
    } catch (err) {
      throw callFailed(err, "github", "get repository");
    }
  }
  try {
    const { runId } = await dispatchWorkflow({ github, repo, workflowId: wf.id, ref });
    return { workflowId: wf.id, workflowName: wf.name, ref, runId };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 422) {
      const text = String((err as Error).message ?? "");
      if (/workflow_dispatch/i.test(text)) throw new SafeError(`“${wf.name}” has no workflow_dispatch trigger: add \`workflow_dispatch:\` under \`on:\` to run it by hand.`, "not-dispatchable", { cause: err });
      throw new SafeError(`GitHub found no branch or tag “${ref}”.`, "bad-ref", { cause: err });
    }
    throw callFailed(err, "github", "dispatch workflow");
  } finally {
    invalidateRuns(ctx.cache);
  }
}
