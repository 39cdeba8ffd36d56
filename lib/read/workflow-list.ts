// The repository's workflows (GET /repos/{owner}/{repo}/actions/workflows), cached once per repository for every
// reader that needs it: the Workflows page (the ECR workflow's id) and the scopes part (the ECR workflow's file,
// for its environment). Read separately before, a Fleet of 200 repositories listed each repository's workflows twice.

import { findWorkflowByName, listWorkflows, type WorkflowSummary } from "../integrations/github/workflows";
import { readRepoFile } from "../integrations/github/scoped-secrets";
import type { GitHubClient } from "../integrations/clients/github-client";
import { CallFailure, callApi, type Part } from "../failures";
import { READ_CACHE_PREFIXES, readPart, repoKey, type ReadContext } from "./context";

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

/** The posture parts' lifetime (POSTURE_TTL_MS): the file is read again as often as what it is judged with. */
const ECR_WORKFLOW_FILE_TTL_MS = 30_000;

/**
 * The ECR workflow's file (the workflow `ctx.workflowName` names, found in the cached list), read once per repository
 * for every reader of it: the scopes part (the job's environment) and the Doctor's mode (does it assume a role?).
 * Null when there is no such workflow; `text` null when the file could not be read as text (missing, too large).
 * A failed call is the part's failure, not cached.
 */
export function readEcrWorkflowFile(
  ctx: Pick<ReadContext, "cache" | "now" | "clients" | "ttlMs"> & Partial<Pick<ReadContext, "workflowName">>,
  github: GitHubClient,
): Promise<Part<{ path: string; text: string | null } | null>> {
  const key = `${READ_CACHE_PREFIXES.posture}ecr-workflow-file:${repoKey(ctx)}:${ctx.workflowName ?? ""}|`;
  return readPart(ctx, key, ctx.ttlMs ?? ECR_WORKFLOW_FILE_TTL_MS, ["GitHub GET /repos/{owner}/{repo}/actions/workflows", "GitHub GET /repos/{owner}/{repo}/contents/{path}"], async () => {
    if (!ctx.workflowName) return null;
    const list = await readWorkflowList(ctx, github);
    if (!list.ok) throw new CallFailure(list.failure);
    const workflow = findWorkflowByName(list.data, ctx.workflowName);
    if (!workflow) return null;
    const text = await callApi("github", `read ${workflow.path}`, () => readRepoFile({ github, repo: ctx.clients.repo, path: workflow.path }));
    return { path: workflow.path, text };
  });
}
