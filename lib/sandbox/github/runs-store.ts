import type { SandboxContext } from "../context";
import type { CommitInfo } from "./git";
import { isoSeconds, type JobResult, timeSteps, ECR_JOB_NAME } from "./ecr-job";
import { minimalRepoJson, type Repo } from "./repos";
import { findUser, userJson } from "./users";
import type { WorkflowRow } from "./workflows";

export interface RunRow {
  id: number;
  repo_id: number;
  workflow_id: number;
  run_number: number;
  run_attempt: number;
  event: string;
  status: string;
  conclusion: string | null;
  head_branch: string | null;
  head_sha: string;
  head_commit: string;
  actor: string;
  triggering_actor: string;
  display_title: string;
  check_suite_id: number;
  created_at: string;
  updated_at: string;
  run_started_at: string;
}

export interface JobRow {
  id: number;
  run_id: number;
  run_attempt: number;
  name: string;
  status: string;
  conclusion: string | null;
  created_at: string;
  started_at: string;
  completed_at: string | null;
  steps: string;
  log: string;
  runner_name: string | null;
}

const RUN_ID_BASE = 11_400_000_000;
const JOB_ID_BASE = 31_900_000_000;
const SUITE_ID_BASE = 29_800_000_000;

/** GitHub's `simple-commit` shape for a run's head_commit. */
export function simpleCommit(c: CommitInfo) {
  return {
    id: c.sha,
    tree_id: c.tree,
    message: c.message,
    timestamp: c.committer.date,
    author: { name: c.author.name, email: c.author.email },
    committer: { name: c.committer.name, email: c.committer.email },
  };
}

export interface NewRun {
  repo: Repo;
  workflow: WorkflowRow;
  event: string;
  branch: string | null;
  commit: CommitInfo;
  actor: string;
  createdAt: Date;
  displayTitle?: string;
}

function nextId(ctx: SandboxContext, table: string, base: number): number {
  const m = (ctx.db.prepare(`SELECT max(id) AS m FROM ${table}`).get() as { m: number | null }).m;
  return Math.max(m ?? 0, base) + 1;
}

/** Insert a run (status queued) with its first job; returns the new row. */
export function insertRun(ctx: SandboxContext, n: NewRun, state: { status: string; conclusion: string | null; startedAt?: Date; updatedAt?: Date } = { status: "queued", conclusion: null }): RunRow {
  const id = nextId(ctx, "gh_runs", RUN_ID_BASE);
  const runNumber = ((ctx.db.prepare(`SELECT max(run_number) AS m FROM gh_runs WHERE workflow_id = ?`).get(n.workflow.id) as { m: number | null }).m ?? 0) + 1;
  const created = isoSeconds(n.createdAt);
  const row: RunRow = {
    id,
    repo_id: n.repo.id,
    workflow_id: n.workflow.id,
    run_number: runNumber,
    run_attempt: 1,
    event: n.event,
    status: state.status,
    conclusion: state.conclusion,
    head_branch: n.branch,
    head_sha: n.commit.sha,
    head_commit: JSON.stringify(simpleCommit(n.commit)),
    actor: n.actor,
    triggering_actor: n.actor,
    // GitHub titles push runs with the head commit's subject and manual runs with the workflow's name.
    display_title: n.displayTitle ?? (n.event === "push" ? n.commit.message.split("\n")[0] : n.workflow.name),
    check_suite_id: SUITE_ID_BASE + (id - RUN_ID_BASE),
    created_at: created,
    updated_at: state.updatedAt ? isoSeconds(state.updatedAt) : created,
    run_started_at: isoSeconds(state.startedAt ?? n.createdAt),
  };
  ctx.db
    .prepare(
      `INSERT INTO gh_runs (id, repo_id, workflow_id, run_number, run_attempt, event, status, conclusion, head_branch, head_sha, head_commit,
        actor, triggering_actor, display_title, check_suite_id, created_at, updated_at, run_started_at)
       VALUES (@id, @repo_id, @workflow_id, @run_number, @run_attempt, @event, @status, @conclusion, @head_branch, @head_sha, @head_commit,
        @actor, @triggering_actor, @display_title, @check_suite_id, @created_at, @updated_at, @run_started_at)`,
    )
    .run(row);
  return row;
}

export function insertQueuedJob(ctx: SandboxContext, run: RunRow, at: Date): JobRow {
  const id = nextId(ctx, "gh_jobs", JOB_ID_BASE);
  const t = isoSeconds(at);
  ctx.db
    .prepare(`INSERT INTO gh_jobs (id, run_id, run_attempt, name, status, conclusion, created_at, started_at, completed_at, steps, log, runner_name) VALUES (?, ?, ?, ?, 'queued', NULL, ?, ?, NULL, '[]', '', NULL)`)
    .run(id, run.id, run.run_attempt, ECR_JOB_NAME, t, t);
  return findJob(ctx, id)!;
}

