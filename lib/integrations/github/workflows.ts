import type { GitHubClient, GitHubRepoRef } from "../clients";

/** A repository workflow as GET /repos/{owner}/{repo}/actions/workflows lists it. */
export interface WorkflowSummary {
  id: number;
  name: string;
  path: string;
  state: string;
  htmlUrl: string;
}

/** Every workflow of the repository (paginated through). */
export async function listWorkflows({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<WorkflowSummary[]> {
  const all = await github.paginate(github.rest.actions.listRepoWorkflows, { ...repo, per_page: 100 });
  return all.map((w) => ({ id: w.id, name: w.name, path: w.path, state: w.state, htmlUrl: w.html_url }));
}

/**
 * The workflow Deckhand calls "the ECR workflow": DECKHAND_WORKFLOW names it, by its display name or
 * its file name (ecr.yml / .github/workflows/ecr.yml). Names are matched exactly first, then
 * case-insensitively, because GitHub shows names as written but people type them loosely.
 */
export function findWorkflowByName(workflows: WorkflowSummary[], wanted: string): WorkflowSummary | null {
  const w = wanted.trim();
  const file = (p: string) => p.split("/").pop() ?? p;
  return (
    workflows.find((x) => x.name === w) ??
    workflows.find((x) => x.path === w || file(x.path) === w) ??
    workflows.find((x) => x.name.toLowerCase() === w.toLowerCase()) ??
    null
  );
}

/**
 * Start a workflow_dispatch run on a ref. GitHub answers 204 with no run id (unless the newer
 * return_run_details flag is honoured), so the caller finds the run by listing afterwards.
 */
export async function dispatchWorkflow({
  github,
  repo,
  workflowId,
  ref,
  inputs,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  workflowId: number | string;
  ref: string;
  inputs?: Record<string, string>;
}): Promise<{ runId: number | null }> {
  const res = await github.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
    ...repo,
    workflow_id: workflowId,
    ref,
    inputs,
    return_run_details: true,
  } as never);
  const data = (res as { data?: unknown }).data as { workflow_run_id?: number } | undefined;
  return { runId: typeof data?.workflow_run_id === "number" ? data.workflow_run_id : null };
}
