// Every repository of an owner, for discovery (GITHUB_REPOSITORIES=owner/*): GitHub REST "List organization
// repositories" (GET /orgs/{org}/repos, 100 per page, Link pagination) and, when the owner is a user (that route
// answers 404), "List repositories for a user" (GET /users/{username}/repos: public ones only).

import type { GitHubClient } from "../clients/github-client";

export interface OwnerRepository {
  owner: string;
  name: string;
  /** "owner/name" as GitHub spells it. */
  fullName: string;
  archived: boolean;
}

/**
 * The owner's repositories (every page). Throws Octokit's RequestError when neither route knows the owner (404)
 * or the token may not list them; the caller names the setting.
 */
export async function listOwnerRepositories({ github, owner }: { github: GitHubClient; owner: string }): Promise<OwnerRepository[]> {
  type Raw = { name: string; full_name: string; archived?: boolean; owner: { login: string } };
  let raw: Raw[];
  try {
    raw = await github.paginate(github.rest.repos.listForOrg, { org: owner, per_page: 100 });
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
    raw = await github.paginate(github.rest.repos.listForUser, { username: owner, per_page: 100 });
  }
  return raw.map((r) => ({ owner: r.owner.login, name: r.name, fullName: r.full_name, archived: r.archived ?? false }));
}
