// The few recent workflow runs the doctor and the key correlation need, with the failing steps' log tails.
// Kept here (not in lib/integrations/github/workflows*) because it reads only what the posture judgements use.

import type { GitHubClient, GitHubRepoRef } from "../integrations/clients/github-client";
import type { FailingStep, WorkflowRunInfo } from "../judgements/posture/types";

const LOG_TAIL_CHARS = 4000;

export async function listRecentRuns({ github, repo, count = 30 }: { github: GitHubClient; repo: GitHubRepoRef; count?: number }): Promise<WorkflowRunInfo[]> {
  const r = await github.rest.actions.listWorkflowRunsForRepo({ ...repo, per_page: Math.min(100, count) });
  return r.data.workflow_runs.map((run) => ({
    id: run.id,
    name: run.name ?? undefined,
    createdAt: run.created_at,
    updatedAt: run.updated_at,
    status: run.status ?? undefined,
    conclusion: run.conclusion ?? null,
    headSha: run.head_sha,
    headBranch: run.head_branch ?? undefined,
    event: run.event,
    htmlUrl: run.html_url,
  }));
}

/** The failed jobs of a run with the tail of each one's log (GitHub redirects the log download; fetch follows). */
export async function listFailingSteps({ github, repo, runId }: { github: GitHubClient; repo: GitHubRepoRef; runId: number }): Promise<FailingStep[]> {
  const jobs = await github.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: runId, filter: "latest", per_page: 100 });
  const failed = jobs.data.jobs.filter((j) => j.conclusion === "failure");
  return Promise.all(
    failed.map(async (job) => {
      const step = job.steps?.find((s) => s.conclusion === "failure");
      const log = await github.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: job.id });
      const text = typeof log.data === "string" ? log.data : String(log.data ?? "");
      return { job: job.name, step: step?.name ?? "(unknown step)", log: text.slice(-LOG_TAIL_CHARS) };
    }),
  );
}

/** Recent runs, with failing steps filled in for the newest few failures. */
export async function listRecentRunsWithFailures({ github, repo, count = 30, failuresToRead = 3 }: { github: GitHubClient; repo: GitHubRepoRef; count?: number; failuresToRead?: number }): Promise<WorkflowRunInfo[]> {
  const runs = await listRecentRuns({ github, repo, count });
  const failures = runs.filter((r) => r.conclusion === "failure").slice(0, failuresToRead);
  await Promise.all(failures.map(async (run) => (run.failingSteps = await listFailingSteps({ github, repo, runId: run.id }))));
  return runs;
}
