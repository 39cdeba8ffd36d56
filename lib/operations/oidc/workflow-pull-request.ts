// The move's last step: a pull request that changes the ECR workflow to assume the role. The change is committed
// to OIDC_BRANCH, never to the default branch. Idempotent for a resume: an open pull request from the branch is
// returned; a branch already holding the planned file is reused; a leftover branch holding anything else is reset
// to the default branch's head first. The file on the default branch must still be the one the operator reviewed:
// if it changed, the step stops and asks for a new review (the diff shown was the diff applied).

import {
  createBranch,
  findOpenPullRequest,
  githubStatusOf,
  moveBranch,
  openPullRequest,
  readBranchSha,
  readDefaultBranch,
  readRepositoryFile,
  writeRepositoryFile,
  type PullRequestSummary,
} from "../../integrations/github/pull-requests";
import type { Clients } from "../../integrations/clients";
import { OIDC_BRANCH, type OidcMovePlan } from "./types";

export class StaleReviewError extends Error {}

function body(p: OidcMovePlan): string {
  return [
    `Deckhand moves this repository's ECR workflow from the long-lived access key to GitHub's OIDC role \`${p.roleArn}\`.`,
    "",
    "- `permissions: id-token: write` lets the job ask GitHub for an ID token.",
    "- `aws-actions/configure-aws-credentials` exchanges it for the role's temporary credentials (`role-to-assume`), in the region of the `AWS_REGION` variable.",
    "- The two secrets `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are no longer used; Deckhand retires them only after the role is proven and the key has gone unused for the grace period.",
    "",
    `The role trusts only these subjects: ${p.subjects.map((s) => `\`${s.value}\``).join(", ")}.`,
  ].join("\n");
}

/** Open (or find) the pull request. Returns null when the workflow already uses the role (nothing to change). */
export async function openWorkflowPullRequest({ clients, plan }: { clients: Pick<Clients, "github" | "repo">; plan: OidcMovePlan }): Promise<{ pullRequest: PullRequestSummary; created: boolean } | null> {
  const { github, repo } = clients;
  const open = await findOpenPullRequest({ github, repo, head: OIDC_BRANCH });
  if (open) return { pullRequest: open, created: false };
  if (plan.workflowAfter === plan.workflowBefore) return null;
  const base = await readDefaultBranch({ github, repo });
  const baseSha = await readBranchSha({ github, repo, branch: base });
  const current = await readRepositoryFile({ github, repo, path: plan.workflowPath, ref: base });
  if (!baseSha || !current) throw new StaleReviewError(`The workflow ${plan.workflowPath} is no longer on ${base}; review the plan again.`);
  if (current.text !== plan.workflowBefore) throw new StaleReviewError(`The workflow ${plan.workflowPath} changed on ${base} since the diff was reviewed; start the move again to review the new diff.`);
  const branchSha = await readBranchSha({ github, repo, branch: OIDC_BRANCH });
  let onBranch = branchSha ? await readRepositoryFile({ github, repo, path: plan.workflowPath, ref: OIDC_BRANCH }) : null;
  if (!branchSha) await createBranch({ github, repo, branch: OIDC_BRANCH, sha: baseSha });
  else if (onBranch?.text !== plan.workflowAfter && branchSha !== baseSha) {
    // A leftover branch (an earlier, closed attempt): start again from the default branch's head.
    await moveBranch({ github, repo, branch: OIDC_BRANCH, sha: baseSha, force: true });
    onBranch = null;
  }
  onBranch ??= await readRepositoryFile({ github, repo, path: plan.workflowPath, ref: OIDC_BRANCH });
  if (onBranch?.text !== plan.workflowAfter)
    await writeRepositoryFile({ github, repo, branch: OIDC_BRANCH, path: plan.workflowPath, text: plan.workflowAfter, message: "Assume the OIDC role instead of the access key (Deckhand)", sha: onBranch?.sha });
  try {
    return { pullRequest: await openPullRequest({ github, repo, head: OIDC_BRANCH, base, title: "Push to ECR with GitHub's OIDC role instead of the access key", body: body(plan) }), created: true };
  } catch (err) {
    const raced = githubStatusOf(err) === 422 ? await findOpenPullRequest({ github, repo, head: OIDC_BRANCH }) : null;
    if (raced) return { pullRequest: raced, created: false };
    throw err;
  }
}
