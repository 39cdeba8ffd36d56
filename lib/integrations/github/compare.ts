import type { GitHubClient, GitHubRepoRef } from "../clients";

/**
 * The commit a branch points at now, from GET /repos/{owner}/{repo}/branches/{branch} (GitHub REST "Get a branch").
 * Null when GitHub has no such branch (404). Other errors (5xx after the client's retries, 401/403) are thrown.
 */
export async function getBranchHead({ github, repo, branch }: { github: GitHubClient; repo: GitHubRepoRef; branch: string }): Promise<string | null> {
  try {
    const { data } = await github.rest.repos.getBranch({ ...repo, branch });
    return data.commit.sha;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

export interface Comparison {
  /** How `head` stands to `base` (GitHub's commit-comparison `status`). */
  status: "ahead" | "behind" | "identical" | "diverged";
  aheadBy: number;
  behindBy: number;
}

/**
 * Compares two commits with GET /repos/{owner}/{repo}/compare/{base}...{head} (GitHub REST "Compare two commits"):
 * "ahead" means head descends from base. `per_page: 1` keeps the response small; status and counts cover the
 * whole comparison. Null when GitHub knows either commit not, or they share no history (404).
 */
export async function compareCommits({ github, repo, base, head }: { github: GitHubClient; repo: GitHubRepoRef; base: string; head: string }): Promise<Comparison | null> {
  try {
    const { data } = await github.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...${head}`, per_page: 1 });
    return { status: data.status, aheadBy: data.ahead_by, behindBy: data.behind_by };
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}