/** Write a finished job: its timed steps and raw log. */
export function completeJob(ctx: SandboxContext, jobId: number, result: JobResult, start: Date, end: Date, runnerName: string): void {
  const { steps, log } = timeSteps(result, start, end);
  const stepsJson = steps.map((s) => ({
    name: s.name,
    status: "completed",
    conclusion: s.conclusion,
    number: s.number,
    started_at: s.started_at,
    completed_at: s.completed_at,
  }));
  ctx.db
    .prepare(`UPDATE gh_jobs SET status = 'completed', conclusion = ?, started_at = ?, completed_at = ?, steps = ?, log = ?, runner_name = ? WHERE id = ?`)
    .run(result.conclusion, isoSeconds(start), isoSeconds(end), JSON.stringify(stepsJson), log, runnerName, jobId);
}

export function findRun(ctx: SandboxContext, repoId: number, id: number): RunRow | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_runs WHERE repo_id = ? AND id = ?`).get(repoId, id) as RunRow | undefined;
}

export function findJob(ctx: SandboxContext, id: number): JobRow | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_jobs WHERE id = ?`).get(id) as JobRow | undefined;
}

export function jobsOfRun(ctx: SandboxContext, run: RunRow, all: boolean): JobRow[] {
  return (all
    ? ctx.db.prepare(`SELECT * FROM gh_jobs WHERE run_id = ? ORDER BY run_attempt, id`).all(run.id)
    : ctx.db.prepare(`SELECT * FROM gh_jobs WHERE run_id = ? AND run_attempt = ? ORDER BY id`).all(run.id, run.run_attempt)) as JobRow[];
}

function actorJson(ctx: SandboxContext, login: string) {
  const u = findUser(ctx.db, login);
  return u ? userJson(u, ctx.baseUrl()) : undefined;
}

/** GitHub's `workflow-run` shape. */
export function runJson(ctx: SandboxContext, repo: Repo, run: RunRow, workflow: Pick<WorkflowRow, "name" | "path">) {
  const web = ctx.baseUrl();
  const full = `${repo.owner}/${repo.name}`;
  const api = `${web}/api/v3/repos/${full}`;
  const url = `${api}/actions/runs/${run.id}`;
  const repoJson = minimalRepoJson(ctx, repo);
  return {
    id: run.id,
    name: workflow.name,
    node_id: Buffer.from(`04:WorkflowRun${run.id}`).toString("base64"),
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: workflow.path,
    display_title: run.display_title,
    run_number: run.run_number,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow_id,
    check_suite_id: run.check_suite_id,
    check_suite_node_id: Buffer.from(`04:CheckSuite${run.check_suite_id}`).toString("base64"),
    url,
    html_url: `${web}/${full}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.created_at,
    updated_at: run.updated_at,
    actor: actorJson(ctx, run.actor),
    run_attempt: run.run_attempt,
    referenced_workflows: [],
    run_started_at: run.run_started_at,
    triggering_actor: actorJson(ctx, run.triggering_actor),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${api}/check-suites/${run.check_suite_id}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.run_attempt > 1 ? `${url}/attempts/${run.run_attempt - 1}` : null,
    workflow_url: `${api}/actions/workflows/${run.workflow_id}`,
    head_commit: JSON.parse(run.head_commit) as ReturnType<typeof simpleCommit>,
    repository: repoJson,
    head_repository: repoJson,
  };
}

/** GitHub's `job` shape. */
export function jobJson(ctx: SandboxContext, repo: Repo, run: RunRow, job: JobRow, workflowName: string) {
  const web = ctx.baseUrl();
  const full = `${repo.owner}/${repo.name}`;
  const api = `${web}/api/v3/repos/${full}`;
  return {
    id: job.id,
    run_id: run.id,
    workflow_name: workflowName,
    head_branch: run.head_branch,
    run_url: `${api}/actions/runs/${run.id}`,
    run_attempt: job.run_attempt,
    node_id: Buffer.from(`04:CheckRun${job.id}`).toString("base64"),
    head_sha: run.head_sha,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${web}/${full}/actions/runs/${run.id}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: job.created_at,
    started_at: job.started_at,
    completed_at: job.completed_at,
    name: job.name,
    steps: JSON.parse(job.steps) as unknown[],
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: ["ubuntu-latest"],
    runner_id: job.runner_name ? Number(job.runner_name.replace(/\D/g, "")) || 1 : null,
    runner_name: job.runner_name,
    runner_group_id: job.runner_name ? 0 : null,
    runner_group_name: job.runner_name ? "GitHub Actions" : null,
  };
}
