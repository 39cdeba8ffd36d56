// Shared by the long operations' resume-on-start modules (setup, OIDC move), each called once from instrumentation.ts.

import { awsClientOptionsFrom, createAwsClients } from "../integrations/clients/aws-clients";
import { createGitHubClient, githubClientOptionsFrom } from "../integrations/clients/github-client";
import { getConfig } from "../infra/config/env";
import { getDb } from "../infra/db";
import { describeFailure } from "../failures";
import { appCache } from "../infra/cache/ttl-cache";
import type { OperationContext } from "./context";

/**
 * Runs `resume` (an operation's "resume what a dead process left running") with the system actor and clients of its
 * own, never getClients() (instrumentation is bundled apart; see lib/operations/rotation/scheduler.ts). A failure is
 * logged as "could not resume <what>" with a whitelisted message naming `call`, never thrown: the app starts anyway.
 */
export async function resumeOnStart(what: string, call: string, resume: (ctx: OperationContext) => Promise<unknown>): Promise<void> {
  const config = getConfig();
  const clients = {
    aws: createAwsClients(awsClientOptionsFrom(config)),
    github: createGitHubClient(githubClientOptionsFrom(config)),
    repo: { owner: config.github.owner, repo: config.github.repo },
  };
  try {
    await resume({ clients, actor: { login: "deckhand", role: "system" }, db: getDb(), config, cache: appCache() });
  } catch (err) {
    console.error(`[deckhand] could not resume ${what}: ${describeFailure(err, "deckhand", call).message}`);
  }
}
