import type { Metadata } from "next";
import { withRepo } from "@/components/fleet/repo-href";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, repoParamOf, type ReadContext } from "@/lib/read/context";
import { readFailingStep, readJobs, readRun } from "@/lib/read/workflows";
import type { RunSummary } from "@/lib/integrations/github/runs";
import { commitUrl } from "@/lib/judgements/registry/commit-links";
import { isRunActive, runDurationMs } from "@/lib/judgements/workflows/run-duration";
import { doctorHref } from "@/lib/judgements/guide-errors";
import { formatRunDuration } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { PartFailure, PartLoading } from "@/components/part-failure";
import { TimeCell } from "@/components/registry/time-cell";
import { RunStatus } from "@/components/workflows/run-status";
import { RunPoller } from "@/components/workflows/run-poller";
import { RerunForm } from "@/components/workflows/rerun-form";
import { rerunFailedAction } from "../../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Run ${(await params).id} · Workflows` };
}

export default async function RunPage({ params, searchParams }: { params: Params; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const id = Number((await params).id);
  if (!Number.isSafeInteger(id) || id <= 0) notFound();
  const ctx = pageReadContext(await searchParams);
  const found = await readRun(ctx, id);
  if (!found.ok)
    return (
      <>
        <PageHeader repository={ctx.github.repository} title={`Run ${id}`} />
        <PartFailure failure={found.failure} />
      </>
    );
  const run = found.data;
  if (!run) notFound();
  const now = new Date();
  const failed = run.status === "completed" && run.conclusion !== "success" && run.conclusion !== "skipped";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={withRepo("/workflows", repoParamOf(ctx))} className="text-sky-700 hover:underline">
          ← Workflows
        </Link>
      </p>
      <PageHeader repository={ctx.github.repository} title={run.displayTitle} description={`${run.name} #${run.runNumber}${run.runAttempt > 1 ? ` · attempt ${run.runAttempt}` : ""}`}>
        {user.role === "operator" && failed ? <RerunForm action={rerunFailedAction} runId={run.id} repository={ctx.github.repository} /> : null}
      </PageHeader>
      <dl className="mb-6 grid max-w-4xl grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4" data-testid="run-summary">
        <dt className="text-slate-500">Status</dt>
        <dd>
          <RunStatus status={run.status} conclusion={run.conclusion} />
        </dd>
        <dt className="text-slate-500">Branch</dt>
        <dd>{run.headBranch ?? "—"}</dd>
        <dt className="text-slate-500">Commit</dt>
        <dd>
          <a className="font-mono text-xs text-sky-700" href={commitUrl(ctx.github.webUrl, ctx.github.owner, ctx.github.repo, run.headSha)}>
            {run.headSha.slice(0, 7)}
          </a>
        </dd>
        <dt className="text-slate-500">Actor · event</dt>
        <dd>
          {run.actor ?? "—"} · {run.event}
        </dd>
        <dt className="text-slate-500">Started</dt>
        <dd>
          <TimeCell iso={run.runStartedAt ?? run.createdAt} />
        </dd>
        <dt className="text-slate-500">Duration</dt>
        <dd>{formatRunDuration(runDurationMs(run, now))}</dd>
        <dt className="text-slate-500">On GitHub</dt>
        <dd>
          <a className="text-sky-700" href={run.htmlUrl}>
            open ↗
          </a>
        </dd>
      </dl>
      <RunPoller runs={isRunActive(run.status) ? [{ id: run.id, state: `${run.status}:${run.conclusion ?? ""}:${run.runAttempt}` }] : []} />
      <Suspense fallback={<PartLoading label="jobs" />}>
        <Jobs ctx={ctx} run={run} />
      </Suspense>
    </>
  );
}

async function Jobs({ ctx, run }: { ctx: ReadContext; run: RunSummary }) {
  const read = await readJobs(ctx, run.id, run.runAttempt);
  if (!read.ok) return <PartFailure failure={read.failure} />;
  const { jobs, failing } = read.data;
  return (
    <section className="space-y-4">
      {failing ? <FailingError ctx={ctx} jobId={failing.job.id} step={failing.step} jobName={failing.job.name} /> : null}
      {jobs.map((job) => (
        <div key={job.id} className="rounded-lg border border-slate-200 bg-white" data-testid="job" data-job-id={job.id}>
          <div className="flex items-center gap-2 border-b border-slate-100 px-4 py-2">
            <RunStatus status={job.status} conclusion={job.conclusion} />
            <span className="font-medium">{job.name}</span>
            <span className="text-xs text-slate-500">
              {formatRunDuration(job.startedAt && job.completedAt ? Date.parse(job.completedAt) - Date.parse(job.startedAt) : null)}
            </span>
          </div>
          <ol className="divide-y divide-slate-50 text-sm">
            {job.steps.map((s) => (
              <li key={s.number} data-step={s.name} data-conclusion={s.conclusion ?? ""} className={`flex items-center gap-3 px-4 py-1.5 ${s.conclusion === "failure" ? "bg-red-50" : ""}`}>
                <span className="w-6 text-right text-xs text-slate-600">{s.number}</span>
                <RunStatus status={s.status} conclusion={s.conclusion} />
                <span>{s.name}</span>
                <span className="ml-auto text-xs text-slate-600">
                  {formatRunDuration(s.startedAt && s.completedAt ? Date.parse(s.completedAt) - Date.parse(s.startedAt) : null)}
                </span>
              </li>
            ))}
            {job.steps.length === 0 ? <li className="px-4 py-2 text-xs text-slate-500">No steps reported yet.</li> : null}
          </ol>
        </div>
      ))}
      {jobs.length === 0 ? <p className="text-sm text-slate-500">No jobs yet: the run is waiting for a runner.</p> : null}
    </section>
  );
}

async function FailingError({ ctx, jobId, jobName, step }: { ctx: ReadContext; jobId: number; jobName: string; step: { name: string; startedAt: string | null; completedAt: string | null } | null }) {
  const read = await readFailingStep(ctx, jobId, step);
  if (!read.ok) return <PartFailure failure={read.failure} />;
  const { hasLog, error, guide } = read.data;
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm" data-testid="failing-step">
      <p className="font-medium text-red-900">
        {jobName} failed{step ? ` at “${step.name}”` : ""}
      </p>
      {error ? (
        <pre className="mt-2 whitespace-pre-wrap break-words font-mono text-xs text-red-900" data-testid="failing-error">
          {error.message}
        </pre>
      ) : (
        <p className="mt-1 text-red-800">{!hasLog ? "GitHub has no log for this job (it may have expired)." : "The log holds no error line."}</p>
      )}
      {guide ? (
        <p className="mt-3 text-red-900" data-testid="credential-failure">
          {guide.meaning}{" "}
          <Link href={doctorHref(guide.section)} className="font-medium underline" data-check-id={guide.section}>
            Doctor: {guide.title} →
          </Link>
        </p>
      ) : null}
    </div>
  );
}
