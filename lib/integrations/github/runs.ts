import type { GitHubClient, GitHubRepoRef } from "../clients";
import type { FailingStep, WorkflowRunInfo } from "../../judgements/posture/types";

/** A workflow run, flattened from GitHub's `workflow-run` shape. */
export interface RunSummary {
  id: number;
  workflowId: number;
  name: string;
  displayTitle: string;
  runNumber: number;
  runAttempt: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  headBranch: string | null;
  headSha: string;
  actor: string | null;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string | null;
  htmlUrl: string;
}

export interface RunFilters {
  /** A status (queued, in_progress, completed...) or a conclusion (success, failure...), as GitHub accepts. */
  status?: string;
  branch?: string;
  event?: string;
  actor?: string;
  /** GitHub's `created` search qualifier, e.g. ">=2024-01-01". */
  created?: string;
}

export interface RunPage {
  runs: RunSummary[];
  totalCount: number;
  page: number;
  perPage: number;
  /** GitHub's Link header said there is a next page. */
  hasNext: boolean;
}

export interface StepSummary {
  number: number;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface JobSummary {
  id: number;
  runId: number;
  runAttempt: number;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  htmlUrl: string | null;
  steps: StepSummary[];
}

type RawRun = {
  id: number;
  workflow_id: number;
  name?: string | null;
  display_title?: string;
  run_number: number;
  run_attempt?: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  head_branch: string | null;
  head_sha: string;
  actor?: { login: string } | null;
  triggering_actor?: { login: string } | null;
  created_at: string;
  updated_at: string;
  run_started_at?: string;
  html_url: string;
};

function toRunSummary(r: RawRun): RunSummary {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    name: r.name ?? "",
    displayTitle: r.display_title ?? r.name ?? "",
    runNumber: r.run_number,
    runAttempt: r.run_attempt ?? 1,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    headBranch: r.head_branch,
    headSha: r.head_sha,
    actor: r.actor?.login ?? r.triggering_actor?.login ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    runStartedAt: r.run_started_at ?? null,
    htmlUrl: r.html_url,
  };
}

type RunStatusParam = NonNullable<Parameters<GitHubClient["rest"]["actions"]["listWorkflowRunsForRepo"]>[0]>["status"];

const filterParams = (f: RunFilters) => ({
  ...(f.status ? { status: f.status as RunStatusParam } : {}),
  ...(f.branch ? { branch: f.branch } : {}),
  ...(f.event ? { event: f.event } : {}),
  ...(f.actor ? { actor: f.actor } : {}),
  ...(f.created ? { created: f.created } : {}),
});

const hasNextLink = (link: string | undefined) => Boolean(link && /rel="next"/.test(link));

/**
 * One page of runs, newest first: of one workflow when workflowId is given, else of the whole
 * repository. Paging follows GitHub's own (page/per_page and the Link header), so the page a user sees
 * is exactly the page GitHub returned.
 */
export async function listRuns({
  github,
  repo,
  workflowId,
  filters = {},
  page = 1,
  perPage = 30,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  workflowId?: number;
  filters?: RunFilters;
  page?: number;
  perPage?: number;
}): Promise<RunPage> {
  const params = { ...repo, ...filterParams(filters), page, per_page: perPage };
  const res =
    workflowId === undefined
      ? await github.rest.actions.listWorkflowRunsForRepo(params)
      : await github.rest.actions.listWorkflowRuns({ ...params, workflow_id: workflowId });
  return {
    runs: res.data.workflow_runs.map((r) => toRunSummary(r as RawRun)),
    totalCount: res.data.total_count,
    page,
    perPage,
    hasNext: hasNextLink(res.headers.link),
  };
}

