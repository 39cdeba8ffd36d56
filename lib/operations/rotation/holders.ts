// Where the push key lives for the configured repository: every scope whose AWS_ACCESS_KEY_ID reaches a run of the
// ECR workflow (the organization's, when it reaches the repository; the ECR job's environment's; the repository's).
// A rotation writes the new key to each, organization first, before anything deactivates the old one.

import type { GitHubClient, GitHubRepoRef } from "../../integrations/clients/github-client";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listEnvironmentSecrets, listRepoOrganizationSecrets, readRepoFile } from "../../integrations/github/scoped-secrets";
import { findWorkflowByName, listWorkflows } from "../../integrations/github/workflows";
import { ACCESS_KEY_ID_SECRET, type SecretHolder } from "../../integrations/github/write-secret";
import { ecrJobEnvironment } from "../../judgements/workflows/job-environment";

/**
 * The holders of AWS_ACCESS_KEY_ID, organization → environment → repository; the repository alone when none holds
 * it yet (the guide's setup). Failing list calls throw (the preflight names them); a workflow file that cannot be
 * read only leaves the environment out, said in `notes`.
 */
export async function findKeyHolders({ github, repo, workflowName }: { github: GitHubClient; repo: GitHubRepoRef; workflowName: string }): Promise<{ holders: SecretHolder[]; notes: string[] }> {
  const notes: string[] = [];
  const has = (list: Array<{ name: string }>) => list.some((s) => s.name === ACCESS_KEY_ID_SECRET);
  const [repoSecrets, orgSecrets] = await Promise.all([listRepoSecrets({ github, repo }), listRepoOrganizationSecrets({ github, repo })]);
  const holders: SecretHolder[] = [];
  if (has(orgSecrets)) holders.push({ scope: "organization", org: repo.owner });
  let environment: string | null = null;
  try {
    const workflow = findWorkflowByName(await listWorkflows({ github, repo }), workflowName);
    const text = workflow ? await readRepoFile({ github, repo, path: workflow.path }) : null;
    const env = text ? ecrJobEnvironment(text) : null;
    if (env?.kind === "named") environment = env.name;
    else if (env?.kind === "dynamic") notes.push(`the ECR job's environment is ${env.expression}; its secrets are not rotated`);
  } catch {
    notes.push("the workflow file could not be read; environment secrets are not rotated");
  }
  if (environment) {
    const envName = environment;
    try {
      if (has(await listEnvironmentSecrets({ github, repo, environment: envName }))) holders.push({ scope: "environment", environment: envName });
    } catch (err) {
      // A job naming an environment the repository does not have yet: GitHub creates it on the first run, empty.
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }
  if (has(repoSecrets) || holders.length === 0) holders.push({ scope: "repository" });
  return { holders, notes };
}

/**
 * The repositories an organization's AWS_ACCESS_KEY_ID reaches, when its visibility is `selected` (GitHub REST "List
 * selected repositories for an organization secret"); for `all`/`private` none are listed (no organization-wide
 * repository listing here), so only the configured repository's canary runs.
 */
export async function listReposUsingOrgSecret({ github, org }: { github: GitHubClient; org: string }): Promise<GitHubRepoRef[]> {
  const { data } = await github.rest.actions.getOrgSecret({ org, secret_name: ACCESS_KEY_ID_SECRET });
  if (data.visibility !== "selected") return [];
  const repos = await github.paginate(github.rest.actions.listSelectedReposForOrgSecret, { org, secret_name: ACCESS_KEY_ID_SECRET, per_page: 100 });
  return repos.map((r) => ({ owner: r.owner.login, repo: r.name }));
}
