import { getConfig } from "../../infra/config/env";
import { awsClientOptionsFrom, createAwsClients, type AwsClients } from "./aws-clients";
import { createGitHubClient, githubClientOptionsFrom, type GitHubClient, type GitHubRepoRef } from "./github-client";

export type { AwsClients } from "./aws-clients";
export type { GitHubClient, GitHubRepoRef } from "./github-client";

/** Everything a service function needs to reach AWS and GitHub. Tests build their own against the sandbox. */
export interface Clients {
  aws: AwsClients;
  github: GitHubClient;
  repo: GitHubRepoRef;
}

/**
 * The same clients about another repository (`owner`/`repo`, e.g. a configured ConfiguredRepository): the AWS clients
 * and the GitHub client (its token, retries, connection pool) are shared, only the repository every GitHub call
 * names changes. Pages (lib/read/context.ts `forRepository`) and actions (`defineAction` with `repository: true`)
 * both scope through this.
 */
export function clientsForRepository(clients: Clients, r: GitHubRepoRef): Clients {
  return { ...clients, repo: { owner: r.owner, repo: r.repo } };
}

const g = globalThis as unknown as { deckhandClients?: Clients };

/** The app's clients, created once per process from the configuration. */
export function getClients(): Clients {
  if (!g.deckhandClients) {
    const config = getConfig();
    g.deckhandClients = {
      aws: createAwsClients(awsClientOptionsFrom(config)),
      github: createGitHubClient(githubClientOptionsFrom(config)),
      repo: { owner: config.github.owner, repo: config.github.repo },
    };
  }
  return g.deckhandClients;
}
