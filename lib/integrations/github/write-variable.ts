// Writes of repository Actions configuration other than secret values: variables (create or update)
// and removing a secret (e.g. AWS_REGION stored as a secret by mistake: the workflow reads vars.AWS_REGION).

import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";

const status = (err: unknown) => (err as { status?: number }).status;

/**
 * Create or update a repository variable. PATCH first (the common case on a re-run); 404 → POST.
 * A POST answered 409/422 (created meanwhile by someone else or a lost response) falls back to PATCH.
 */
export async function setRepoVariable({ github, repo, name, value }: { github: GitHubClient; repo: GitHubRepoRef; name: string; value: string }): Promise<{ created: boolean }> {
  try {
    await github.rest.actions.updateRepoVariable({ ...repo, name, value });
    return { created: false };
  } catch (err) {
    if (status(err) !== 404) throw err;
  }
  try {
    await github.rest.actions.createRepoVariable({ ...repo, name, value });
    return { created: true };
  } catch (err) {
    // GitHub answers 422 "already_exists" (some versions 409) when the variable appeared meanwhile.
    if (status(err) !== 409 && status(err) !== 422) throw err;
    await github.rest.actions.updateRepoVariable({ ...repo, name, value });
    return { created: false };
  }
}

/** DELETE a repository secret; one that is already gone (404) counts as deleted, so retries are safe. */
export async function deleteRepoSecret({ github, repo, name }: { github: GitHubClient; repo: GitHubRepoRef; name: string }): Promise<{ existed: boolean }> {
  try {
    await github.rest.actions.deleteRepoSecret({ ...repo, secret_name: name });
    return { existed: true };
  } catch (err) {
    if (status(err) === 404) return { existed: false };
    throw err;
  }
}
