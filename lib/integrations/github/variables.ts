// Repository Actions variables: unlike secrets, GitHub returns their values.

import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";
import type { GithubVariableInfo } from "../../judgements/posture/types";

export async function listRepoVariables({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<GithubVariableInfo[]> {
  // per_page max for variables is 30 (GitHub's documented limit); paginate follows the Link header.
  const all = await github.paginate(github.rest.actions.listRepoVariables, { ...repo, per_page: 30 });
  return all.map((v) => ({ name: v.name, value: v.value, createdAt: v.created_at, updatedAt: v.updated_at }));
}
