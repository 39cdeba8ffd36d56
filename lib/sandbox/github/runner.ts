import { STSClient, GetCallerIdentityCommand, AssumeRoleWithWebIdentityCommand } from "@aws-sdk/client-sts";
import { ECRClient, GetAuthorizationTokenCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import YAML from "yaml";
import type { SandboxContext } from "../context";
import { generationOf, later, stillCurrent } from "./background";
import {
  assembleJob,
  buildHeader,
  checkoutLines,
  configureHeader,
  configureRoleHeader,
  failedStep,
  isoSeconds,
  loginHeader,
  type JobResult,
  type StepResult,
} from "./ecr-job";
import { readFileAt } from "./git";
import { completeJob, findRun, insertQueuedJob, insertRun, jobsOfRun, type NewRun, type RunRow } from "./runs-store";
import { findRepoById, repoDir, type Repo } from "./repos";
import { resolveForJob } from "./scoped-store";
import { emitRunEvents } from "./run-events";
import { listWorkflows } from "./workflows";
import { readWorkflowAwsAuth } from "./workflow-aws-auth";
import { issueActionsIdToken } from "./oidc-issuer";

/** How long a run waits for a runner, and the shortest time a job takes (GitHub runs take seconds). */
const QUEUE_MS = 250;
/** Default for SandboxOptions.minJobMs: long enough to watch a run in progress, short enough for tests. */
const MIN_JOB_MS = 600;

export interface JobInputs {
  repoFull: string;
  ref: string;
  sha: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  composeYaml: string | null;
  endpoint: string;
  /** configure-aws-credentials' role-to-assume: the job assumes it with an OIDC token instead of using keys. */
  roleToAssume?: string;
  /** The audience input (default sts.amazonaws.com) and role-duration-seconds (default 3600). */
  audience?: string;
  roleDurationSeconds?: number;
  /** Only when the job may request an ID token (`id-token: write`): what ACTIONS_ID_TOKEN_REQUEST_URL gives. */
  requestIdToken?: (audience: string) => Promise<string>;
}

const OIDC_HINT =
  "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.";
const NO_CREDENTIALS = "Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers";

type StepCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/**
 * configure-aws-credentials with role-to-assume: an ID token for the audience, then STS AssumeRoleWithWebIdentity
 * (unsigned, session name GitHubActions); without `id-token: write` the action finds no token and prints its hint.
 */
async function assumeRoleWithOidc(input: JobInputs, header: string[]): Promise<{ credentials: StepCredentials; lines: string[] } | { failed: StepResult }> {
  const audience = input.audience || "sts.amazonaws.com";
  if (!input.requestIdToken) return { failed: failedStep("Configure AWS credentials", [...header, OIDC_HINT], NO_CREDENTIALS) };
  const lines = [...header, "Assuming role with OIDC"];
  const sts = new STSClient({ region: input.region, endpoint: input.endpoint, maxAttempts: 1 });
  try {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: input.roleToAssume, RoleSessionName: "GitHubActions", WebIdentityToken: await input.requestIdToken(audience), DurationSeconds: input.roleDurationSeconds ?? 3600 }),
    );
    const c = out.Credentials!;
    return { credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }, lines: [...lines, `Authenticated as assumedRoleId ${out.AssumedRoleUser?.AssumedRoleId}`] };
  } catch (err) {
    return { failed: failedStep("Configure AWS credentials", lines, `Could not assume role with OIDC: ${awsMessage(err)}`) };
  } finally {
    sts.destroy();
  }
}

function awsMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err && typeof (err as Error).message === "string" && (err as Error).message) return (err as Error).message;
  return String(err);
}

function awsCode(err: unknown): string {
  return err && typeof err === "object" && "name" in err ? String((err as Error).name) : "UnknownError";
}

export function composeServices(composeYaml: string | null): string[] {
  if (!composeYaml) return [];
  try {
    const doc = YAML.parse(composeYaml) as { services?: Record<string, unknown> } | null;
    return Object.keys(doc?.services ?? {});
  } catch {
    return [];
  }
}

/**
 * The ECR workflow's job, for real against the AWS sandbox: configure-aws-credentials (validated with
 * STS GetCallerIdentity), amazon-ecr-login (ECR GetAuthorizationToken), then the AWS CLI's
 * describe-repositories the build script uses. Errors read as the actions and the CLI print them.
 */
