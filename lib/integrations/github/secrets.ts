// Repository Actions secrets: GitHub lists names and dates, never values.

import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";
import type { GithubSecretInfo } from "../../judgements/posture/types";

export async function listRepoSecrets({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<GithubSecretInfo[]> {
  const all = await github.paginate(github.rest.actions.listRepoSecrets, { ...repo, per_page: 100 });
  return all.map((s) => ({ name: s.name, createdAt: s.created_at, updatedAt: s.updated_at, scope: "repository" as const }));
}
