// Discovery under GITHUB_REPOSITORIES' owner wildcards (owner/*), at start and every DISCOVERY_INTERVAL_MS: each
// owner's repositories whose ECR workflow uses the push key (lib/read/discover-repositories.ts), kept in the store
// (lib/infra/config/served-repositories.ts), which servedRepositories() reads for the whole app.

import { discoverRepositories } from "../../read/discover-repositories";
import { readDiscoveries, recordDiscovery, recordDiscoveryFailure, type DiscoveryState } from "../../infra/config/served-repositories";
import { ConfigError } from "../../infra/config/env";
import { CallFailure } from "../../failures";
import { toUserFacing } from "../../errors";
import type { OperationContext } from "../context";

/** How often the owners are listed again: new repositories appear within this (and on a restart). */
export const DISCOVERY_INTERVAL_MS = 15 * 60_000;

/** After a failed discovery (GitHub not reachable yet at start, a token being replaced): the next try comes sooner. */
export const DISCOVERY_RETRY_MS = 60_000;

/**
 * Discover every owner wildcard of `ctx.config.github.discover` once, one owner after the other (each bounded to
 * DISCOVERY_CONCURRENCY repositories at a time), and keep each answer; an owner that cannot be listed keeps its
 * previous list and records the failure in words a page may show. Returns every wildcard's state afterwards.
 * Calls, per owner: GitHub GET /orgs/{org}/repos (or /users/{user}/repos), then per repository its workflows list
 * (cached 5 minutes, shared with the pages) and its workflow files until one uses the key.
 */
export async function refreshDiscoveries(ctx: Pick<OperationContext, "clients" | "cache" | "db" | "config"> & { now?: () => Date }): Promise<DiscoveryState[]> {
  const rules = ctx.config.github.discover ?? [];
  for (const rule of rules) {
    const at = () => (ctx.now?.() ?? new Date()).toISOString();
    try {
      const found = await discoverRepositories({ clients: ctx.clients, cache: ctx.cache, now: ctx.now }, rule.owner, rule.pushUser);
      recordDiscovery(ctx.db, rule, found, at());
    } catch (err) {
      recordDiscoveryFailure(ctx.db, rule, failureWords(err), at());
    }
  }
  return readDiscoveries(ctx.db, rules);
}

/** What a page may say of a failed discovery: the setting's words, the failure vocabulary's, or an error id. */
function failureWords(err: unknown): string {
  if (err instanceof ConfigError) return err.hint;
  if (err instanceof CallFailure) return err.failure.message;
  return toUserFacing(err, "repository discovery").message;
}

const g = globalThis as unknown as { deckhandDiscoveryScheduler?: () => void };

/**
 * Run refreshDiscoveries now and every DISCOVERY_INTERVAL_MS, once per process (a second start is a no-op). Nothing to
 * do without owner wildcards. Returns the stop function.
 */
export function startDiscoveryScheduler(getCtx: () => Parameters<typeof refreshDiscoveries>[0], log: (line: string) => void = (l) => console.log(l)): () => void {
  if (g.deckhandDiscoveryScheduler) return g.deckhandDiscoveryScheduler;
  let running = false;
  let retry: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (running) return;
    running = true;
    let failed = false;
    try {
      const ctx = getCtx();
      if ((ctx.config.github.discover ?? []).length === 0) return;
      for (const d of await refreshDiscoveries(ctx)) {
        failed ||= d.failure !== null;
        log(`[deckhand] discovery ${d.rule}: ${d.repositories.length} repositories use the key of ${d.pushUser}${d.failure ? `; last attempt failed: ${d.failure}` : ""}`);
      }
    } catch (err) {
      failed = true;
      log(`[deckhand] discovery: ${(err as Error).message}; retrying later`);
    } finally {
      running = false;
    }
    if (failed && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void tick();
      }, DISCOVERY_RETRY_MS);
      retry.unref();
    }
  };
  void tick();
  const every = setInterval(() => void tick(), DISCOVERY_INTERVAL_MS);
  every.unref();
  const stop = () => {
    clearInterval(every);
    if (retry) clearTimeout(retry);
    g.deckhandDiscoveryScheduler = undefined;
  };
  g.deckhandDiscoveryScheduler = stop;
  return stop;
}