export async function executeEcrJob(input: JobInputs): Promise<JobResult> {
  const ran: StepResult[] = [{ name: "Checkout", conclusion: "success", lines: checkoutLines(input.repoFull, input.sha) }];
  const finish = () => assembleJob(input.repoFull, input.ref, input.sha, ran);
  const oidc = Boolean(input.roleToAssume) && !input.accessKeyId;
  const header = oidc ? configureRoleHeader(input.region, input.roleToAssume!, input.audience || "sts.amazonaws.com") : configureHeader(input.region, Boolean(input.accessKeyId), Boolean(input.secretAccessKey));
  if (!input.region) {
    ran.push(failedStep("Configure AWS credentials", header, "Input required and not supplied: aws-region"));
    return finish();
  }
  let credentials: StepCredentials;
  let configured = header;
  if (oidc) {
    const assumed = await assumeRoleWithOidc(input, header);
    if ("failed" in assumed) {
      ran.push(assumed.failed);
      return finish();
    }
    ({ credentials, lines: configured } = assumed);
  } else {
    if (input.accessKeyId && !input.secretAccessKey) {
      ran.push(failedStep("Configure AWS credentials", header, "'aws-secret-access-key' must be provided if 'aws-access-key-id' is provided"));
      return finish();
    }
    if (!input.accessKeyId || !input.secretAccessKey) {
      ran.push(failedStep("Configure AWS credentials", input.roleToAssume ? [...header, OIDC_HINT] : header, NO_CREDENTIALS));
      return finish();
    }
    credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
  }
  const common = { region: input.region, endpoint: input.endpoint, credentials, maxAttempts: 1 };
  const sts = new STSClient(common);
  const ecr = new ECRClient(common);
  try {
    try {
      await sts.send(new GetCallerIdentityCommand({}));
      ran.push({ name: "Configure AWS credentials", conclusion: "success", lines: configured });
    } catch (err) {
      ran.push(failedStep("Configure AWS credentials", configured, awsMessage(err)));
      return finish();
    }
    const login = loginHeader(input.region, Boolean(credentials.sessionToken));
    let registry = "";
    try {
      const tok = await ecr.send(new GetAuthorizationTokenCommand({}));
      const endpoint = tok.authorizationData?.[0]?.proxyEndpoint ?? "";
      registry = endpoint.replace(/^https?:\/\//, "");
      ran.push({ name: "Login to Amazon ECR", conclusion: "success", lines: [...login, `Logging into registry ${registry}`, "Login Succeeded!"] });
    } catch (err) {
      ran.push(failedStep("Login to Amazon ECR", login, awsMessage(err)));
      return finish();
    }
    const build = buildHeader(registry, input.sha);
    const services = composeServices(input.composeYaml);
    try {
      // As the workflow's script does: `aws ecr describe-repositories --repository-names "$service"` per service, so a
      // policy narrowed to the repositories' ARNs works (listing every repository needs Resource "*").
      const existing = new Set<string>();
      if (services.length === 0) await ecr.send(new DescribeRepositoriesCommand({}));
      for (const s of services) {
        try {
          await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [s] }));
          existing.add(s);
        } catch (err) {
          if (awsCode(err) !== "RepositoryNotFoundException") throw err;
        }
      }
      const lines = [...build, `compose.yaml services: ${services.join(", ") || "(none)"}`];
      for (const s of services) lines.push(existing.has(s) ? `${s}: repository ${registry}/${s} exists` : `${s}: no ECR repository yet (created on first push)`);
      lines.push("Images are built and pushed by Deckhand's worker; this sandbox run checks the credentials and registry access only.");
      ran.push({ name: "Build and push images", conclusion: "success", lines });
    } catch (err) {
      ran.push(
        failedStep(
          "Build and push images",
          build,
          "Process completed with exit code 254.",
          [`An error occurred (${awsCode(err)}) when calling the DescribeRepositories operation: ${awsMessage(err)}`],
        ),
      );
    }
    return finish();
  } finally {
    sts.destroy();
    ecr.destroy();
  }
}

