// Secrets and variables above and beside the repository: what its organization gives it, the organization's own
// lists (visibility; owners with admin:org only), and an environment's. GitHub lists names and dates of secrets,
// never values; variables come with their values. GitHub REST "Actions secrets" / "Actions variables".

import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";
import type { GithubSecretInfo, GithubVariableInfo } from "../../judgements/posture/types";
import type { Visibility } from "../../judgements/posture/secret-scopes";

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

/** `GET /orgs/{org}/actions/secrets`: each organization secret's visibility (403 unless an owner with admin:org). */
export async function listOrgSecretVisibility({ github, org }: { github: GitHubClient; org: string }): Promise<Record<string, Visibility>> {
  const all = await github.paginate(github.rest.actions.listOrgSecrets, { org, per_page: 100 });
  return Object.fromEntries(all.map((s) => [s.name, s.visibility]));
}

/** `GET /orgs/{org}/actions/variables`: each organization variable's visibility. */
export async function listOrgVariableVisibility({ github, org }: { github: GitHubClient; org: string }): Promise<Record<string, Visibility>> {
  const all = await github.paginate(github.rest.actions.listOrgVariables, { org, per_page: 30 });
  return Object.fromEntries(all.map((v) => [v.name, v.visibility]));
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

/** `GET /repos/{owner}/{repo}/contents/{path}` of a file on the default branch, as text; null for a directory. */
export async function readRepoFile({ github, repo, path }: { github: GitHubClient; repo: GitHubRepoRef; path: string }): Promise<string | null> {
  const { data } = await github.rest.repos.getContent({ ...repo, path });
  if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
  return Buffer.from(data.content, "base64").toString("utf8");
}
