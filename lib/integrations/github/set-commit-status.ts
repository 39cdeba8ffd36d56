import type { Octokit } from "@octokit/rest";

export const STATUS_CONTEXT = "deckhand/ecr-push";

/** Sets Deckhand's commit status (POST /repos/{owner}/{repo}/statuses/{sha}); descriptions are cut to GitHub's 140. */
export async function setCommitStatus({
  octokit,
  repository,
  sha,
  state,
  description,
  targetUrl,
}: {
  octokit: Octokit;
  /** "owner/name" */
  repository: string;
  sha: string;
  state: "pending" | "success" | "failure" | "error";
  description: string;
  targetUrl?: string;
}): Promise<void> {
  const [owner, repo] = repository.split("/");
  await octokit.repos.createCommitStatus({
    owner,
    repo,
    sha,
    state,
    context: STATUS_CONTEXT,
    description: description.length > 140 ? description.slice(0, 139) + "…" : description,
    ...(targetUrl ? { target_url: targetUrl } : {}),
  });
}
