// Discovery (issue 16): GITHUB_REPOSITORIES=owner/* means every repository of the owner whose ECR workflow pushes with
// the push user's key (judgements/fleet/workflow-uses-key.ts). One listing of the owner, then per repository its
// workflows (one cached list) and the workflow files, a few repositories at a time.

import { listOwnerRepositories } from "../integrations/github/owner-repositories";
import { listEnvironmentSecrets, listRepoOrganizationSecrets, readRepoFile } from "../integrations/github/scoped-secrets";
import { listRepoSecrets } from "../integrations/github/secrets";
import { ecrJobEnvironment } from "../judgements/workflows/job-environment";
import type { ConfiguredRepository } from "../infra/config/env";
import { ConfigError } from "../infra/config/env";
import { mapLimit } from "../infra/map-limit";
import { workflowUsesKeySecret } from "../judgements/fleet/workflow-uses-key";
import { callApi } from "../failures";
import type { ReadContext } from "./context";
import { readWorkflowList } from "./workflow-list";

/** Repositories examined at once (each is 1 + one call per workflow file): far under GitHub's concurrency guidance. */
export const DISCOVERY_CONCURRENCY = 4;

/**
 * Repositories one owner wildcard may have (archived included). Every discovery (each 15 minutes) costs about four
 * GitHub calls per repository, and anyone who can create repositories under the owner can add more: past this the
 * wildcard is refused (its last list kept) and the repositories are to be named instead.
 */
export const MAX_OWNER_REPOSITORIES = 300;

/** Workflow files read per repository before it is skipped: each is a call, and the repository's pusher adds them. */
export const MAX_WORKFLOW_FILES = 20;

export interface DiscoveredRepositories {
  /** The repositories that use the push user's key, in the owner's listing order, each with `pushUser`. */
  repositories: ConfiguredRepository[];
  /**
   * The others, each with why (in words), archived ones included; `unread` when a read failed (its workflows, a
   * workflow file, its secrets): whether it uses the key is then not known (the retire counts it as unknown).
   */
  skipped: Array<{ repository: string; reason: string; unread?: true }>;
}

const KEY_SECRET = "AWS_ACCESS_KEY_ID";

/**
 * Which secret named AWS_ACCESS_KEY_ID reaches the repository's runs: the organization's (GitHub REST "List
 * repository organization secrets" lists only those shared with it), else the repository's own, else the
 * environment's the workflow's job names; null for none. Only the organization's counts for discovery: a
 * repository's own and its environments' secrets are set by whoever administers the repository (its creator), who
 * can give one that name and any value. Served, Deckhand would build its compose file with the worker's ECR
 * credentials into whatever ECR repository its services name, another service's included. A workflow that only
 * names the secret is not enough either, for the same reason.
 */
async function keySecretScope(github: ReadContext["clients"]["github"], repo: { owner: string; repo: string }, workflowText: string): Promise<"organization" | "repository" | "environment" | null> {
  const has = (list: Array<{ name: string }>) => list.some((x) => x.name === KEY_SECRET);
  const [org, own] = await Promise.all([listRepoOrganizationSecrets({ github, repo }), listRepoSecrets({ github, repo })]);
  if (has(org)) return "organization";
  if (has(own)) return "repository";
  const env = ecrJobEnvironment(workflowText);
  if (env?.kind !== "named") return null;
  try {
    return has(await listEnvironmentSecrets({ github, repo, environment: env.name })) ? "environment" : null;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null; // the environment does not exist yet
    throw err;
  }
}

/**
 * Every repository of `owner` with a workflow under .github/workflows that takes aws-access-key-id from the
 * AWS_ACCESS_KEY_ID secret, and that the organization's secret of that name reaches (keySecretScope: a repository's
 * own or environment secret is its administrator's word, not the organization's), configured with `pushUser`. Archived repositories are skipped (they cannot run).
 * Throws ConfigError naming GITHUB_REPOSITORIES when the owner cannot be listed or has more than `limits.repositories` (MAX_OWNER_REPOSITORIES) repositories; a repository with more than `limits.workflowFiles` (MAX_WORKFLOW_FILES) workflow files is skipped; a repository whose workflows cannot
 * be read is skipped with the failure's message.
 */
