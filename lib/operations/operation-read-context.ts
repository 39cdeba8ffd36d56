// The read side as an operation sees it: a verb that reads before it writes (the OIDC move's plan, the retire's
// proof) reads about the repository it acts from, with that repository's push user, never the default's.

import { forRepository, readContextFrom, type ReadContext } from "../read/context";
import type { TtlCache } from "../infra/cache/ttl-cache";
import type { OperationContext } from "./context";
import { pushUserScope } from "./push-user";

/**
 * The read context of the repository `ctx` acts from (`ctx.repository`, else the served repository `ctx.clients.repo`
 * names) with its push user; `cache` defaults to the operation's (pass a new TtlCache to read fresh). Throws
 * SafeError `unknown-repository` when Deckhand does not serve that repository.
 */
export function operationReadContext(ctx: Pick<OperationContext, "config" | "clients" | "cache" | "db" | "repository">, cache: TtlCache = ctx.cache): ReadContext {
  const { repository } = pushUserScope(ctx);
  return forRepository(readContextFrom(ctx.config, ctx.clients, cache, ctx.db), repository);
}
