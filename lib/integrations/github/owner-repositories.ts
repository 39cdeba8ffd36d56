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
 * The owner's repositories, at most `limit` + 1 of them (pages are fetched only until more than `limit` are known,
 * so a caller can tell "more than limit" without listing an owner of 10,000). Throws Octokit's RequestError when
 * neither route knows the owner (404) or the token may not list them; the caller names the setting.
 */
export async function listOwnerRepositories({ github, owner, limit = Number.MAX_SAFE_INTEGER }: { github: GitHubClient; owner: string; limit?: number }): Promise<OwnerRepository[]> {
  type Raw = { name: string; full_name: string; archived?: boolean; owner: { login: string } };
  const perPage = Math.max(1, Math.min(100, limit + 1));
  const upTo = <T>(response: { data: T[] }, done: () => void, seen: { n: number }): T[] => {
    seen.n += response.data.length;
    if (seen.n > limit) done();
    return response.data;
  };
  let raw: Raw[];
  try {
    const seen = { n: 0 };
    raw = await github.paginate(github.rest.repos.listForOrg, { org: owner, per_page: perPage }, (r, done) => upTo(r as { data: Raw[] }, done, seen));
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
    const seen = { n: 0 };
    raw = await github.paginate(github.rest.repos.listForUser, { username: owner, per_page: perPage }, (r, done) => upTo(r as { data: Raw[] }, done, seen));
  }
  return raw.slice(0, limit + 1).map((r) => ({ owner: r.owner.login, name: r.name, fullName: r.full_name, archived: r.archived ?? false }));
}
