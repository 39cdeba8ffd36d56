import { createAwsClients } from "../../lib/integrations/clients/aws-clients";
import { createGitHubClient } from "../../lib/integrations/clients/github-client";
import { SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN } from "../../lib/sandbox/constants";
import { createSecondPushUser } from "../../lib/tooling/testing/second-push-user";
import { sandboxUrl } from "./sandbox-admin";

/** acme/web-gateway's push user in playwright.fleet.config.ts (GITHUB_REPOSITORIES `acme/web-gateway:<this>`). */
export const GATEWAY_PUSH_USER = "ecr-push-payments";

/**
 * Make the e2e sandbox match the fleet configuration: IAM user GATEWAY_PUSH_USER (the guide's policy, one key) whose
 * key is in the organization secret that reaches acme/web-gateway alone, through the sandbox's AWS and GitHub APIs.
 * Once per sandbox: a second call (a retried worker) finds the user and does nothing.
 */
export async function giveWebGatewayItsPushUser(): Promise<void> {
  const aws = createAwsClients({ region: "us-east-1", endpoint: sandboxUrl, credentials: { ...SANDBOX_AWS_ADMIN }, maxAttempts: 3 });
  const github = createGitHubClient({ baseUrl: `${sandboxUrl}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  try {
    await createSecondPushUser({ aws, github }, { userName: GATEWAY_PUSH_USER, repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } });
  } catch (err) {
    if (!/EntityAlreadyExists/.test(String((err as { name?: string }).name))) throw err;
  }
}
