// Which IAM push user a per-user change (key rotation, key actions, the policy apply) acts on: the push user of the
// configured repository the operation acts from (GITHUB_REPOSITORIES `owner/name[:iam-user]`), never
// DECKHAND_IAM_USER by default. A server action scoped to the repository the page shows (`repository: true`) has it
// in `ctx.repository`; other callers (the scheduler, the guided setup, tests) act from `ctx.clients.repo`.

import { SafeError } from "../errors";
import { selectRepository, type ConfiguredRepository } from "../infra/config/env";
import { servedRepositories } from "../infra/config/served-repositories";
import { clientsForRepository, type GitHubRepoRef } from "../integrations/clients";
import type { OperationContext } from "./context";

/**
 * The served repository (named in GITHUB_REPOSITORIES or discovered under an owner wildcard) named `owner/name`
 * (case-insensitive), or the `ref`'s. Throws SafeError
 * `unknown-repository` naming it when Deckhand is not configured with it.
 */
export function configuredRepository(ctx: Pick<OperationContext, "config" | "db">, ref: GitHubRepoRef | string): ConfiguredRepository {
  const name = typeof ref === "string" ? ref : `${ref.owner}/${ref.repo}`;
  const found = selectRepository(servedRepositories(ctx.config, ctx.db), name);
  if (!found) throw new SafeError(`Deckhand does not watch the repository “${name}”: it acts only on the configured ones.`, "unknown-repository");
  return found;
}

/**
 * The same context acting from the served repository `name` (owner/name, case-insensitive): its clients and its
 * push user, as a repository-scoped server action builds it. A long operation resumed (after a crash, or from another
 * page) acts from the repository it was started for, whatever the caller's. Throws SafeError `unknown-repository`.
 */
export function actingFrom<C extends Pick<OperationContext, "config" | "db" | "clients">>(ctx: C, name: string): C & { repository: ConfiguredRepository } {
  const repository = configuredRepository(ctx, name);
  return { ...ctx, clients: clientsForRepository(ctx.clients, repository), repository };
}

/**
 * The repository a per-user change acts from, and its push user: `ctx.repository` (a repository-scoped action), else
 * the configured repository `ctx.clients.repo` names. With `userName` given, it must be that repository's push user
 * (SafeError `invalid-input` otherwise: a change of user B never acts from a repository of user A).
 */
export function pushUserScope(ctx: Pick<OperationContext, "config" | "db" | "clients" | "repository">, userName?: string): { repository: ConfiguredRepository; userName: string } {
  const repository = ctx.repository ?? configuredRepository(ctx, ctx.clients.repo);
  if (userName !== undefined && userName !== repository.pushUser) {
    throw new SafeError(`The push user of ${repository.repository} is ${repository.pushUser}, not ${userName}: act on ${userName} from one of its own repositories.`, "invalid-input");
  }
  return { repository, userName: repository.pushUser };
}
