// What every verb is given: who it is done for and what it acts with. Server actions get one ready from
// defineAction; API routes, the scheduler, the worker and the tests build theirs. One Actor type names the
// person (or Deckhand itself) in every audit entry a verb or a long operation writes.

import type { Clients, GitHubRepoRef } from "../integrations/clients";
import { clientsForRepository, getClients } from "../integrations/clients";
import type { ConfiguredRepository, DeckhandConfig } from "../infra/config/env";
import { getConfig } from "../infra/config/env";
import type { Db } from "../infra/db/open-db";
import { getDb } from "../infra/db";
import type { Role } from "../infra/auth/roles";
import { appCache, type TtlCache } from "../infra/cache/ttl-cache";

/** Who a mutation is done for: a signed-in person, or Deckhand itself (webhook, worker, scheduler: role "system"). */
export interface Actor {
  login: string;
  role: Role | "system";
}

/**
 * Every mutation is one verb taking this context, so server actions, API routes, the scheduler and the
 * tests call the same function. `cache` is the read layer's cache the verb invalidates (lib/read owns the
 * keys: a verb imports the reader's invalidate function, never the other way round).
 */
export interface OperationContext {
  clients: Clients;
  actor: Actor;
  db: Db;
  config: DeckhandConfig;
  cache: TtlCache;
  /**
   * The configured repository a repository-scoped server action acts on (defineAction `repository: true`; the same
   * repository as `clients.repo`), with its push user. Absent elsewhere: the per-user verbs then take the configured
   * repository `clients.repo` names (lib/operations/push-user.ts).
   */
  repository?: ConfiguredRepository;
}

/**
 * The app's context for `actor`: process-wide clients, store, configuration and cache; `repository` (a configured
 * one, checked by the caller) scopes the GitHub calls to it, absent the default repository.
 */
export function appOperationContext(actor: Actor, repository?: GitHubRepoRef): OperationContext {
  const clients = repository ? clientsForRepository(getClients(), repository) : getClients();
  return { clients, actor, db: getDb(), config: getConfig(), cache: appCache() };
}
