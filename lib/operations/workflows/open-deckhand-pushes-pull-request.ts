import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import {
  createBranch,
  deleteRepositoryFile,
  findOpenPullRequest,
  githubStatusOf,
  moveBranch,
  openPullRequest,
  readBranchSha,
  readRepositoryFile,
  writeRepositoryFile,
  type PullRequestSummary,
} from "../../integrations/github/pull-requests";
import type { RemovedPart } from "../../judgements/workflows/deckhand-pushes";
import { DECKHAND_PUSHES_BRANCH, planWorkflowChange, type WorkflowChange } from "../../read/deckhand-pushes";
import type { OperationContext } from "../context";

export interface DeckhandPushesOutcome {
  pullRequest: PullRequestSummary;
  /** false when an open pull request from Deckhand's branch already existed and is returned as it is. */
  created: boolean;
  path: string;
  change: "edit" | "delete" | null;
}

/** The pull request's description: why, what goes, and where to read more. Markdown, as GitHub renders it. */
export function pullRequestBody(change: WorkflowChange, removed: RemovedPart[], deckhandUrl: string): string {
  const lines = [
    `Both this repository's workflow **${change.workflow.name}** (\`${change.workflow.path}\`) and Deckhand's worker push the same ECR repositories. Their builds differ, so neither can skip an unchanged image, and \`latest\` flips between the two images on every commit.`,
    "",
    "Deckhand's worker builds each commit GitHub's push webhook announces and pushes the images that changed, so this change stops the workflow from pushing:",
    "",
    ...removed.map((r) => `- ${r.job === "*" ? "" : `\`${r.job}\`${r.step ? ` › ${r.step}` : ""}: `}${r.why}`),
    "",
    "Everything else in the workflow (tests, checkout and any step Deckhand did not recognise as part of the push) stays as it is.",
    "",
    `Opened from Deckhand (${deckhandUrl}/workflows/deckhand-pushes) at an operator's request; review the diff before merging. To keep the workflow as the pusher instead, close this pull request and turn Deckhand's webhook pushes off in Settings (${deckhandUrl}/settings).`,
  ];
  return lines.join("\n");
}

const TITLE = "Deckhand pushes: stop pushing to ECR from the workflow";

/**
 * Open (or return) the pull request that takes the ECR push out of the workflow, from branch
 * `deckhand/deckhand-pushes` into the default branch. Never writes the default branch. Idempotent: an open pull
 * request from that branch is returned as is; a leftover branch without one is reset to the default branch's head
 * before the change is committed on it. Throws SafeError `workflow-not-found`, `workflow-change-refused` (the
 * judgement's reason, safe to show), or a failed GitHub call (`callFailed`).
 */
export async function openDeckhandPushesPullRequest(ctx: OperationContext): Promise<DeckhandPushesOutcome> {
  const { github, repo } = ctx.clients;
  const existing = await findOpenPullRequest({ github, repo, head: DECKHAND_PUSHES_BRANCH }).catch((err: unknown) => {
    throw callFailed(err, "github", "list pull requests");
  });
  const lookup = await planWorkflowChange({ github, repo, workflowName: ctx.config.workflowName }).catch((err: unknown) => {
    throw callFailed(err, "github", "read the workflow");
  });
  if (existing) return { pullRequest: existing, created: false, path: lookup.found ? lookup.change.workflow.path : "", change: null };
  if (!lookup.found) throw new SafeError(lookup.reason, "workflow-not-found");
  const { change } = lookup;
  if (!change.plan.ok) throw new SafeError(change.plan.reason, "workflow-change-refused");
  const plan = change.plan;
  try {
    const baseSha = await readBranchSha({ github, repo, branch: change.baseBranch });
    if (!baseSha) throw new SafeError(`The default branch ${change.baseBranch} is gone.`, "not-found");
    const branchSha = await readBranchSha({ github, repo, branch: DECKHAND_PUSHES_BRANCH });
    // No pull request is open from it, so nobody reviews it: a leftover branch starts again from the base.
    if (branchSha === null) await createBranch({ github, repo, branch: DECKHAND_PUSHES_BRANCH, sha: baseSha });
    else if (branchSha !== baseSha) await moveBranch({ github, repo, branch: DECKHAND_PUSHES_BRANCH, sha: baseSha, force: true });
    const onBranch = await readRepositoryFile({ github, repo, path: change.workflow.path, ref: DECKHAND_PUSHES_BRANCH });
    if (!onBranch || onBranch.sha !== change.before.sha) throw new SafeError("The workflow changed while Deckhand prepared the pull request; try again.", "conflict");
    const message = plan.change === "delete" ? `Remove ${change.workflow.path}: Deckhand pushes the images` : `${change.workflow.path}: stop pushing to ECR, Deckhand pushes the images`;
    try {
      if (plan.change === "delete") await deleteRepositoryFile({ github, repo, branch: DECKHAND_PUSHES_BRANCH, path: change.workflow.path, message, sha: onBranch.sha });
      else await writeRepositoryFile({ github, repo, branch: DECKHAND_PUSHES_BRANCH, path: change.workflow.path, text: plan.after, message, sha: onBranch.sha });
    } catch (err) {
      // GitHub hides workflow files from tokens that may not change them: 404 without the `workflow` scope, 403
      // for a fine-grained token without Workflows: write (docs: "Scopes for OAuth apps", fine-grained permissions).
      const status = githubStatusOf(err);
      if (status === 404 || status === 403) {
        throw new SafeError(
          `GitHub refused Deckhand's token a change to ${change.workflow.path}: changing workflow files needs the \`workflow\` scope (classic or OAuth token) or Workflows: write (fine-grained token). Nothing was opened; the branch ${DECKHAND_PUSHES_BRANCH} holds no change.`,
          "missing-permission",
          { cause: err },
        );
      }
      throw err;
    }
    let pullRequest: PullRequestSummary;
    try {
      pullRequest = await openPullRequest({ github, repo, head: DECKHAND_PUSHES_BRANCH, base: change.baseBranch, title: TITLE, body: pullRequestBody(change, plan.removed, ctx.config.url) });
    } catch (err) {
      // Another request opened it a moment ago: that one is the answer.
      const raced = githubStatusOf(err) === 422 ? await findOpenPullRequest({ github, repo, head: DECKHAND_PUSHES_BRANCH }) : null;
      if (!raced) throw err;
      return { pullRequest: raced, created: false, path: change.workflow.path, change: plan.change };
    }
    return { pullRequest, created: true, path: change.workflow.path, change: plan.change };
  } catch (err) {
    if (err instanceof SafeError) throw err;
    throw callFailed(err, "github", "open the pull request");
  }
}
