// Called once from instrumentation.ts: a move to the OIDC role whose process died mid-way (still "running" in the
// store) is resumed; its runner re-runs the step in doubt (each is idempotent).

import { awsClientOptionsFrom, createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient, githubClientOptionsFrom } from "../../integrations/clients/github-client";
import { getConfig } from "../../infra/config/env";
import { getDb } from "../../infra/db";
import { describeFailure } from "../../failures";
import { appCache } from "../../infra/cache/ttl-cache";
import { resumeInterruptedOidcMove } from "./apply-oidc-move";

export async function resumeOidcMoveOnStart(): Promise<void> {
  const config = getConfig();
  // Clients of its own, never getClients() (instrumentation is bundled apart; see setup's resume-on-start).
  const clients = {
    aws: createAwsClients(awsClientOptionsFrom(config)),
    github: createGitHubClient(githubClientOptionsFrom(config)),
    repo: { owner: config.github.owner, repo: config.github.repo },
  };
  try {
    await resumeInterruptedOidcMove({ clients, actor: { login: "deckhand", role: "system" }, db: getDb(), config, cache: appCache() });
  } catch (err) {
    console.error(`[deckhand] could not resume an interrupted move to the OIDC role: ${describeFailure(err, "deckhand", "OIDC move resume").message}`);
  }
}
