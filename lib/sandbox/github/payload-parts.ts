// The repository and sender objects every webhook payload carries (push, workflow_run, workflow_job),
// apart from the events so each event module can use them without importing another.

import type { SandboxContext } from "../context";
import { fullRepoJson, type Repo } from "./repos";
import { findUser, userJson } from "./users";

/** `repository` and `sender` of non-push events (ping, ...): the REST repository shape, without the caller's permissions. */
export function payloadParts(ctx: SandboxContext, repo: Repo, login: string) {
  const sender = findUser(ctx.db, login);
  const { permissions: _p, ...repository } = fullRepoJson(ctx, repo, login);
  return { repository, sender: sender ? userJson(sender, ctx.baseUrl()) : null };
}
