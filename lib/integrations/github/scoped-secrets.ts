// Secrets and variables above and beside the repository: what its organization gives it, the organization's own
// lists (visibility; owners with admin:org only), and an environment's. GitHub lists names and dates of secrets,
// never values; variables come with their values. GitHub REST "Actions secrets" / "Actions variables".

import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";
import type { GithubSecretInfo, GithubVariableInfo } from "../../judgements/posture/types";
import type { Visibility } from "../../judgements/posture/secret-scopes";
import { repoFileText } from "./repo-file-limit";

/** `GET /repos/{owner}/{repo}/actions/organization-secrets`: the organization secrets that reach this repository. */
export async function listRepoOrganizationSecrets({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<GithubSecretInfo[]> {
  const all = await github.paginate(github.rest.actions.listRepoOrganizationSecrets, { ...repo, per_page: 100 });
  return all.map((s) => ({ name: s.name, createdAt: s.created_at, updatedAt: s.updated_at, scope: "organization" as const }));
}

/** `GET /repos/{owner}/{repo}/actions/organization-variables` (at most 30 per page). */
export async function listRepoOrganizationVariables({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<GithubVariableInfo[]> {
  const all = await github.paginate(github.rest.actions.listRepoOrganizationVariables, { ...repo, per_page: 30 });
  return all.map((v) => ({ name: v.name, value: v.value, createdAt: v.created_at, updatedAt: v.updated_at }));
}

/**
 * `GET /repos/{owner}/{repo}/environments`: the names of every environment of the repository (GitHub REST
 * "Deployment environments", List environments; paged, 100 at most per page). Throws Octokit's RequestError.
 */
export async function listEnvironmentNames({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<string[]> {
  // Octokit's paginate does not know this list (its body is { total_count, environments }): page by hand.
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const { data } = await github.rest.repos.getAllEnvironments({ ...repo, per_page: 100, page });
    const environments = data.environments ?? [];
    names.push(...environments.map((e) => e.name));
    if (environments.length < 100 || (data.total_count !== undefined && names.length >= data.total_count)) return names;
  }
}

/** `GET /repos/{owner}/{repo}/environments/{environment_name}/secrets`. */
export async function listEnvironmentSecrets({ github, repo, environment }: { github: GitHubClient; repo: GitHubRepoRef; environment: string }): Promise<GithubSecretInfo[]> {
  const all = await github.paginate(github.rest.actions.listEnvironmentSecrets, { ...repo, environment_name: environment, per_page: 100 });
  return all.map((s) => ({ name: s.name, createdAt: s.created_at, updatedAt: s.updated_at, scope: "environment" as const, environment }));
}

/** `GET /repos/{owner}/{repo}/environments/{environment_name}/variables` (at most 30 per page). */
export async function listEnvironmentVariables({ github, repo, environment }: { github: GitHubClient; repo: GitHubRepoRef; environment: string }): Promise<GithubVariableInfo[]> {
  const all = await github.paginate(github.rest.actions.listEnvironmentVariables, { ...repo, environment_name: environment, per_page: 30 });
  return all.map((v) => ({ name: v.name, value: v.value, createdAt: v.created_at, updatedAt: v.updated_at }));
}


/**
 * `GET /repos/{owner}/{repo}/contents/{path}` of a file on the default branch, as text; null for a directory.
 * Throws CallFailure (kind bad-data) naming the path for a file larger than MAX_REPO_FILE_BYTES (GitHub's `size`),
 * Octokit's RequestError for a failed call.
 */
export async function readRepoFile({ github, repo, path }: { github: GitHubClient; repo: GitHubRepoRef; path: string }): Promise<string | null> {
  const { data } = await github.rest.repos.getContent({ ...repo, path });
  if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
  return repoFileText({ path, call: `read ${path}`, content: data.content, size: data.size });
}

/** An organization secret or variable with whom it reaches (OrgReachItem in judgements/posture/org-reach.ts). */
export interface OrgScopeEntry<T> {
  item: T;
  visibility: Visibility;
  /** Full names ("owner/name") of the selected repositories when `visibility` is "selected", else null. */
  selected: string[] | null;
}

/**
 * `GET /orgs/{org}/actions/secrets` and, for each secret of visibility `selected`,
 * `GET /orgs/{org}/actions/secrets/{secret_name}/repositories` (GitHub REST "Actions secrets": organization owners with
 * admin:org only; a 403/404 is thrown as Octokit's RequestError). Read once per organization, this tells which
 * organization secrets reach each of its repositories without one call per repository.
 */
export async function listOrgSecretsWithReach({ github, org }: { github: GitHubClient; org: string }): Promise<OrgScopeEntry<GithubSecretInfo>[]> {
  const all = await github.paginate(github.rest.actions.listOrgSecrets, { org, per_page: 100 });
  return Promise.all(
    all.map(async (s) => ({
      item: { name: s.name, createdAt: s.created_at, updatedAt: s.updated_at, scope: "organization" as const },
      visibility: s.visibility,
      selected: s.visibility === "selected" ? (await github.paginate(github.rest.actions.listSelectedReposForOrgSecret, { org, secret_name: s.name, per_page: 100 })).map((r) => r.full_name) : null,
    })),
  );
}

/** The same for organization variables (`GET /orgs/{org}/actions/variables` + `…/variables/{name}/repositories`). */
export async function listOrgVariablesWithReach({ github, org }: { github: GitHubClient; org: string }): Promise<OrgScopeEntry<GithubVariableInfo>[]> {
  const all = await github.paginate(github.rest.actions.listOrgVariables, { org, per_page: 30 });
  return Promise.all(
    all.map(async (v) => ({
      item: { name: v.name, value: v.value, createdAt: v.created_at, updatedAt: v.updated_at },
      visibility: v.visibility,
      selected: v.visibility === "selected" ? (await github.paginate(github.rest.actions.listSelectedReposForOrgVariable, { org, name: v.name, per_page: 100 })).map((r) => r.full_name) : null,
    })),
  );
}
