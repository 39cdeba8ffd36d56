// Which served repositories (named or discovered under an owner/* entry) a rotation of push user U writes to: those whose push user is U — configured as
// `owner/name:U` (or by default), unless the key they resolve to belongs to another user, or configured with another
// user but resolving to one of U's keys. The "whose key is it" answer is the Fleet page's (readFleet's holdsKeyOf),
// not a second copy of it.

import type { GitHubRepoRef } from "../../integrations/clients/github-client";
import type { ConfiguredRepository } from "../../infra/config/env";
import { servedRepositories } from "../../infra/config/served-repositories";
import { readContextFrom } from "../../read/context";
import { readFleet } from "../../read/fleet";
import type { OperationContext } from "../context";
import { repositoryName } from "./holders";

/**
 * The other configured repositories (besides `ctx.clients.repo`, the default) that use `userName`'s key, in
 * configuration order, and notes on those left out. Reads the Fleet rows (cached; CloudTrail time-boxed); when that
 * read fails the configured push users alone decide (said in `notes`). Never throws.
 */
export async function selectFleetRepositories(ctx: OperationContext, userName: string): Promise<{ repositories: GitHubRepoRef[]; notes: string[] }> {
  const def = repositoryName(ctx.clients.repo).toLowerCase();
  const others: ConfiguredRepository[] = servedRepositories(ctx.config, ctx.db).filter((r) => r.repository.toLowerCase() !== def);
  const notes: string[] = [];
  if (others.length === 0) return { repositories: [], notes };
  const holdsKeyOf = new Map<string, string | null>();
  try {
    const view = await readFleet(readContextFrom(ctx.config, ctx.clients, ctx.cache, ctx.db), others);
    for (const row of view.rows) holdsKeyOf.set(row.repository.toLowerCase(), row.holdsKeyOf);
  } catch {
    notes.push("the Fleet read failed: repositories were chosen by their configured push user alone");
  }
  const repositories: GitHubRepoRef[] = [];
  for (const r of others) {
    const owner = holdsKeyOf.get(r.repository.toLowerCase()) ?? r.pushUser;
    if (owner === userName) repositories.push({ owner: r.owner, repo: r.repo });
    else if (r.pushUser === userName) notes.push(`${r.repository} holds a key of ${owner}, not of ${userName}: not touched`);
  }
  return { repositories, notes };
}
