/**
 * The steps and log lines of the seeded ECR workflow's single job, as GitHub's runner and the
 * aws-actions print them. Used both by the live runner (runner.ts) and by the seeded history.
 */

export type StepConclusion = "success" | "failure" | "skipped" | "cancelled";

export interface StepResult {
  name: string;
  conclusion: StepConclusion;
  lines: string[];
}

export interface JobResult {
  conclusion: "success" | "failure" | "cancelled";
  steps: StepResult[];
}

export const ECR_JOB_NAME = "build-and-push";
export const MAIN_STEPS = ["Checkout", "Configure AWS credentials", "Login to Amazon ECR", "Build and push images"] as const;
export type MainStep = (typeof MAIN_STEPS)[number];

/** Post steps run for the actions whose main step ran, in reverse order. */
const POST_STEPS: Partial<Record<MainStep, string>> = {
  Checkout: "Post Checkout",
  "Configure AWS credentials": "Post Configure AWS credentials",
  "Login to Amazon ECR": "Post Login to Amazon ECR",
};

export function setupJobLines(repoFull: string, ref: string): string[] {
  return [
    "Current runner version: '2.321.0'",
    "##[group]Operating System",
    "Ubuntu",
    "24.04.1",
    "LTS",
    "##[endgroup]",
    "##[group]Runner Image",
    "Image: ubuntu-24.04",
    "##[endgroup]",
    "##[group]GITHUB_TOKEN Permissions",
    "Contents: read",
    "Metadata: read",
    "##[endgroup]",
    "Secret source: Actions",
    "Prepare workflow directory",
    "Prepare all required actions",
    "Getting action download info",
    "Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)",
    "Download action repository 'aws-actions/configure-aws-credentials@v4' (SHA:e3dd6a429d7300a6a4c196c26e071d42e0343502)",
    "Download action repository 'aws-actions/amazon-ecr-login@v2' (SHA:062b18b96a7aff071d4dc91bc00c4c1a7945b076)",
    `Complete job name: ${ECR_JOB_NAME}`,
    `Job defined at: ${repoFull}/.github/workflows/ecr.yml@${ref}`,
  ];
}

export function checkoutLines(repoFull: string, sha: string): string[] {
  return [
    "##[group]Run actions/checkout@v4",
    "with:",
    `  repository: ${repoFull}`,
    "  token: ***",
    "  fetch-depth: 1",
    "##[endgroup]",
    `Syncing repository: ${repoFull}`,
    "##[group]Fetching the repository",
    `/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +${sha}:refs/remotes/origin/main`,
    "##[endgroup]",
    "##[group]Checking out the ref",
    "/usr/bin/git checkout --progress --force -B main refs/remotes/origin/main",
    "##[endgroup]",
    "/usr/bin/git log -1 --format=%H",
    sha,
  ];
}

export function configureHeader(region: string | undefined, hasKeyId: boolean, hasSecret: boolean): string[] {
  return [
    "##[group]Run aws-actions/configure-aws-credentials@v4",
    "with:",
    ...(hasKeyId ? ["  aws-access-key-id: ***"] : []),
    ...(hasSecret ? ["  aws-secret-access-key: ***"] : []),
    ...(region ? [`  aws-region: ${region}`] : []),
    "  audience: sts.amazonaws.com",
    "##[endgroup]",
  ];
}

/** configure-aws-credentials' inputs when it assumes a role with GitHub's OIDC token. */
export function configureRoleHeader(region: string | undefined, roleToAssume: string, audience: string): string[] {
  return [
    "##[group]Run aws-actions/configure-aws-credentials@v4",
    "with:",
    `  role-to-assume: ${roleToAssume}`,
    ...(region ? [`  aws-region: ${region}`] : []),
    `  audience: ${audience}`,
    "##[endgroup]",
  ];
}

