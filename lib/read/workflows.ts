// The Workflows pages and the Overview's run cards: GitHub Actions workflows, runs, jobs and logs. Runs
// change by the second, so they are cached briefly under the runs prefix (dropped by dispatch, re-run and
// the live poller through invalidateRuns); a finished job's log never changes and is kept an hour. GitHub
// reads here use the quick client: a page says "GitHub is unreachable" within a second.

import { findWorkflowByName, type WorkflowSummary } from "../integrations/github/workflows";
import { getJobLog, getRun, listJobs, listRuns, type JobSummary, type RunPage, type RunSummary } from "../integrations/github/runs";
import { parseRunQuery, type RunQuery } from "../judgements/workflows/run-query";
import { explainFailingStep, findFailingStep, type StepError, type StepLike } from "../judgements/workflows/failing-step";
import type { GuideErrorMatch } from "../judgements/guide-errors";
import type { TtlCache } from "../infra/cache/ttl-cache";
import { callApi, describeFailure, type Failure, type Part } from "../failures";
import { READ_CACHE_PREFIXES, readPart, repoKey, type ReadContext } from "./context";
import { readWorkflowList } from "./workflow-list";

export type WorkflowsContext = Pick<ReadContext, "clients" | "quickGitHub" | "cache" | "workflowName" | "now">;

const RUNS = READ_CACHE_PREFIXES.runs;

/** After Deckhand dispatched or re-ran a run, or the poller saw one change: the run lists are stale. */
export function invalidateRuns(cache: TtlCache): void {
  cache.invalidate(RUNS);
}

const gh = (ctx: WorkflowsContext) => ({ github: ctx.quickGitHub, repo: ctx.clients.repo });

export interface WorkflowsView {
  workflows: WorkflowSummary[];
  /** The workflow named DECKHAND_WORKFLOW, or null when the repository has none. */
  ecr: WorkflowSummary | null;
}

/** The repository's workflows (cached 5 min) and which one is the ECR workflow. */
export async function readWorkflows(ctx: WorkflowsContext): Promise<Part<WorkflowsView>> {
  const part = await readWorkflowList(ctx, ctx.quickGitHub);
  return part.ok ? { ...part, data: { workflows: part.data, ecr: findWorkflowByName(part.data, ctx.workflowName) } } : part;
}

async function workflowIdFor(ctx: WorkflowsContext, q: RunQuery): Promise<number | undefined> {
  if (q.workflow === "all") return undefined;
  if (q.workflow !== "ecr") return Number(q.workflow);
  // Without the configured workflow (or when GitHub will not list workflows), show every run rather than nothing.
  const wf = await readWorkflows(ctx);
  return wf.ok ? wf.data.ecr?.id : undefined;
}

/** One page of runs for the Workflows page's query (workflow tab, status, branch, event, page). */
export async function readRunPage(ctx: WorkflowsContext, searchParams: Record<string, string | string[] | undefined>): Promise<{ query: RunQuery; runs: Part<RunPage> }> {
  const query = parseRunQuery(searchParams);
  const workflowId = await workflowIdFor(ctx, query);
  const key = `${RUNS}:list:${repoKey(ctx)}:${workflowId ?? "all"}:${query.status}:${query.branch}:${query.event}:${query.page}`;
  const runs = await readPart(ctx, key, 10_000, ["GitHub GET /repos/{owner}/{repo}/actions/runs"], () =>
    callApi("github", "list workflow runs", () =>
      listRuns({ ...gh(ctx), workflowId, filters: { status: query.status, branch: query.branch, event: query.event }, page: query.page, perPage: 30 }),
    ),
  );
  return { query, runs };
}

/** One run, or null when GitHub does not know it. */
export function readRun(ctx: WorkflowsContext, runId: number): Promise<Part<RunSummary | null>> {
  return readPart(ctx, `${RUNS}:run:${repoKey(ctx)}:${runId}`, 5_000, ["GitHub GET /repos/{owner}/{repo}/actions/runs/{run_id}"], () =>
    callApi("github", "get workflow run", () => getRun({ ...gh(ctx), runId })),
  );
}

export interface JobsView {
  jobs: JobSummary[];
  /** The first failed step of the first failed job. */
  failing: { job: JobSummary; step: StepLike | null } | null;
}

/** The jobs of a run's latest attempt, with their steps. */
export async function readJobs(ctx: WorkflowsContext, runId: number, attempt: number): Promise<Part<JobsView>> {
  const part = await readPart(ctx, `${RUNS}:jobs:${repoKey(ctx)}:${runId}:${attempt}`, 5_000, ["GitHub GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs"], () =>
    callApi("github", "list jobs for the run", () => listJobs({ ...gh(ctx), runId })),
  );
  return part.ok ? { ...part, data: { jobs: part.data, failing: findFailingStep(part.data) } } : part;
}

