import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck/light.js";
import type { DeckhandConfig } from "../../infra/config/env";
import { limiter } from "../../infra/map-limit";
import { addConditionalRequests } from "./conditional-requests";

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

/** plugin-request-log's line for a request answered 304: "GET /path - 304 with id ... in 12ms". */
const NOT_MODIFIED_LINE = / - 304 with id \S+ in \d+ms$/;

/** One gate for the whole process: every client's requests wait here for one of the GITHUB_MAX_CONCURRENT slots. */
const githubInFlight = limiter(GITHUB_MAX_CONCURRENT);

type FailedHandler = (error: unknown, info: { args: unknown[]; retryCount: number }) => unknown;

/**
 * The two limiters plugin-throttling schedules every request through, given so that no Bottleneck instance is shared
 * between requests. plugin-throttling keeps one `retryLimiter` per client and one `global` limiter per id, and a
 * Bottleneck shared by many jobs passes them one at a time, each after a timer tick (its local datastore yields to the
 * event loop on every submit and free: SGrondin/bottleneck#144, open since 2020): measured here, 1,000 trivial jobs
 * through one shared limiter take 2.4 s, through a limiter each 0.3 s. Deckhand's process has one GitHub client, so
 * every GitHub request of the process queued behind that tick: a cold Fleet of 200 repositories (about 1,000 requests)
 * spent most of its 3.7 s there, with both processes half idle.
 *  - `retryLimiter`: a Bottleneck of its own per request (as plugin-retry already makes), carrying the plugin's own
 *    `failed` handler, so plugin-throttling still decides every rate-limit retry (retry-after, x-ratelimit-reset,
 *    secondary limits) and Bottleneck still waits it out.
 *  - `global`: the process-wide gate above (plugin-throttling's `global` group bounded concurrency: no minTime, no
 *    reservoir). A retry (the plugin schedules it with weight 0, after waiting out the limit) passes without a slot,
 *    as the group let it: it is not sent to the back of the queue after its wait.
 * The `write`, `search`, `notifications` and `auth` groups stay plugin-throttling's own (their minTime spacing is the
 * point of them).
 */
function unsharedLimiters() {
  const failed: FailedHandler[] = [];
  return {
    retryLimiter: {
      on(event: string, handler: FailedHandler) {
        if (event === "failed") failed.push(handler);
      },
      schedule<R>(task: (...args: unknown[]) => Promise<R>, ...args: unknown[]): Promise<R> {
        const own = new Bottleneck();
        for (const handler of failed) own.on("failed", handler as never);
        // The job's args go through Bottleneck: the plugin's `failed` handler reads its request from `info.args`.
        return (own as unknown as { schedule(t: typeof task, ...a: unknown[]): Promise<R> }).schedule(task, ...args);
      },
    },
    global: {
      key: () => ({
        schedule: <A extends unknown[], R>(job: { weight?: number }, task: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
          job.weight === 0 ? task(...args) : githubInFlight(() => task(...args)),
      }),
    },
  };
}

/**
 * Octokit with GitHub's recommended behaviour: retry server errors with backoff, wait out primary and
 * secondary rate limits (honouring retry-after) a bounded number of times, then report.
 */
export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const retries = opts.retries ?? 3;
  const log = opts.log ?? console;
  const octokit = new DeckhandOctokit({
    baseUrl: opts.baseUrl,
    auth: opts.token,
    userAgent: "deckhand",
    // Not `request: { retries }`: plugin-retry reads that on every failed request, so it would retry
    // 404s and 422s too. Given here, it applies only to the statuses doNotRetry leaves retryable (5xx),
    // waiting (n + 1)² × 250 ms before retry n.
    // 429 is a rate limit (primary or secondary), plugin-throttling's to wait out (retry-after, x-ratelimit-reset):
    // plugin-retry would retry it too, on its own backoff and before the limit lifts.
    retry: { retries, retryAfterBaseValue: 250, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
    throttle: {
      // plugin-throttling reads its limiters from these options when given (Object.assign over its state); its types
      // leave them out.
      ...unsharedLimiters(),
      onRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
        log.warn(`GitHub secondary rate limit on ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
        return retryCount < retries;
      },
    } as ThrottlingOptions,
    // plugin-request-log reports every thrown answer as an error, and Octokit throws a 304: a conditional request
    // answered "not modified" (addConditionalRequests) is the good case, not a line for the server log.
    log: { debug: () => {}, info: () => {}, warn: log.warn.bind(log), error: (message: string, ...rest: unknown[]) => (NOT_MODIFIED_LINE.test(String(message)) ? undefined : log.warn(message, ...rest)) },
  });
  // Last, so outermost: a 304 never reaches plugin-retry or plugin-throttling as a failure.
  addConditionalRequests(octokit);
  return octokit;
}

export function githubClientOptionsFrom(config: DeckhandConfig): GitHubClientOptions {
  return { baseUrl: config.github.apiUrl, token: config.github.token };
}
