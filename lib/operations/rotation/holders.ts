// Where the push key lives for the configured repository: every scope whose AWS_ACCESS_KEY_ID reaches a run of the
// ECR workflow (the organization's, when it reaches the repository; the ECR job's environment's; the repository's).
// A rotation writes the new key to each, organization first, before anything deactivates the old one.

import type { GitHubClient, GitHubRepoRef } from "../../integrations/clients/github-client";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listEnvironmentSecrets, listRepoOrganizationSecrets, readRepoFile } from "../../integrations/github/scoped-secrets";
import { findWorkflowByName, listWorkflows } from "../../integrations/github/workflows";
import { ACCESS_KEY_ID_SECRET, SECRET_ACCESS_KEY_SECRET, type SecretHolder } from "../../integrations/github/write-secret";
import { getSecretUpdatedAt } from "../../integrations/github/write-secret";
import { mapLimit } from "../../infra/map-limit";
import { ecrJobEnvironment } from "../../judgements/workflows/job-environment";

/**
 * The holders of AWS_ACCESS_KEY_ID, organization → environment → repository; the repository alone when none holds
 * it yet (the guide's setup). Failing list calls throw (the preflight names them); a workflow file that cannot be
 * read only leaves the environment out, said in `notes`.
 */
export async function findKeyHolders({
  github,
  repo,
  workflowName,
  fallback = true,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  workflowName: string;
  /** Name the repository's secrets when nothing holds the key yet (the default repository); false: return none. */
  fallback?: boolean;
}): Promise<{ holders: SecretHolder[]; notes: string[] }> {
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
  if (has(repoSecrets) || (fallback && holders.length === 0)) holders.push({ scope: "repository" });
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

/**
 * One holder of the push user's key across the fleet, as the rotation's plan records it (step 1's detail, so a
 * resume after a kill uses the same list): a repository's or an environment's secrets name their `repository`
 * ("owner/name"; absent in rotations recorded before the fleet: the default repository); an organization's are one
 * holder however many repositories share it, with the configured `repositories` that get the key from it and its
 * `visibility` (kept as it is when written).
 */
export type PlannedHolder = SecretHolder & { repository?: string; repositories?: string[]; visibility?: string };

/** "owner/name" of a repository reference. */
export const repositoryName = (r: GitHubRepoRef): string => `${r.owner}/${r.repo}`;

/** The repository a repository or environment holder belongs to (the default one for holders recorded without). */
export function holderRepo(h: PlannedHolder, fallback: GitHubRepoRef): GitHubRepoRef {
  if (!h.repository) return fallback;
  const [owner, repo] = h.repository.split("/");
  return { owner, repo };
}

/** Where the holder is, for messages and the rotation page: "acme/web-gateway's production environment secrets". */
export function describePlannedHolder(h: PlannedHolder, fallback: GitHubRepoRef): string {
  if (h.scope === "organization") return `the organization ${h.org}'s secrets`;
  const name = repositoryName(holderRepo(h, fallback));
  return h.scope === "environment" ? `${name}'s ${h.environment} environment secrets` : `${name}'s repository secrets`;
}

/** A repository whose holders could not be listed: the preflight names it. */
export class HolderLookupError extends Error {
  constructor(
    public repository: string,
    public cause: unknown,
  ) {
    super(`${repository}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** Repositories whose holders are listed at once (each is 3–5 GitHub calls; GitHub asks for no bursts). */
const HOLDER_LOOKUP_CONCURRENCY = 4;

/**
 * Every holder of the push user's key across `repos` (the default repository first, then the other configured
 * repositories whose push user it is): organization holders first (one per organization, with the repositories
 * that get the key from it), then each repository's environment and repository secrets. A repository other than
 * the default with no AWS_ACCESS_KEY_ID anywhere holds nothing (said in `notes`). Throws HolderLookupError naming
 * the repository whose secrets could not be listed.
 */
export async function findFleetKeyHolders({ github, repos, workflowName }: { github: GitHubClient; repos: GitHubRepoRef[]; workflowName: string }): Promise<{ holders: PlannedHolder[]; notes: string[] }> {
  const found = await mapLimit(repos, HOLDER_LOOKUP_CONCURRENCY, async (repo, i) => {
    try {
      return await findKeyHolders({ github, repo, workflowName, fallback: i === 0 });
    } catch (err) {
      throw new HolderLookupError(repositoryName(repo), err);
    }
  });
  const orgs = new Map<string, PlannedHolder & { scope: "organization" }>();
  const own: PlannedHolder[] = [];
  const notes: string[] = [];
  found.forEach(({ holders, notes: n }, i) => {
    const name = repositoryName(repos[i]);
    const multi = repos.length > 1;
    notes.push(...n.map((x) => (multi ? `${name}: ${x}` : x)));
    if (i > 0 && holders.length === 0) notes.push(`${name} holds no AWS_ACCESS_KEY_ID at any scope: nothing is written there`);
    for (const h of holders) {
      if (h.scope === "organization") {
        const o = orgs.get(h.org.toLowerCase()) ?? { scope: "organization", org: h.org, repositories: [] };
        o.repositories!.push(name);
        orgs.set(h.org.toLowerCase(), o);
      } else own.push({ ...h, repository: name });
    }
  });
  for (const o of orgs.values()) {
    try {
      const { data } = await github.rest.actions.getOrgSecret({ org: o.org, secret_name: ACCESS_KEY_ID_SECRET });
      o.visibility = data.visibility;
    } catch {
      // The preflight's write check reads it again and names a missing permission.
    }
  }
  return { holders: [...orgs.values(), ...own], notes };
}

/**
 * GitHub's updated_at of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY at one holder (null: missing), for a resume
 * deciding whether step 4 wrote every holder (GitHub REST "Get a repository / environment / organization secret").
 */
export async function readHolderUpdatedAt({ github, holder, fallback }: { github: GitHubClient; holder: PlannedHolder; fallback: GitHubRepoRef }): Promise<{ accessKeyIdUpdatedAt: string | null; secretAccessKeyUpdatedAt: string | null }> {
  const read = async (name: string): Promise<string | null> => {
    try {
      if (holder.scope === "organization") return (await github.rest.actions.getOrgSecret({ org: holder.org, secret_name: name })).data.updated_at;
      const repo = holderRepo(holder, fallback);
      if (holder.scope === "environment") return (await github.rest.actions.getEnvironmentSecret({ ...repo, environment_name: holder.environment, secret_name: name })).data.updated_at;
      return await getSecretUpdatedAt({ github, repo, name });
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
  };
  return { accessKeyIdUpdatedAt: await read(ACCESS_KEY_ID_SECRET), secretAccessKeyUpdatedAt: await read(SECRET_ACCESS_KEY_SECRET) };
}
