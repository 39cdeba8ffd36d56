import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck/light.js";
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
 * GitHub requests in flight at once, across every client of the process (the Fleet's 200 repositories, the pages, the
 * rotation). GitHub's secondary rate limits: "No more than 100 concurrent requests are allowed. This limit is shared
 * across the REST API and GraphQL API" (docs.github.com, "Rate limits for the REST API", "About secondary rate
 * limits"). plugin-throttling's own default is 10 per process, which made a cold Fleet of 200 repositories (1,000
 * GitHub calls) wait in its queue; half of GitHub's limit leaves room for the push worker's process and other tools
 * using the same token.
 */
export const GITHUB_MAX_CONCURRENT = 50;

/** One queue for the whole process, as plugin-throttling's default group is (its `id` keys it). */
const githubInFlight = new Bottleneck.Group({ id: "deckhand-github", maxConcurrent: GITHUB_MAX_CONCURRENT, timeout: 2 * 60 * 1000 });

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
      // plugin-throttling reads `global` (its group for every request but auth ones) from these options when given; its
      // types leave it out.
      global: githubInFlight,
      onRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub secondary rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
    } as ThrottlingOptions,
    log: { debug: () => {}, info: () => {}, warn: log.warn.bind(log), error: log.warn.bind(log) },
  });
}

export function githubClientOptionsFrom(config: DeckhandConfig): GitHubClientOptions {
  return { baseUrl: config.github.apiUrl, token: config.github.token };
}