export async function discoverRepositories(
  ctx: Pick<ReadContext, "clients" | "cache" | "now">,
  owner: string,
  pushUser: string,
  limits: { repositories?: number; workflowFiles?: number } = {},
): Promise<DiscoveredRepositories> {
  const github = ctx.clients.github;
  const maxRepositories = limits.repositories ?? MAX_OWNER_REPOSITORIES;
  const maxFiles = limits.workflowFiles ?? MAX_WORKFLOW_FILES;
  let listed;
  try {
    listed = await callApi("github", `list repositories of ${owner}`, () => listOwnerRepositories({ github, owner, limit: maxRepositories }));
  } catch (err) {
    throw new ConfigError("GITHUB_REPOSITORIES", `${owner}/* cannot be discovered: the repositories of ${owner} could not be listed (${(err as Error).message})`);
  }
  if (listed.length > maxRepositories) {
    throw new ConfigError("GITHUB_REPOSITORIES", `${owner}/* cannot be discovered: ${owner} has more than ${maxRepositories} repositories, the most one owner wildcard examines; name the repositories Deckhand serves instead`);
  }
  const judged = await mapLimit(listed, DISCOVERY_CONCURRENCY, async (r) => {
    if (r.archived) return { repository: r.fullName, reason: "archived" };
    const rctx = { ...ctx, clients: { ...ctx.clients, repo: { owner: r.owner, repo: r.name } } };
    const workflows = await readWorkflowList(rctx, github);
    if (!workflows.ok) return { repository: r.fullName, reason: workflows.failure.message, unread: true as const };
    const reasons: string[] = [];
    let unread = false;
    const files = workflows.data.filter((x) => x.path.startsWith(".github/workflows/"));
    if (files.length > maxFiles) return { repository: r.fullName, reason: `it has ${files.length} workflow files, more than the ${maxFiles} discovery reads; name it in GITHUB_REPOSITORIES to serve it` };
    for (const w of files) {
      let text: string | null;
      try {
        text = await callApi("github", `read ${w.path}`, () => readRepoFile({ github, repo: rctx.clients.repo, path: w.path }));
      } catch (err) {
        reasons.push(`${w.path}: ${(err as Error).message}`);
        unread = true;
        continue;
      }
      const use = text === null ? { uses: false as const, reason: "not a file" } : workflowUsesKeySecret(text);
      if (use.uses) {
        let scope: Awaited<ReturnType<typeof keySecretScope>>;
        try {
          scope = await callApi("github", "list secrets", () => keySecretScope(github, rctx.clients.repo, text as string));
        } catch (err) {
          return { repository: r.fullName, reason: `${w.path} takes the key, but its secrets could not be listed: ${(err as Error).message}`, unread: true as const };
        }
        if (scope === null) return { repository: r.fullName, reason: `${w.path} names ${KEY_SECRET}, but no organization secret of that name reaches it` };
        if (scope !== "organization") {
          return { repository: r.fullName, reason: `${w.path} names ${KEY_SECRET}, but no organization secret of that name reaches it: its ${KEY_SECRET} is its own ${scope} secret, which whoever administers ${r.fullName} can set: name it in GITHUB_REPOSITORIES to serve it` };
        }
        return { repository: r.fullName, configured: { repository: r.fullName, owner: r.owner, repo: r.name, pushUser, pushUserNamed: false } satisfies ConfiguredRepository };
      }
      reasons.push(`${w.path}: ${use.reason}`);
    }
    return { repository: r.fullName, reason: reasons.length ? reasons.join("; ") : "no workflows", ...(unread ? { unread: true as const } : {}) };
  });
  return {
    repositories: judged.flatMap((j) => ("configured" in j && j.configured ? [j.configured] : [])),
    skipped: judged.flatMap((j) => ("reason" in j && j.reason ? [{ repository: j.repository, reason: j.reason, ...("unread" in j && j.unread ? { unread: true as const } : {}) }] : [])),
  };
}
