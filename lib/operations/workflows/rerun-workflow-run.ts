import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { invalidateRuns } from "../../read/workflows";
import { getRun, rerunFailedJobs } from "../../integrations/github/runs";
import type { OperationContext } from "../context";

/**
 * Re-run the failed jobs of a completed, failed run. The state is checked first so the operator gets
 * a clear answer instead of GitHub's 403 ("already running" / "no failed jobs").
 */
export async function rerunFailedWorkflowRun(ctx: OperationContext, input: { runId: number }): Promise<{ runId: number; attempt: number }> {
  const { github, repo } = ctx.clients;
  try {
    const run = await getRun({ github, repo, runId: input.runId });
    if (!run) throw new SafeError(`Run ${input.runId} was not found in ${repo.owner}/${repo.repo}.`, "not-found");
    if (run.status !== "completed") throw new SafeError("This run is still in progress; wait for it to finish.", "in-progress");
    if (run.conclusion === "success") throw new SafeError("This run succeeded: there are no failed jobs to re-run.", "nothing-failed");
    await rerunFailedJobs({ github, repo, runId: input.runId });
    return { runId: input.runId, attempt: run.runAttempt + 1 };
  } catch (err) {
    throw callFailed(err, "github", "re-run failed jobs");
  } finally {
    invalidateRuns(ctx.cache);
  }
}
