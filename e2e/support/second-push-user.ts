import { createAwsClients } from "../../lib/integrations/clients/aws-clients";
import { createGitHubClient } from "../../lib/integrations/clients/github-client";
import { SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN } from "../../lib/sandbox/constants";
import { createSecondPushUser } from "../../lib/tooling/testing/second-push-user";
import { writeAccessKeyToHolder } from "../../lib/integrations/github/write-secret";
import { sandboxAdmin, sandboxUrl } from "./sandbox-admin";

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

/** The IAM user whose key acme/billing-worker is given behind Deckhand's back (the adoption test, e2e/fleet.spec.ts). */
export const BILLING_SIGNER = "ecr-push-billing";

/** acme/billing-worker gets the AWS_REGION its runs lack (a repository variable): its runs and canaries can pass. */
export async function giveBillingWorkerItsRegion(): Promise<void> {
  const github = createGitHubClient({ baseUrl: `${sandboxUrl}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  try {
    await github.rest.actions.createRepoVariable({ owner: "acme", repo: "billing-worker", name: "AWS_REGION", value: "us-east-1" });
  } catch (err) {
    // Already there (an earlier test's guided setup wrote it): GitHub answers 422 "already_exists" (409 in older docs).
    const status = (err as { status?: number }).status;
    if (!(status === 409 || (status === 422 && /already_exists/.test(String((err as Error).message))))) throw err;
  }
}

/**
 * acme/billing-worker (served with the default push user, not named; give it its region first) gets the key of a new
 * IAM user BILLING_SIGNER in its repository secrets, then its ECR workflow runs with that key: a repository whose last
 * successful run another user signed. Through the sandbox's AWS and GitHub APIs. Returns the key id and the run's id;
 * throws when the run does not succeed within a minute.
 */
export async function giveBillingWorkerAnotherUsersKey(): Promise<{ accessKeyId: string; runId: number }> {
  const aws = createAwsClients({ region: "us-east-1", endpoint: sandboxUrl, credentials: { ...SANDBOX_AWS_ADMIN }, maxAttempts: 3 });
  const github = createGitHubClient({ baseUrl: `${sandboxUrl}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  const repo = { owner: "acme", repo: "billing-worker" };
  const { accessKeyId } = await createSecondPushUser({ aws, github }, { userName: BILLING_SIGNER, repo, holder: { scope: "repository" } });
  // The sandbox refuses a new key for a moment, as AWS does.
  await new Promise((r) => setTimeout(r, 5_000));
  // Who signed a run is read from the calls in its minutes (plus a minute either side): another repository's run in
  // them (a rotation's canaries just before) would make it "cannot tell". Start once every run has been still that long.
  let quietFrom = 0;
  for (let i = 0; i < 120; i++) {
    const runs = (
      await Promise.all(["mcp-servers", "web-gateway", "billing-worker"].map((name) => github.rest.actions.listWorkflowRunsForRepo({ owner: "acme", repo: name, per_page: 5 })))
    ).flatMap((r) => r.data.workflow_runs);
    if (runs.every((r) => r.status === "completed")) {
      quietFrom = Math.max(0, ...runs.map((r) => Date.parse(r.updated_at)));
      break;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const wait = quietFrom + 65_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const before = (await github.rest.actions.listWorkflowRuns({ ...repo, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0]?.id ?? 0;
  await github.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: "ecr.yml", ref: "main" });
  for (let i = 0; i < 600; i++) {
    const run = (await github.rest.actions.listWorkflowRuns({ ...repo, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0];
    if (run && run.id !== before && run.status === "completed") {
      if (run.conclusion !== "success") throw new Error(`acme/billing-worker's run ${run.id} ended ${run.conclusion}`);
      return { accessKeyId, runId: run.id };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("acme/billing-worker's run did not finish within a minute");
}

/**
 * Write acme/billing-worker's repository key pair again, the same values, through GitHub's API: its secrets' time is
 * now. Needed after POST /_sandbox/age: the sandbox's times move a day back but Deckhand's own record of the key it
 * wrote there (a rotation) does not, so without this Deckhand's older write would look newer than the secret's last
 * change and be taken for what the secret holds.
 */
export async function writeBillingWorkerKeyAgain(): Promise<void> {
  const github = createGitHubClient({ baseUrl: `${sandboxUrl}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  const value = async (name: string) => ((await (await sandboxAdmin("GET", `/_sandbox/github/repos/acme/billing-worker/secrets/${name}`)).json()) as { value: string }).value;
  const [accessKeyId, secretAccessKey] = [await value("AWS_ACCESS_KEY_ID"), await value("AWS_SECRET_ACCESS_KEY")];
  await writeAccessKeyToHolder({ github, repo: { owner: "acme", repo: "billing-worker" }, holder: { scope: "repository" }, accessKeyId, secretAccessKey });
}