function jobInputs(ctx: SandboxContext, repo: Repo, run: RunRow): JobInputs {
  const ref = run.head_branch ? `refs/heads/${run.head_branch}` : run.head_sha;
  const workflow = listWorkflows(ctx, repo.id).find((w) => w.id === run.workflow_id);
  const yaml = workflow ? readFileAt(repoDir(ctx, repo), run.head_sha, workflow.path) : null;
  // The job's environment decides which environment secrets and variables it sees (over the repository's, over the
  // organization's); its name is read first, without any secret.
  const environment = yaml ? readWorkflowAwsAuth(yaml, () => undefined)?.environment : undefined;
  const secret = (n: string) => resolveForJob(ctx, repo, environment, "secret", n) || undefined;
  const variable = (n: string) => resolveForJob(ctx, repo, environment, "variable", n);
  const auth = yaml ? readWorkflowAwsAuth(yaml, (kind, name) => (kind === "secrets" ? secret(name) : variable(name))) : undefined;
  const role = auth?.inputs["role-to-assume"] || undefined;
  if (auth && role) {
    const duration = Number(auth.inputs["role-duration-seconds"] || 3600);
    return {
      repoFull: `${repo.owner}/${repo.name}`,
      ref,
      sha: run.head_sha,
      accessKeyId: auth.inputs["aws-access-key-id"] || undefined,
      secretAccessKey: auth.inputs["aws-secret-access-key"] || undefined,
      region: auth.inputs["aws-region"] || undefined,
      composeYaml: readFileAt(repoDir(ctx, repo), run.head_sha, "compose.yaml"),
      endpoint: ctx.baseUrl(),
      roleToAssume: role,
      audience: auth.inputs.audience || undefined,
      roleDurationSeconds: Number.isInteger(duration) ? duration : 3600,
      requestIdToken: auth.idTokenWrite
        ? (audience) =>
            issueActionsIdToken(ctx, {
              repository: `${repo.owner}/${repo.name}`,
              audience,
              ref,
              sha: run.head_sha,
              eventName: run.event,
              environment: auth.environment,
              workflow: workflow!.name,
              workflowFile: workflow!.path,
              runId: run.id,
              runNumber: run.run_number,
              runAttempt: run.run_attempt,
            })
        : undefined,
    };
  }
  return {
    repoFull: `${repo.owner}/${repo.name}`,
    ref: run.head_branch ? `refs/heads/${run.head_branch}` : run.head_sha,
    sha: run.head_sha,
    accessKeyId: secret("AWS_ACCESS_KEY_ID"),
    secretAccessKey: secret("AWS_SECRET_ACCESS_KEY"),
    // ${{ vars.AWS_REGION }} reads variables only: a secret of that name leaves the input empty.
    region: variable("AWS_REGION") || undefined,
    composeYaml: readFileAt(repoDir(ctx, repo), run.head_sha, "compose.yaml"),
    endpoint: ctx.baseUrl(),
  };
}

/** Queue the latest attempt of a run and drive it queued → in_progress → completed in the background. */
export function scheduleRun(ctx: SandboxContext, runId: number, repoId: number): void {
  const gen = generationOf(ctx);
  const current = () => {
    if (!stillCurrent(ctx, gen)) return null;
    const run = findRun(ctx, repoId, runId);
    return run && run.status !== "completed" ? run : null;
  };
  later(ctx, QUEUE_MS, async () => {
    const run = current();
    const repo = findRepoById(ctx, repoId);
    if (!run || !repo) return;
    const start = ctx.now();
    const job = jobsOfRun(ctx, run, false)[0];
    const runner = `GitHub Actions ${1000 + (run.id % 1000)}`;
    ctx.db.prepare(`UPDATE gh_runs SET status = 'in_progress', run_started_at = ?, updated_at = ? WHERE id = ?`).run(isoSeconds(start), isoSeconds(start), run.id);
    ctx.db
      .prepare(`UPDATE gh_jobs SET status = 'in_progress', started_at = ?, runner_name = ?, steps = ? WHERE id = ?`)
      .run(isoSeconds(start), runner, JSON.stringify([{ name: "Set up job", status: "in_progress", conclusion: null, number: 1, started_at: isoSeconds(start), completed_at: null }]), job.id);
    emitRunEvents(ctx, repo, run.id, "in_progress");
    const result = await executeEcrJob(jobInputs(ctx, repo, run));
    const elapsed = ctx.now().getTime() - start.getTime();
    const minJobMs = ctx.options.minJobMs ?? MIN_JOB_MS;
    if (elapsed < minJobMs) await new Promise((r) => setTimeout(r, minJobMs - elapsed));
    const still = current();
    if (!still || still.run_attempt !== run.run_attempt) return; // cancelled, re-run or reset meanwhile
    const end = ctx.now();
    completeJob(ctx, job.id, result, start, end, runner);
    ctx.db.prepare(`UPDATE gh_runs SET status = 'completed', conclusion = ?, updated_at = ? WHERE id = ?`).run(result.conclusion, isoSeconds(end), run.id);
    emitRunEvents(ctx, repo, run.id, "completed");
  });
}

/** Create a run of a workflow (push or workflow_dispatch) and start it. */
export function triggerRun(ctx: SandboxContext, n: Omit<NewRun, "createdAt">): RunRow {
  const run = insertRun(ctx, { ...n, createdAt: ctx.now() });
  insertQueuedJob(ctx, run, ctx.now());
  emitRunEvents(ctx, n.repo, run.id, "requested");
  scheduleRun(ctx, run.id, n.repo.id);
  return run;
}
