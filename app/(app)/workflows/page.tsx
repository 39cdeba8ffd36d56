import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { readRunPage, readWorkflows } from "@/lib/read/workflows";
import { commitUrl } from "@/lib/judgements/registry/commit-links";
import { isRunActive, runDurationMs } from "@/lib/judgements/workflows/run-duration";
import { parseRunQuery, runQueryHref, RUN_CONCLUSIONS, RUN_EVENTS, RUN_STATUSES } from "@/lib/judgements/workflows/run-query";
import { formatRunDuration } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { PartFailure, PartLoading } from "@/components/part-failure";
import { TimeCell } from "@/components/registry/time-cell";
import { RunStatus } from "@/components/workflows/run-status";
import { RunPoller } from "@/components/workflows/run-poller";
import { DispatchForm } from "@/components/workflows/dispatch-form";
import { dispatchWorkflowAction } from "./actions";
import { DataTable, EmptyRow } from "@/components/data-table";
import { repoParamOf, withRepo } from "@/components/fleet/repo-href";

export const metadata: Metadata = { title: "Workflows" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function WorkflowsPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser();
  const sp = await searchParams;
  const query = parseRunQuery(sp);
  const repoParam = repoParamOf(sp);
  const ctx = pageReadContext(sp);
  const listed = await readWorkflows(ctx);
  if (!listed.ok)
    return (
      <>
        <PageHeader repository={ctx.github.repository} title="Workflows" description={`GitHub Actions runs in ${ctx.github.repository}.`} />
        <PartFailure failure={listed.failure} />
      </>
    );
  const { workflows, ecr } = listed.data;
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Workflows" description={`GitHub Actions runs in ${ctx.github.repository}.`}>
        {/* Dispatches in the repository this page shows (the form sends it as `repo`). */}
        {user.role === "operator" && ecr ? <DispatchForm action={dispatchWorkflowAction} defaultRef={ctx.github.branch ?? "main"} workflowName={ecr.name} repository={ctx.github.repository} /> : null}
      </PageHeader>
      {!ecr ? (
        <p className="mb-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          No workflow named “{ctx.workflowName}” (DECKHAND_WORKFLOW) in this repository: showing every workflow&apos;s runs.
        </p>
      ) : null}
      <nav className="mb-3 flex flex-wrap gap-2 text-sm" aria-label="Workflows">
        {ecr ? <WorkflowTab href={withRepo(runQueryHref("/workflows", query, { workflow: "ecr", page: 1 }), repoParam)} active={query.workflow === "ecr"} label={`${ecr.name} (ECR)`} /> : null}
        <WorkflowTab href={withRepo(runQueryHref("/workflows", query, { workflow: "all", page: 1 }), repoParam)} active={query.workflow === "all" || (!ecr && query.workflow === "ecr")} label="All workflows" />
        {workflows
          .filter((w) => w.id !== ecr?.id)
          .map((w) => (
            <WorkflowTab key={w.id} href={withRepo(runQueryHref("/workflows", query, { workflow: String(w.id), page: 1 }), repoParam)} active={query.workflow === String(w.id)} label={w.name} />
          ))}
      </nav>
      <form method="get" className="mb-4 flex flex-wrap items-end gap-2 text-sm" aria-label="Filter runs">
        {query.workflow !== "ecr" ? <input type="hidden" name="workflow" value={query.workflow} /> : null}
        {repoParam ? <input type="hidden" name="repo" value={repoParam} /> : null}
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Status</span>
          <select name="status" defaultValue={query.status} className="rounded border border-slate-300 px-2 py-1.5">
            <option value="">any</option>
            {[...RUN_CONCLUSIONS, ...RUN_STATUSES].map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Branch</span>
          <input name="branch" defaultValue={query.branch} className="w-36 rounded border border-slate-300 px-2 py-1.5" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Event</span>
          <select name="event" defaultValue={query.event} className="rounded border border-slate-300 px-2 py-1.5">
            <option value="">any</option>
            {RUN_EVENTS.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <button className="rounded bg-slate-800 px-3 py-1.5 text-white">Filter</button>
        {query.status || query.branch || query.event ? (
          <Link className="text-sky-700" href={withRepo(runQueryHref("/workflows", query, { status: "", branch: "", event: "", page: 1 }), repoParam)}>
            Clear
          </Link>
        ) : null}
      </form>
      <Suspense key={JSON.stringify(query)} fallback={<PartLoading label="runs" />}>
        <RunsTable ctx={ctx} searchParams={sp} />
      </Suspense>
    </>
  );
}

function WorkflowTab({ href, active, label }: { href: string; active: boolean; label: string }) {
  return (
    <Link href={href} aria-current={active ? "page" : undefined} className={`whitespace-nowrap rounded-full px-3 py-1 ${active ? "bg-slate-800 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200"}`}>
      {label}
    </Link>
  );
}

async function RunsTable({ ctx, searchParams }: { ctx: ReadContext; searchParams: Record<string, string | string[] | undefined> }) {
  const { query, runs } = await readRunPage(ctx, searchParams);
  const repoParam = repoParamOf(searchParams);
  if (!runs.ok) return <PartFailure failure={runs.failure} />;
  const page = runs.data;
  const now = new Date();
  const active = page.runs.filter((r) => isRunActive(r.status)).map((r) => ({ id: r.id, state: `${r.status}:${r.conclusion ?? ""}:${r.runAttempt}` }));
  return (
    <section>
      <div className="mb-2 flex items-center justify-between">
        <p className="text-sm text-slate-600" data-testid="run-count">
          {page.totalCount} run{page.totalCount === 1 ? "" : "s"} · page {page.page}
        </p>
        <RunPoller runs={active} />
      </div>
      <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <DataTable columns={["Status", "Run", "Branch", "Commit", "Actor", "Event", "Started", "Duration", "GitHub"]} testId="run-table">
          {page.runs.map((r) => (
            <tr key={r.id} data-run-id={r.id} className="border-t border-slate-100">
              <td className="px-3 py-2">
                <RunStatus status={r.status} conclusion={r.conclusion} />
              </td>
              <td className="px-3 py-2">
                <Link href={withRepo(`/workflows/runs/${r.id}`, repoParam)} className="font-medium text-sky-700 hover:underline">
                  {r.displayTitle}
                </Link>
                <span className="block text-xs text-slate-500">
                  {r.name} #{r.runNumber}
                  {r.runAttempt > 1 ? ` · attempt ${r.runAttempt}` : ""}
                </span>
              </td>
              <td className="px-3 py-2">{r.headBranch ?? "—"}</td>
              <td className="px-3 py-2">
                <a href={commitUrl(ctx.github.webUrl, ctx.github.owner, ctx.github.repo, r.headSha)} className="font-mono text-xs text-sky-700 hover:underline">
                  {r.headSha.slice(0, 7)}
                </a>
              </td>
              <td className="px-3 py-2">{r.actor ?? "—"}</td>
              <td className="px-3 py-2">{r.event}</td>
              <td className="px-3 py-2">
                <TimeCell iso={r.runStartedAt ?? r.createdAt} now={now} />
              </td>
              <td className="px-3 py-2 tabular-nums">{formatRunDuration(runDurationMs(r, now))}</td>
              <td className="px-3 py-2">
                <a href={r.htmlUrl} className="text-xs text-sky-700 hover:underline">
                  open ↗
                </a>
              </td>
            </tr>
          ))}
          {page.runs.length === 0 ? (
            <EmptyRow colSpan={9}>
              No runs match.
            </EmptyRow>
          ) : null}
        </DataTable>
      </div>
      <nav className="mt-3 flex gap-3 text-sm" aria-label="Pages">
        {page.page > 1 ? <Link href={withRepo(runQueryHref("/workflows", query, { page: page.page - 1 }), repoParam)}>← Newer</Link> : null}
        {page.hasNext ? <Link href={withRepo(runQueryHref("/workflows", query, { page: page.page + 1 }), repoParam)}>Older →</Link> : null}
      </nav>
    </section>
  );
}