export interface FailingStepView {
  /** False when GitHub has no log for the job (expired, or still running). */
  hasLog: boolean;
  error: StepError | null;
  /** The guide's section for the error, the same the Doctor names for that line. */
  guide: GuideErrorMatch | null;
}

/** The failing step's error from its job's log, in the guide's terms. A finished job's log is cached an hour. */
export async function readFailingStep(ctx: WorkflowsContext, jobId: number, step: { startedAt: string | null; completedAt: string | null } | null): Promise<Part<FailingStepView>> {
  const log = await readPart(ctx, `gh:log:${repoKey(ctx)}:${jobId}`, 3_600_000, ["GitHub GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs"], () =>
    callApi("github", "download job log", () => getJobLog({ ...gh(ctx), jobId })),
  );
  if (!log.ok) return log;
  return { ...log, data: { hasLog: log.data !== null, ...explainFailingStep(log.data, step) } };
}

/** The ECR workflow's newest run (any workflow's when it is not found). */
export async function readLastRun(ctx: WorkflowsContext): Promise<Part<RunSummary | null>> {
  const wf = await readWorkflows(ctx);
  if (!wf.ok) return wf;
  const id = wf.data.ecr?.id;
  const part = await readPart(ctx, `${RUNS}:last:${repoKey(ctx)}:${id ?? "all"}`, 10_000, ["GitHub GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"], () =>
    callApi("github", "list workflow runs", () => listRuns({ ...gh(ctx), workflowId: id, perPage: 1 })),
  );
  return part.ok ? { ...part, data: part.data.runs[0] ?? null } : part;
}

/**
 * Every run of a workflow created in the last `days` days, fetched in parallel: the first page gives
 * total_count (the `created` filter makes it exact), then the remaining pages go out together.
 * GitHub serves at most 1,000 results of a filtered listing; `truncated` says when that cut in.
 */
export async function listRunsInWindow({ github, repo, workflowId, days, now = new Date() }: { github: ReadContext["quickGitHub"]; repo: ReadContext["clients"]["repo"]; workflowId?: number; days: number; now?: Date }): Promise<{ runs: RunSummary[]; truncated: boolean }> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  const filters = { created: `>=${since}` };
  const first = await listRuns({ github, repo, workflowId, filters, page: 1, perPage: 100 });
  const pages = Math.ceil(Math.min(first.totalCount, 1000) / 100);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => listRuns({ github, repo, workflowId, filters, page: i + 2, perPage: 100 })));
  const seen = new Set<number>();
  const runs = [first, ...rest].flatMap((p) => p.runs).filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  return { runs, truncated: first.totalCount > 1000 };
}

export interface RunsWindowView {
  runs: RunSummary[];
  truncated: boolean;
  /** The ECR workflow's name, or null when every workflow's runs were counted. */
  workflowName: string | null;
}

/** The ECR workflow's runs of the last `days` days (the Overview's chart), cached 30 s. */
export async function readRunsWindow(ctx: WorkflowsContext, days = 30): Promise<Part<RunsWindowView>> {
  const wf = await readWorkflows(ctx);
  if (!wf.ok) return wf;
  const ecr = wf.data.ecr;
  const part = await readPart(ctx, `${RUNS}:window:${repoKey(ctx)}:${ecr?.id ?? "all"}:${days}`, 30_000, ["GitHub GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"], () =>
    callApi("github", "list workflow runs", () => listRunsInWindow({ ...gh(ctx), workflowId: ecr?.id, days, now: ctx.now?.() })),
  );
  return part.ok ? { ...part, data: { ...part.data, workflowName: ecr?.name ?? null } } : part;
}

export type RunState = { found: false } | { found: true; id: number; status: string | null; conclusion: string | null; attempt: number; state: string; changed: boolean };

/**
 * A run's live state for the browser's poller, read fresh (never from the cache). When it differs from
 * what the page showed (`shown`, "status:conclusion:attempt"), the cached run lists are dropped so the
 * refresh that follows shows it.
 */
export async function readRunState(ctx: WorkflowsContext, runId: number, shown: string): Promise<{ ok: true; state: RunState } | { ok: false; failure: Failure }> {
  try {
    const run = await getRun({ ...gh(ctx), runId });
    if (!run) return { ok: true, state: { found: false } };
    const state = `${run.status}:${run.conclusion ?? ""}:${run.runAttempt}`;
    if (state !== shown) invalidateRuns(ctx.cache);
    return { ok: true, state: { found: true, id: runId, status: run.status, conclusion: run.conclusion, attempt: run.runAttempt, state, changed: state !== shown } };
  } catch (err) {
    return { ok: false, failure: describeFailure(err, "github", "get workflow run") };
  }
}
