import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { DeckhandConfig } from "../../infra/config/env";

const DeckhandOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof DeckhandOctokit>;

export interface GitHubRepoRef {
  owner: string;
  repo: string;
}

export interface GitHubClientOptions {
  baseUrl: string;
  token: string;
  /** Retries of 5xx and rate limits before the error is reported. */
  retries?: number;
  log?: Pick<Console, "warn">;
}

/**
 * Octokit with GitHub's recommended behaviour: retry server errors with backoff, wait out primary and
 * secondary rate limits (honouring retry-after) a bounded number of times, then report.
 */
export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const retries = opts.retries ?? 3;
  const log = opts.log ?? console;
  return new DeckhandOctokit({
    baseUrl: opts.baseUrl,
    auth: opts.token,
    userAgent: "deckhand",
    // Not `request: { retries }`: plugin-retry reads that on every failed request, so it would retry
    // 404s and 422s too. Given here, it applies only to the statuses doNotRetry leaves retryable (5xx),
    // waiting (n + 1)² × 250 ms before retry n.
    retry: { retries, retryAfterBaseValue: 250, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451] },
    throttle: {
      onRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub secondary rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
    },
    log: { debug: () => {}, info: () => {}, warn: log.warn.bind(log), error: log.warn.bind(log) },
  });
}

export function githubClientOptionsFrom(config: DeckhandConfig): GitHubClientOptions {
  return { baseUrl: config.github.apiUrl, token: config.github.token };
}
