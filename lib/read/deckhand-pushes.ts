// The "Deckhand pushes" page (the two-pushers finding's first way out): the ECR workflow as it is on the default
// branch, the change that stops it pushing (judgements/workflows/deckhand-pushes.ts) as a diff, and the pull request
// Deckhand opened for it, if one is open. Not cached: the page is opened on purpose and must show the file as it
// is now; the verb that opens the pull request plans from the same `planWorkflowChange`.

import { findWorkflowByName, listWorkflows } from "../integrations/github/workflows";
import { findOpenPullRequest, readDefaultBranch, readRepositoryFile, type PullRequestSummary } from "../integrations/github/pull-requests";
import { planDeckhandPushes, type DeckhandPushesPlan } from "../judgements/workflows/deckhand-pushes";
import { unifiedDiff } from "../judgements/workflows/unified-diff";
import { callApi, toPart, type Part } from "../failures";
import type { GitHubClient, GitHubRepoRef } from "../integrations/clients";
import type { ReadContext } from "./context";
import { lastFinishedJobOf } from "../operations/pushes/job-store";
import { getWebhookPushes } from "../operations/settings/webhook-pushes";

/** The branch Deckhand proposes the change from; never the default branch. */
export const DECKHAND_PUSHES_BRANCH = "deckhand/deckhand-pushes";

export interface WorkflowChange {
  workflow: { name: string; path: string };
  /** The default branch: where the workflow is read from and what the pull request targets. */
  baseBranch: string;
  /** The workflow file's text and blob sha on the base branch. */
  before: { text: string; sha: string };
  plan: DeckhandPushesPlan;
  /** Unified diff of the change ("" when refused). */
  diff: string;
}

export type WorkflowChangeLookup = { found: true; change: WorkflowChange } | { found: false; reason: string };

/**
 * Read the ECR workflow (DECKHAND_WORKFLOW) on the default branch and plan the change. `found: false` says why
 * there is nothing to plan (no such workflow, its file is gone). Throws CallFailure when GitHub fails.
 */
export async function planWorkflowChange({ github, repo, workflowName }: { github: GitHubClient; repo: GitHubRepoRef; workflowName: string }): Promise<WorkflowChangeLookup> {
  const workflows = await callApi("github", "list workflows", () => listWorkflows({ github, repo }));
  const wf = findWorkflowByName(workflows, workflowName);
  if (!wf) return { found: false, reason: `No workflow named “${workflowName}” (DECKHAND_WORKFLOW) in ${repo.owner}/${repo.repo}.` };
  const baseBranch = await readDefaultBranch({ github, repo });
  const file = await readRepositoryFile({ github, repo, path: wf.path, ref: baseBranch });
  if (!file) return { found: false, reason: `The workflow file ${wf.path} is not on ${baseBranch} any more: nothing to change.` };
  const plan = planDeckhandPushes(file.text);
  const diff = plan.ok ? unifiedDiff(wf.path, file.text, plan.after) : "";
  return { found: true, change: { workflow: { name: wf.name, path: wf.path }, baseBranch, before: file, plan, diff } };
}

export interface DeckhandPushesPreview {
  lookup: WorkflowChangeLookup;
  branch: string;
  /** The pull request Deckhand already opened from its branch, if one is open. */
  openPullRequest: PullRequestSummary | null;
  /**
   * Whether Deckhand would build this repository's commits once the workflow stops pushing: webhook pushes on
   * (Settings), and its newest finished push job for the repository (null: it never built one).
   */
  deckhandBuilds: { webhookPushes: boolean; lastJob: { id: string; state: string; sha: string; finishedAt: string | null } | null };
}

/**
 * The page's data: the planned change, the open pull request and whether Deckhand builds the repository's commits,
 * or the failure that kept them away. `isDefault`: the repository is the default one (it also owns the jobs stored
 * without a repository, queued before Deckhand served several).
 */
export async function readDeckhandPushesPreview(
  ctx: Pick<ReadContext, "quickGitHub" | "clients" | "workflowName" | "db">,
  { isDefault }: { isDefault: boolean },
): Promise<Part<DeckhandPushesPreview>> {
  const github = ctx.quickGitHub;
  const repo = ctx.clients.repo;
  return toPart(
    [
      "GitHub GET /repos/{owner}/{repo}/actions/workflows",
      "GitHub GET /repos/{owner}/{repo}/contents/{path}",
      "GitHub GET /repos/{owner}/{repo}/pulls",
    ],
    async () => {
      const [lookup, openPullRequest] = await Promise.all([
        planWorkflowChange({ github, repo, workflowName: ctx.workflowName }),
        findOpenPullRequest({ github, repo, head: DECKHAND_PUSHES_BRANCH }),
      ]);
      const job = lastFinishedJobOf(ctx.db, `${repo.owner}/${repo.repo}`, isDefault);
      const lastJob = job ? { id: job.id, state: job.state, sha: job.sha, finishedAt: job.finishedAt } : null;
      return { lookup, branch: DECKHAND_PUSHES_BRANCH, openPullRequest, deckhandBuilds: { webhookPushes: getWebhookPushes(ctx.db), lastJob } };
    },
  );
}
