// Called once from instrumentation.ts: a setup whose process died mid-way (still "running" in the
// store) is resumed; its runner re-runs the step in doubt (each is idempotent) and follows its rotation.

import { awsClientOptionsFrom, createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient, githubClientOptionsFrom } from "../../integrations/clients/github-client";
import { getConfig } from "../../infra/config/env";
import { getDb } from "../../infra/db";
import { describeFailure } from "../../failures";
import { appCache } from "../../infra/cache/ttl-cache";
import { resumeInterruptedSetup } from "./run-setup";

export async function resumeSetupOnStart(): Promise<void> {
  const config = getConfig();
  // Clients of its own, never getClients() (see lib/operations/rotation/scheduler.ts: instrumentation is bundled apart).
  const clients = {
    aws: createAwsClients(awsClientOptionsFrom(config)),
    github: createGitHubClient(githubClientOptionsFrom(config)),
    repo: { owner: config.github.owner, repo: config.github.repo },
  };
  try {
    await resumeInterruptedSetup({ clients, actor: { login: "deckhand", role: "system" }, db: getDb(), config, cache: appCache() });
  } catch (err) {
    console.error(`[deckhand] could not resume an interrupted setup: ${describeFailure(err, "deckhand", "setup resume").message}`);
  }
}