/** One run, or null when GitHub does not know it (404). */
export async function getRun({ github, repo, runId }: { github: GitHubClient; repo: GitHubRepoRef; runId: number }): Promise<RunSummary | null> {
  try {
    const res = await github.rest.actions.getWorkflowRun({ ...repo, run_id: runId });
    return toRunSummary(res.data as RawRun);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

/** The jobs of a run's latest attempt, with their steps (paginated through). */
export async function listJobs({ github, repo, runId }: { github: GitHubClient; repo: GitHubRepoRef; runId: number }): Promise<JobSummary[]> {
  const jobs = await github.paginate(github.rest.actions.listJobsForWorkflowRun, { ...repo, run_id: runId, filter: "latest", per_page: 100 });
  return jobs.map((j) => ({
    id: j.id,
    runId: j.run_id,
    runAttempt: j.run_attempt ?? 1,
    name: j.name,
    status: j.status,
    conclusion: j.conclusion,
    startedAt: j.started_at ?? null,
    completedAt: j.completed_at ?? null,
    htmlUrl: j.html_url ?? null,
    steps: (j.steps ?? []).map((s) => ({
      number: s.number,
      name: s.name,
      status: s.status,
      conclusion: s.conclusion,
      startedAt: s.started_at ?? null,
      completedAt: s.completed_at ?? null,
    })),
  }));
}

/**
 * A finished job's plain-text log. GitHub answers 302 to a short-lived storage URL (Octokit follows
 * it); while the job runs there is no log yet and GitHub says 404, which is returned as null.
 */
export async function getJobLog({ github, repo, jobId }: { github: GitHubClient; repo: GitHubRepoRef; jobId: number }): Promise<string | null> {
  try {
    const res = await github.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobId });
    const data = res.data as unknown;
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
    return data == null ? null : String(data);
  } catch (err) {
    if ((err as { status?: number }).status === 404 || (err as { status?: number }).status === 410) return null;
    throw err;
  }
}

/** Re-run the failed jobs of a completed run (POST .../rerun-failed-jobs). */
export async function rerunFailedJobs({ github, repo, runId }: { github: GitHubClient; repo: GitHubRepoRef; runId: number }): Promise<void> {
  await github.rest.actions.reRunWorkflowFailedJobs({ ...repo, run_id: runId });
}

const LOG_TAIL_CHARS = 4000;

/** A run as lib/judgements/posture reads it. */
function toRunInfo(r: RunSummary): WorkflowRunInfo {
  return {
    id: r.id,
    name: r.name || undefined,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    status: r.status ?? undefined,
    conclusion: r.conclusion,
    headSha: r.headSha,
    headBranch: r.headBranch ?? undefined,
    event: r.event,
    htmlUrl: r.htmlUrl,
  };
}

/** The failed jobs of a run, each with its failing step's name and the tail of the job's log. */
export async function listFailingSteps({ github, repo, runId }: { github: GitHubClient; repo: GitHubRepoRef; runId: number }): Promise<FailingStep[]> {
  const failed = (await listJobs({ github, repo, runId })).filter((j) => j.conclusion === "failure");
  return Promise.all(
    failed.map(async (job) => {
      const step = job.steps.find((s) => s.conclusion === "failure");
      const log = (await getJobLog({ github, repo, jobId: job.id })) ?? "";
      return { job: job.name, step: step?.name ?? "(unknown step)", log: log.slice(-LOG_TAIL_CHARS) };
    }),
  );
}

/** How many newest runs listRecentRunsWithFailures reads by default (one page): fewer back means that was all of them. */
export const RECENT_RUNS_PER_PAGE = 30;

/**
 * The repository's newest runs (of every workflow, newest first, at most 100), with the failing steps'
 * log tails filled in for the newest few failures: what the doctor and the key correlation judge.
 */
export async function listRecentRunsWithFailures({
  github,
  repo,
  count = RECENT_RUNS_PER_PAGE,
  failuresToRead = 3,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  count?: number;
  failuresToRead?: number;
}): Promise<WorkflowRunInfo[]> {
  const runs = (await listRuns({ github, repo, perPage: Math.min(100, count) })).runs.map(toRunInfo);
  const failures = runs.filter((r) => r.conclusion === "failure").slice(0, failuresToRead);
  await Promise.all(
    failures.map(async (run) => {
      try {
        run.failingSteps = await listFailingSteps({ github, repo, runId: run.id });
      } catch (err) {
        // A run deleted (or its jobs expired) between the list and this call: no steps to show, and not a 404 of the
        // whole read, which would say the repository itself is not there (repositoryNotFound).
        if ((err as { status?: number }).status !== 404) throw err;
      }
    }),
  );
  return runs;
}
