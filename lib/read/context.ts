// What every reader is given: the clients, the shared cache and the store, plus the names it reads by.
// Pages and API routes get one from appReadContext()/pageReadContext() and pass it to lib/read's
// functions; they never build clients, open the store or touch the cache themselves. Tests build their
// own against the sandbox (the readers declare the subset they use).

import { notFound } from "next/navigation";
import type { ConfiguredRepository, DeckhandConfig } from "../infra/config/env";
import { getConfig, selectRepository } from "../infra/config/env";
import { servedRepositories } from "../infra/config/served-repositories";
import { getDb, type Db } from "../infra/db";
import { appCache, type TtlCache } from "../infra/cache/ttl-cache";
import { clientsForRepository, getClients, type Clients, type GitHubClient } from "../integrations/clients";
import { createGitHubClient, githubClientOptionsFrom } from "../integrations/clients/github-client";
import { toPart, type Part } from "../failures";

// Chosen by name in the configuration (shared with the action layer, which scopes mutations the same way).
export { selectRepository };

export interface ReadContext {
  /** AWS and GitHub; `clients.repo` is the repository every GitHub read is about. */
  clients: Clients;
  /**
   * The GitHub client of page reads that must answer fast (runs, jobs, logs): one retry instead of three,
   * because Octokit backs off (n+1)² × 250 ms and a page must say "GitHub is unreachable" within a second.
   */
  quickGitHub: GitHubClient;
  cache: TtlCache;
  db: Db;
  /** DECKHAND_IAM_USER, DECKHAND_IAM_POLICY, DECKHAND_EXPECTED_POLICY. */
  userName: string;
  policyName: string;
  expectedPolicyPath?: string;
  /** DECKHAND_WORKFLOW. */
  workflowName: string;
  /** GitHub's web URL and the configured branch, for links and defaults. */
  github: Pick<DeckhandConfig["github"], "webUrl" | "owner" | "repo" | "repository" | "branch">;
  /**
   * The default repository (GITHUB_REPOSITORY, or the first of GITHUB_REPOSITORIES), kept when forRepository turns
   * the context to another one: what some names default from (the OIDC role, lib/read/oidc.ts). Absent in contexts
   * built by hand, which then count as the default repository's.
   */
  defaultRepository?: string;
  /** Cache lifetime of the posture parts (default 30 s). */
  ttlMs?: number;
  now?: () => Date;
  /** CloudTrail window in days (LookupEvents keeps 90). */
  activityDays?: number;
}

export function readContextFrom(config: DeckhandConfig, clients: Clients, cache: TtlCache, db: Db, quickGitHub: GitHubClient = clients.github): ReadContext {
  return {
    clients,
    quickGitHub,
    cache,
    db,
    userName: config.iamUser,
    policyName: config.iamPolicyName,
    expectedPolicyPath: config.expectedPolicyPath,
    workflowName: config.workflowName,
    github: config.github,
    defaultRepository: config.github.repository,
  };
}

const g = globalThis as unknown as { deckhandQuickGitHub?: GitHubClient };

/** The app's read context: process-wide clients, the shared cache and the store. */
export function appReadContext(): ReadContext {
  const config = getConfig();
  g.deckhandQuickGitHub ??= createGitHubClient({ ...githubClientOptionsFrom(config), retries: 1 });
  return readContextFrom(config, getClients(), appCache(), getDb(), g.deckhandQuickGitHub);
}

/** Cache keys start with these; a reader's key is `${prefix}${part}:${scope}`. */
export const READ_CACHE_PREFIXES = { posture: "posture:", runs: "gh:runs", registry: "ecr:" } as const;

/** The same context about another configured repository: its GitHub reads, and its push user for the AWS reads. */
export function forRepository<C extends Pick<ReadContext, "clients" | "github" | "userName">>(ctx: C, r: ConfiguredRepository): C {
  return {
    ...ctx,
    clients: clientsForRepository(ctx.clients, r),
    userName: r.pushUser,
    github: { ...ctx.github, repository: r.repository, owner: r.owner, repo: r.repo },
  };
}

/**
 * The page's context about the repository `?repo=owner/name` chooses (the default one when absent); an unknown one is
 * the page's 404 (app/(app)/not-found.tsx lists the configured ones). `?refresh=1` (the Refresh button) first drops
 * every cached read the page shows.
 */
export function pageReadContext(searchParams: Record<string, string | string[] | undefined> = {}): ReadContext {
  const config = getConfig();
  const selected = selectRepository(servedRepositories(config), searchParams.repo);
  if (!selected) notFound();
  const ctx = forRepository(appReadContext(), selected);
  if (searchParams.refresh) for (const prefix of Object.values(READ_CACHE_PREFIXES)) ctx.cache.invalidate(prefix);
  return ctx;
}

/** A value read at a time: cache entries keep when they were loaded, so a part can say how old it is. */
export interface Stamped<T> {
  data: T;
  at: string;
}

/**
 * One cached read as a Part: `load` runs at most once per `ttlMs` per key (concurrent callers share it),
 * failures are not cached, and the part carries `asOf`, the time the data was read. `ttlMs` may be a function of the
 * data (ms), so an answer read with some of its calls failed is kept shorter than a whole one.
 */
export async function readPart<T>(
  ctx: Pick<ReadContext, "cache" | "now">,
  key: string,
  ttlMs: number | ((data: T) => number),
  calls: string[],
  load: () => Promise<T>,
): Promise<Part<T>> {
  const keep = typeof ttlMs === "function" ? (v: Stamped<T>) => ttlMs(v.data) : ttlMs;
  const part = await toPart(calls, () => ctx.cache.get<Stamped<T>>(key, keep, async () => ({ data: await load(), at: (ctx.now?.() ?? new Date()).toISOString() })));
  return part.ok ? { ok: true, data: part.data.data, calls, asOf: part.data.at } : part;
}

/** The repository a GitHub read is about, as cache keys name it. */
export const repoKey = (ctx: Pick<ReadContext, "clients">) => `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`;

/** The `?repo=` value links from this context's page must carry to stay on its repository; null for the default one. */
export function repoParamOf(ctx: Pick<ReadContext, "github">): string | null {
  return ctx.github.repository === getConfig().github.repository ? null : ctx.github.repository;
}
