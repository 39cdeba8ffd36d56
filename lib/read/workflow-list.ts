// The repository's workflows (GET /repos/{owner}/{repo}/actions/workflows), cached once per repository for every
// reader that needs it: the Workflows page (the ECR workflow's id) and the scopes part (the ECR workflow's file,
// for its environment). Read separately before, a Fleet of 200 repositories listed each repository's workflows twice.

import { listWorkflows, type WorkflowSummary } from "../integrations/github/workflows";
import type { GitHubClient } from "../integrations/clients/github-client";
import { callApi, type Part } from "../failures";
import { readPart, repoKey, type ReadContext } from "./context";

/** Workflows change with a commit to .github/workflows: five minutes is fresh enough. */
export const WORKFLOW_LIST_TTL_MS = 300_000;

/**
 * The workflows of `ctx.clients.repo` through `github` (the caller's client: the pages' quick one or the posture
 * parts' patient one; whichever asks first fills the cache). A failure is not cached and names "list workflows".
 */
export function readWorkflowList(ctx: Pick<ReadContext, "cache" | "now" | "clients">, github: GitHubClient): Promise<Part<WorkflowSummary[]>> {
  return readPart(ctx, `gh:workflows:${repoKey(ctx)}`, WORKFLOW_LIST_TTL_MS, ["GitHub GET /repos/{owner}/{repo}/actions/workflows"], () =>
    callApi("github", "list workflows", () => listWorkflows({ github, repo: ctx.clients.repo })),
  );
}
