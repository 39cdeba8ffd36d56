import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { readBody, sendJson, sendText } from "../http-util";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { readCommit, resolveRef } from "./git";
import { linkHeader, pageOf } from "./pagination";
import { findRepo, repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";
import { findJob, findRun, insertQueuedJob, jobJson, jobsOfRun, runJson, type JobRow, type RunRow } from "./runs-store";
import { scheduleRun, triggerRun } from "./runner";
import { emitRunEvents } from "./run-events";
import { isoSeconds } from "./ecr-job";
import { createdBounds } from "./created-filter";
import { listWorkflows, workflowFor, workflowTriggersAt, type WorkflowRow } from "./workflows";

const STATUSES = new Set(["completed", "in_progress", "queued", "requested", "waiting", "pending"]);
const CONCLUSIONS = new Set(["action_required", "cancelled", "failure", "neutral", "skipped", "stale", "success", "timed_out"]);

function listRuns(r: ApiRequest, repo: Repo, workflow?: WorkflowRow): void {
  const q = r.url.searchParams;
  const where = ["repo_id = ?"];
  const args: unknown[] = [repo.id];
  if (workflow) {
    where.push("workflow_id = ?");
    args.push(workflow.id);
  }
  const actor = q.get("actor");
  if (actor) {
    where.push("actor = ? COLLATE NOCASE");
    args.push(actor);
  }
  for (const [param, col] of [["branch", "head_branch"], ["event", "event"], ["head_sha", "head_sha"]] as const) {
    const v = q.get(param);
    if (v) {
      where.push(`${col} = ?`);
      args.push(v);
    }
  }
  const status = q.get("status");
  if (status) {
    if (STATUSES.has(status)) where.push("status = ?");
    else if (CONCLUSIONS.has(status)) where.push("conclusion = ?");
    else return validationFailed(r.res, [{ resource: "WorkflowRun", field: "status", code: "invalid" }]);
    args.push(status);
  }
  const created = q.get("created");
  if (created) {
    const b = createdBounds(created);
    if (!b) return validationFailed(r.res, [{ resource: "WorkflowRun", field: "created", code: "invalid" }]);
    if (b.from) {
      where.push("created_at >= ?");
      args.push(b.from);
    }
    if (b.to) {
      where.push("created_at < ?");
      args.push(b.to);
    }
  }
  const checkSuite = q.get("check_suite_id");
  if (checkSuite) {
    where.push("check_suite_id = ?");
    args.push(Number(checkSuite));
  }
  const p = pageOf(r);
  const sqlWhere = where.join(" AND ");
  const total = (r.ctx.db.prepare(`SELECT count(*) AS n FROM gh_runs WHERE ${sqlWhere}`).get(...args) as { n: number }).n;
  // GitHub returns at most 1,000 results when any of these search-backed filters is used.
  const filtered = ["actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"].some((k) => q.get(k));
  const reachable = filtered ? Math.min(total, 1000) : total;
  const limit = Math.max(0, Math.min(p.perPage, reachable - p.offset));
  const rows = r.ctx.db.prepare(`SELECT * FROM gh_runs WHERE ${sqlWhere} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(...args, limit, p.offset) as RunRow[];
  const workflows = new Map(listWorkflows(r.ctx, repo.id).map((w) => [w.id, w]));
  const runs = rows.map((run) => runJson(r.ctx, repo, run, workflows.get(run.workflow_id) ?? { name: "", path: "" }));
  sendJson(r.res, 200, { total_count: total, workflow_runs: runs }, linkHeader(r, p, reachable));
}

function runFor(r: ApiRequest, repo: Repo): RunRow | undefined {
  const run = findRun(r.ctx, repo.id, Number(r.params.run_id));
  if (!run) ghError(r.res, 404, "Not Found");
  return run;
}

function workflowOf(r: ApiRequest, repo: Repo, run: RunRow): WorkflowRow {
  return listWorkflows(r.ctx, repo.id).find((w) => w.id === run.workflow_id)!;
}

/** Signed, short-lived download links for job logs (GitHub redirects to blob storage the same way). */
const LOG_KEY = randomBytes(32);
function logSignature(jobId: number, expires: number): string {
  return createHmac("sha256", LOG_KEY).update(`${jobId}:${expires}`).digest("hex");
}

export async function handleLogDownload(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  const m = /^\/actions-logs\/([^/]+)\/([^/]+)\/jobs\/(\d+)$/.exec(url.pathname);
  if (!m || req.method !== "GET") return false;
  const jobId = Number(m[3]);
  const expires = Number(url.searchParams.get("expires"));
  const sig = url.searchParams.get("sig") ?? "";
  if (!(expires > Date.now() / 1000) || sig !== logSignature(jobId, expires)) {
    sendText(res, 403, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Signature not valid or expired.</Message></Error>", "application/xml");
    return true;
  }
  const repo = findRepo(ctx, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  const job = findJob(ctx, jobId);
  if (!repo || !job) {
    sendText(res, 404, "Not Found");
    return true;
  }
  sendText(res, 200, job.log, "text/plain; charset=utf-8");
  return true;
}

export function registerRunRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/runs", (r) => {
    const repo = repoFor(r, "read");
    if (repo) listRuns(r, repo);
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const w = workflowFor(r, repo);
    if (w) listRuns(r, repo, w);
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", (r) => {
    const repo = repoFor(r, "read");
    const run = repo && runFor(r, repo);
    if (repo && run) sendJson(r.res, 200, runJson(r.ctx, repo, run, workflowOf(r, repo, run)));
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", (r) => {
    const repo = repoFor(r, "read");
    const run = repo && runFor(r, repo);
    if (!repo || !run) return;
    const filter = r.url.searchParams.get("filter") ?? "latest";
    if (filter !== "latest" && filter !== "all") return validationFailed(r.res, [{ resource: "WorkflowJob", field: "filter", code: "invalid" }]);
    const jobs = jobsOfRun(r.ctx, run, filter === "all");
    const p = pageOf(r);
    const name = workflowOf(r, repo, run).name;
    sendJson(
      r.res,
      200,
      { total_count: jobs.length, jobs: jobs.slice(p.offset, p.offset + p.perPage).map((j) => jobJson(r.ctx, repo, run, j, name)) },
      linkHeader(r, p, jobs.length),
    );
  });

  /** A past attempt, reconstructed from its job (the run row holds the latest attempt). */
  const attemptOf = (r: ApiRequest, repo: Repo, run: RunRow): { run: RunRow; jobs: JobRow[] } | undefined => {
    const n = Number(r.params.attempt_number);
    const jobs = r.ctx.db.prepare(`SELECT * FROM gh_jobs WHERE run_id = ? AND run_attempt = ? ORDER BY id`).all(run.id, n) as JobRow[];
    if (!Number.isInteger(n) || n < 1 || n > run.run_attempt || jobs.length === 0) {
      ghError(r.res, 404, "Not Found");
      return undefined;
    }
    if (n === run.run_attempt) return { run, jobs };
    const job = jobs[0];
    return {
      run: { ...run, run_attempt: n, status: job.status, conclusion: job.conclusion, run_started_at: job.created_at, updated_at: job.completed_at ?? job.started_at },
      jobs,
    };
  };

  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}", (r) => {
    const repo = repoFor(r, "read");
    const run = repo && runFor(r, repo);
    const attempt = repo && run && attemptOf(r, repo, run);
    if (repo && run && attempt) sendJson(r.res, 200, runJson(r.ctx, repo, attempt.run, workflowOf(r, repo, run)));
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs", (r) => {
    const repo = repoFor(r, "read");
    const run = repo && runFor(r, repo);
    const attempt = repo && run && attemptOf(r, repo, run);
    if (!repo || !run || !attempt) return;
    const p = pageOf(r);
    const name = workflowOf(r, repo, run).name;
    sendJson(
      r.res,
      200,
      { total_count: attempt.jobs.length, jobs: attempt.jobs.slice(p.offset, p.offset + p.perPage).map((j) => jobJson(r.ctx, repo, attempt.run, j, name)) },
      linkHeader(r, p, attempt.jobs.length),
    );
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const job = findJob(r.ctx, Number(r.params.job_id));
    const run = job && findRun(r.ctx, repo.id, job.run_id);
    if (!job || !run) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, jobJson(r.ctx, repo, run, job, workflowOf(r, repo, run).name));
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const job = findJob(r.ctx, Number(r.params.job_id));
    if (!job || !findRun(r.ctx, repo.id, job.run_id)) return ghError(r.res, 404, "Not Found");
    // Like GitHub: logs exist once the job has finished; the link expires after a minute.
    if (job.status !== "completed") return ghError(r.res, 404, "Not Found");
    const expires = Math.floor(Date.now() / 1000) + 60;
    const location = `${r.ctx.baseUrl()}/actions-logs/${repo.owner}/${repo.name}/jobs/${job.id}?expires=${expires}&sig=${logSignature(job.id, expires)}`;
    r.res.writeHead(302, { location, "content-length": "0" });
    r.res.end();
  });

  router.add("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel", (r) => {
    const repo = repoFor(r, "write");
    const run = repo && runFor(r, repo);
    if (!repo || !run) return;
    if (run.status === "completed") return ghError(r.res, 409, "Cannot cancel a workflow run that is completed.");
    const at = isoSeconds(r.ctx.now());
    r.ctx.db.prepare(`UPDATE gh_runs SET status = 'completed', conclusion = 'cancelled', updated_at = ? WHERE id = ?`).run(at, run.id);
    r.ctx.db
      .prepare(`UPDATE gh_jobs SET status = 'completed', conclusion = 'cancelled', completed_at = ?, log = log || ? WHERE run_id = ? AND run_attempt = ? AND status != 'completed'`)
      .run(at, `${new Date().toISOString()} ##[error]The operation was canceled.\n`, run.id, run.run_attempt);
    sendJson(r.res, 202, {});
    emitRunEvents(r.ctx, repo, run.id, "completed");
  });

  const rerun = (r: ApiRequest, failedOnly: boolean) => {
    const repo = repoFor(r, "write");
    const run = repo && runFor(r, repo);
    if (!repo || !run) return;
    if (run.status !== "completed") return ghError(r.res, 403, "This workflow is already running");
    if (r.ctx.now().getTime() - Date.parse(run.created_at) > 30 * 86_400_000) {
      return ghError(r.res, 403, "Unable to retry this workflow run because it was created over a month ago");
    }
    // The run has a single job: re-running failed jobs re-runs it unless it succeeded.
    if (failedOnly && run.conclusion === "success") return ghError(r.res, 403, "This workflow run has no failed jobs to re-run.");
    const now = r.ctx.now();
    const attempt = run.run_attempt + 1;
    r.ctx.db
      .prepare(`UPDATE gh_runs SET run_attempt = ?, status = 'queued', conclusion = NULL, triggering_actor = ?, run_started_at = ?, updated_at = ? WHERE id = ?`)
      .run(attempt, r.login, isoSeconds(now), isoSeconds(now), run.id);
    insertQueuedJob(r.ctx, { ...run, run_attempt: attempt }, now);
    scheduleRun(r.ctx, run.id, repo.id);
    sendJson(r.res, 201, {});
    emitRunEvents(r.ctx, repo, run.id, "requested");
  };
  router.add("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun", (r) => rerun(r, false));
  router.add("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", (r) => rerun(r, true));

  router.add("POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const w = workflowFor(r, repo);
    if (!w) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    if (typeof body.ref !== "string" || body.ref === "") {
      return validationFailed(r.res, [{ resource: "WorkflowDispatch", field: "ref", code: "missing_field" }], "Invalid request.\n\n\"ref\" wasn't supplied.");
    }
    const ref = body.ref.replace(/^refs\/(heads|tags)\//, "");
    const dir = repoDir(r.ctx, repo);
    const sha = resolveRef(dir, ref);
    const commit = sha ? readCommit(dir, sha) : null;
    if (!sha || !commit || /^[0-9a-f]{40}$/.test(ref)) return validationFailed(r.res, [], `No ref found for: ${body.ref}`);
    const triggers = workflowTriggersAt(r.ctx, repo, w, sha);
    if (!triggers?.workflowDispatch) return validationFailed(r.res, [], "Workflow does not have 'workflow_dispatch' trigger");
    const inputs = body.inputs && typeof body.inputs === "object" ? Object.keys(body.inputs) : [];
    const unexpected = inputs.filter((k) => !triggers.dispatchInputs.includes(k));
    if (unexpected.length) return validationFailed(r.res, [], `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    const isBranch = resolveRef(dir, `refs/heads/${ref}`) !== null;
    const run = triggerRun(r.ctx, { repo, workflow: w, event: "workflow_dispatch", branch: isBranch ? ref : null, commit, actor: r.login });
    if (body.return_run_details === true) {
      const web = r.ctx.baseUrl();
      return sendJson(r.res, 200, {
        workflow_run_id: run.id,
        run_url: `${web}/api/v3/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
        html_url: `${web}/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
      });
    }
    r.res.writeHead(204);
    r.res.end();
  });
}
