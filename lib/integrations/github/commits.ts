import type { GitHubClient, GitHubRepoRef } from "../clients";

export interface CommitRef {
  sha: string;
  message: string;
  date: string | null;
}

/** Resolve a branch, tag or (short) SHA to the full commit, as GET /repos/{owner}/{repo}/commits/{ref} does. Null when GitHub knows no such ref. */
export async function resolveCommit({ github, repo, ref }: { github: GitHubClient; repo: GitHubRepoRef; ref: string }): Promise<CommitRef | null> {
  try {
    const { data } = await github.rest.repos.getCommit({ ...repo, ref });
    return { sha: data.sha, message: data.commit.message, date: data.commit.committer?.date ?? null };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 404 || status === 422) return null;
    throw err;
  }
}

/**
 * Whether GitHub shows `repo` to this token: true, or false when GET /repos/{owner}/{repo} answers 404 (GitHub's
 * "Get a repository": 404 for a repository that does not exist and for a private one the token cannot read). Other
 * failures throw, as the client reports them.
 */
export async function repositoryVisible({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<boolean> {
  try {
    await github.rest.repos.get({ owner: repo.owner, repo: repo.repo });
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}

export async function getDefaultBranch({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<string> {
  const { data } = await github.rest.repos.get({ owner: repo.owner, repo: repo.repo });
  return data.default_branch;
}

/**
 * When the newest commit on `ref` that touched `path` was committed (ISO 8601), or null when none did. GitHub REST,
 * "List commits" (`GET /repos/{owner}/{repo}/commits?sha=REF&path=PATH&per_page=1`, newest first).
 */
export async function lastCommitTouching({ github, repo, path, ref }: { github: GitHubClient; repo: GitHubRepoRef; path: string; ref: string }): Promise<string | null> {
  const { data } = await github.rest.repos.listCommits({ ...repo, sha: ref, path, per_page: 1 });
  return data[0]?.commit.committer?.date ?? data[0]?.commit.author?.date ?? null;
}
