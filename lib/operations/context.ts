import type { Clients } from "../integrations/clients";
import type { DeckhandConfig } from "../infra/config/env";
import type { Db } from "../infra/db/open-db";
import type { Role } from "../infra/auth/roles";

/** Who a mutation is done for: a signed-in person, or Deckhand itself (webhook, worker, scheduler). */
export interface Actor {
  login: string;
  role: Role | "system";
}

/**
 * Every mutation is one service function taking this context, so server actions, the webhook processor,
 * the worker and the scheduler all call the same verb.
 */
export interface ServiceContext {
  clients: Clients;
  actor: Actor;
  db: Db;
  config: DeckhandConfig;
}
