import { getConfig } from "../infra/config/env";
import { createGitHubClient, githubClientOptionsFrom, type GitHubClient } from "../integrations/clients/github-client";

const g = globalThis as unknown as { deckhandPageGitHub?: GitHubClient };

/**
 * The GitHub client page reads use: one retry instead of the shared client's three, because Octokit
 * backs off (n+1)² seconds between retries and a page must say "GitHub is unreachable" in about a
 * second, not after 14. Mutations keep the patient shared client.
 */
export function pageGitHub(): GitHubClient {
  g.deckhandPageGitHub ??= createGitHubClient({ ...githubClientOptionsFrom(getConfig()), retries: 1 });
  return g.deckhandPageGitHub;
}
