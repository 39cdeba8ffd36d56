import { cache } from "react";
import { appCache } from "@/lib/infra/cache/ttl-cache";
import { getClients } from "@/lib/integrations/clients";
import { getConfig } from "@/lib/infra/config/env";
import { pageGitHub } from "@/lib/read/page-clients";
import { findWorkflowByName, listWorkflows, type WorkflowSummary } from "@/lib/integrations/github/workflows";
import { getJobLog, getRun, listJobs, listRuns, type JobSummary, type RunPage, type RunSummary } from "@/lib/integrations/github/runs";
import { RUNS_CACHE_PREFIX } from "@/lib/operations/workflows/dispatch-workflow";
import type { RunQuery } from "@/lib/judgements/workflows/run-query";

/**
 * The Workflows pages' reads. Runs change by the second, so they are cached briefly under
 * RUNS_CACHE_PREFIX (cleared by dispatch, re-run and the live poller); finished job logs never change.
 */

const repo = () => getClients().repo;

export const loadWorkflows = cache(
  (): Promise<WorkflowSummary[]> => appCache().get("gh:workflows", 300_000, () => listWorkflows({ github: pageGitHub(), repo: repo() })),
);

export const loadEcrWorkflow = cache(async (): Promise<WorkflowSummary | null> => findWorkflowByName(await loadWorkflows(), getConfig().workflowName));

export async function resolveWorkflowId(q: RunQuery): Promise<number | undefined> {
  if (q.workflow === "all") return undefined;
  if (q.workflow !== "ecr") return Number(q.workflow);
  const wf = await loadEcrWorkflow();
  // Without the configured workflow, show every run rather than nothing.
  return wf?.id;
}

export const loadRunPage = cache(async (q: RunQuery): Promise<RunPage> => {
  const workflowId = await resolveWorkflowId(q);
  const key = `${RUNS_CACHE_PREFIX}:list:${workflowId ?? "all"}:${q.status}:${q.branch}:${q.event}:${q.page}`;
  return appCache().get(key, 10_000, () =>
    listRuns({ github: pageGitHub(), repo: repo(), workflowId, filters: { status: q.status, branch: q.branch, event: q.event }, page: q.page, perPage: 30 }),
  );
});

export const loadRun = cache(
  (id: number): Promise<RunSummary | null> => appCache().get(`${RUNS_CACHE_PREFIX}:run:${id}`, 5_000, () => getRun({ github: pageGitHub(), repo: repo(), runId: id })),
);

export const loadJobs = cache(
  (id: number, attempt: number): Promise<JobSummary[]> =>
    appCache().get(`${RUNS_CACHE_PREFIX}:jobs:${id}:${attempt}`, 5_000, () => listJobs({ github: pageGitHub(), repo: repo(), runId: id })),
);

/** A finished job's log is immutable: keep it an hour. Running jobs have no log yet. */
export const loadJobLog = cache(
  (jobId: number): Promise<string | null> => appCache().get(`gh:log:${jobId}`, 3_600_000, () => getJobLog({ github: pageGitHub(), repo: repo(), jobId })),
);