export function loginHeader(region: string, sessionToken = false): string[] {
  return [
    "##[group]Run aws-actions/amazon-ecr-login@v2",
    "with:",
    "  mask-password: true",
    "  skip-logout: false",
    "env:",
    `  AWS_DEFAULT_REGION: ${region}`,
    `  AWS_REGION: ${region}`,
    "  AWS_ACCESS_KEY_ID: ***",
    "  AWS_SECRET_ACCESS_KEY: ***",
    ...(sessionToken ? ["  AWS_SESSION_TOKEN: ***"] : []),
    "##[endgroup]",
  ];
}

export function buildHeader(registry: string, sha: string): string[] {
  return [
    "##[group]Run docker compose build",
    "docker compose build",
    "for service in $(docker compose config --services); do",
    "  ...",
    "done",
    "shell: /usr/bin/bash -e {0}",
    "env:",
    `  REGISTRY: ${registry}`,
    `  IMAGE_TAG: ${sha}`,
    "##[endgroup]",
  ];
}

/** Assemble the full step list: main steps as given, skipped after a failure, post steps, and the job's bookends. */
export function assembleJob(repoFull: string, ref: string, sha: string, ran: StepResult[]): JobResult {
  const steps: StepResult[] = [{ name: "Set up job", conclusion: "success", lines: setupJobLines(repoFull, ref) }];
  let failed = false;
  let cancelled = false;
  const executed: MainStep[] = [];
  for (const name of MAIN_STEPS) {
    const r = ran.find((s) => s.name === name);
    if (!r || failed || cancelled) {
      steps.push({ name, conclusion: cancelled ? "cancelled" : "skipped", lines: [] });
      continue;
    }
    steps.push(r);
    executed.push(name);
    if (r.conclusion === "failure") failed = true;
    if (r.conclusion === "cancelled") cancelled = true;
  }
  for (const name of [...executed].reverse()) {
    const post = POST_STEPS[name];
    if (!post) continue;
    const lines =
      name === "Login to Amazon ECR"
        ? ["Post job cleanup.", "Logging out of registry"]
        : name === "Configure AWS credentials"
          ? ["Post job cleanup."]
          : ["Post job cleanup.", "/usr/bin/git version", "git version 2.47.1", "Cleaning up orphan processes"];
    steps.push({ name: post, conclusion: "success", lines });
  }
  const conclusion = cancelled ? "cancelled" : failed ? "failure" : "success";
  steps.push({
    name: "Complete job",
    conclusion: "success",
    lines: [cancelled ? "##[error]The operation was canceled." : "Cleaning up orphan processes"],
  });
  return { conclusion, steps };
}

/** A step that failed with an error the action reports through core.setFailed. */
export function failedStep(name: MainStep, header: string[], message: string, extra: string[] = []): StepResult {
  return { name, conclusion: "failure", lines: [...header, ...extra, `##[error]${message}`] };
}

export interface TimedStep extends StepResult {
  number: number;
  started_at: string;
  completed_at: string;
}

/** Spread steps over [start, end] and render the raw log with GitHub's 7-digit fractional timestamps. */
export function timeSteps(result: JobResult, start: Date, end: Date): { steps: TimedStep[]; log: string } {
  const span = Math.max(end.getTime() - start.getTime(), result.steps.length);
  const weights = result.steps.map((s) => (s.conclusion === "skipped" ? 0 : Math.max(1, s.lines.length)));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  let t = start.getTime();
  const steps: TimedStep[] = [];
  const log: string[] = [];
  result.steps.forEach((s, i) => {
    const dur = Math.floor((span * weights[i]) / total);
    const started = new Date(t);
    const completed = new Date(Math.min(t + dur, end.getTime()));
    s.lines.forEach((line, j) => {
      const at = new Date(started.getTime() + Math.floor((dur * j) / Math.max(1, s.lines.length)));
      log.push(`${stamp(at)} ${line}`);
    });
    steps.push({ ...s, number: i + 1, started_at: isoSeconds(started), completed_at: isoSeconds(completed) });
    t = completed.getTime();
  });
  return { steps, log: `\uFEFF${log.join("\n")}\n` };
}

const stamp = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
