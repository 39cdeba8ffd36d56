import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startGithubFixture, waitFor, type GithubFixture } from "./test-support/sandbox-fixture";
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from "../aws/errors";

/**
 * The simulated runner with a workflow that assumes a role through GitHub's OIDC token instead of using the key
 * secrets: the token comes from the sandbox's issuer, STS checks it and the trust policy, and the job's log and
 * CloudTrail say what happened, as they would on GitHub and AWS.
 */
const exec = promisify(execFile);
const repo = { owner: "acme", repo: "mcp-servers" };
const GITHUB = "token.actions.githubusercontent.com";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${GITHUB}`;
const ROLE_ARN = "arn:aws:iam::123456789012:role/github-ecr-push";

let f: GithubFixture;
let work: string;
/** The repository part of its `sub`, as GitHub's API reports it (the seeded repository uses the immutable form). */
let prefix: string;
const aws = () => ({ endpoint: f.sb.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY } });

// Async: the sandbox serves git from this process.
const git = async (...args: string[]) =>
  (await exec("git", ["-c", "credential.helper=", "-c", "user.name=Octo Operator", "-c", "user.email=octo-operator@users.noreply.sandbox.local", ...args], { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } })).stdout.trim();

function trust(context: string) {
  const sub = `${prefix}:${context}`;
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com", [`${GITHUB}:sub`]: sub } } }] });
}

function roleWorkflow(permissions: string): string {
  return `name: Build and Push to AWS ECR

on:
  push:
    branches: [main]
  workflow_dispatch:

jobs:
  build-and-push:
    runs-on: ubuntu-latest
    permissions:
${permissions}
    steps:
      - name: Checkout
        uses: actions/checkout@v4

      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ vars.AWS_ROLE_ARN }}
          aws-region: \${{ vars.AWS_REGION }}

      - name: Login to Amazon ECR
        id: login-ecr
        uses: aws-actions/amazon-ecr-login@v2

      - name: Build and push images
        run: docker compose build
`;
}

/** Commit the workflow to main and wait for the push's run to complete; returns the run and its job log. */
async function pushWorkflow(content: string, message: string) {
  fs.writeFileSync(path.join(work, ".github", "workflows", "ecr.yml"), content);
  await git("commit", "-qam", message);
  const sha = await git("rev-parse", "HEAD");
  await git("push", "-q", "origin", "HEAD:main");
  return waitForRun({ head_sha: sha, event: "push" });
}

async function waitForRun(filter: { head_sha?: string; event: string }, after?: number) {
  const run = await waitFor(async () => {
    const { data } = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, ...filter, per_page: 1 });
    const r = data.workflow_runs[0];
    return r && r.status === "completed" && (after === undefined || r.id !== after) ? r : undefined;
  }, 30_000);
  const { data: jobs } = await f.octokit.actions.listJobsForWorkflowRun({ ...repo, run_id: run.id });
  const log = String((await f.octokit.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobs.jobs[0].id })).data);
  return { run, job: jobs.jobs[0], log };
}

beforeAll(async () => {
  f = await startGithubFixture();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-oidc-"));
  prefix = (await f.octokit.request("GET /repos/{owner}/{repo}/actions/oidc/customization/sub", repo)).data.sub_claim_prefix!;
  const iam = new IAMClient(aws());
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ["sts.amazonaws.com"] }));
  await iam.send(new CreateRoleCommand({ RoleName: "github-ecr-push", AssumeRolePolicyDocument: trust("ref:refs/heads/main") }));
  const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:DescribeRepositories"], Resource: "*" }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: "github-ecr-push", PolicyName: "ecr-push-policy", PolicyDocument: JSON.stringify(policy) }));
  await f.octokit.actions.createRepoVariable({ ...repo, name: "AWS_ROLE_ARN", value: ROLE_ARN });
  const url = `${f.sb.url.replace("http://", `http://x-access-token:${f.tokenFor("octo-operator")}@`)}/acme/mcp-servers.git`;
  await exec("git", ["-c", "credential.helper=", "clone", "-q", url, work], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
});

afterAll(async () => {
  await f?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("a workflow that assumes a role with GitHub's OIDC token", () => {
  it("assumes the role from main and pushes with its session; CloudTrail shows the web identity and the session", async () => {
    const since = new Date(Date.now() - 1000);
    const { run, job, log } = await pushWorkflow(roleWorkflow("      id-token: write\n      contents: read"), "Assume the push role with OIDC");
    expect(run.conclusion).toBe("success");
    expect(job.steps!.find((s) => s.name === "Configure AWS credentials")!.conclusion).toBe("success");
    expect(log).toContain(`role-to-assume: ${ROLE_ARN}`);
    expect(log).toMatch(/Assuming role with OIDC\n.*Authenticated as assumedRoleId AROA[A-Z2-7]{17}:GitHubActions/);
    expect(log).toContain("AWS_SESSION_TOKEN: ***");
    expect(log).toContain("Login Succeeded!");

    const ct = new CloudTrailClient(aws());
    const web = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], StartTime: since }))).Events!;
    expect(web).toHaveLength(1);
    expect(web[0].Username).toBe(`${prefix}:ref:refs/heads/main`);
    const session = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "GitHubActions" }], StartTime: since }))).Events!;
    // One DescribeRepositories per compose service, as the workflow's script asks (`--repository-names "$service"`).
    expect(session.map((e) => e.EventName).sort()).toEqual(["DescribeRepositories", "DescribeRepositories", "GetAuthorizationToken", "GetCallerIdentity"]);
    expect(JSON.parse(session[0].CloudTrailEvent!).userIdentity).toMatchObject({ type: "AssumedRole", sessionContext: { sessionIssuer: { arn: ROLE_ARN } } });
  });

  it("fails at Configure AWS credentials with STS's refusal when the trust policy pins another subject", async () => {
    await new IAMClient(aws()).send(new UpdateAssumeRolePolicyCommand({ RoleName: "github-ecr-push", PolicyDocument: trust("environment:prod") }));
    const before = (await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, event: "workflow_dispatch", per_page: 1 })).data.workflow_runs[0]?.id;
    await f.octokit.actions.createWorkflowDispatch({ ...repo, workflow_id: "ecr.yml", ref: "main" });
    const { run, log } = await waitForRun({ event: "workflow_dispatch" }, before);
    expect(run.conclusion).toBe("failure");
    expect(log).toContain("##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity");
    const refused = (await new CloudTrailClient(aws()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: `${prefix}:ref:refs/heads/main` }] }))).Events!;
    expect(refused.map((e) => JSON.parse(e.CloudTrailEvent!).errorCode)).toContain("AccessDenied");
    await new IAMClient(aws()).send(new UpdateAssumeRolePolicyCommand({ RoleName: "github-ecr-push", PolicyDocument: trust("ref:refs/heads/main") }));
  });

  it("without `id-token: write` finds no token and says what configure-aws-credentials says", async () => {
    const { run, log } = await pushWorkflow(roleWorkflow("      contents: read"), "Drop id-token");
    expect(run.conclusion).toBe("failure");
    expect(log).toContain("It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission?");
    expect(log).toContain("##[error]Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers");
  });
});
