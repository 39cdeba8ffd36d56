import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { readPushes } from "@/lib/read/pushes";
import { formatAgo, formatElapsed, formatUtcSeconds } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { JobStateBadge } from "@/components/pushes/job-state-badge";
import { TriggerPushForm } from "@/components/pushes/trigger-push-form";
import { dropBuildCachesAction, triggerPushAction } from "./actions";
import { DropBuildCaches } from "@/components/pushes/drop-build-caches";
import { DataTable, EmptyRow } from "@/components/data-table";

export const metadata: Metadata = { title: "Pushes" };

export default async function PushesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const ctx = pageReadContext(await searchParams);
  // Several repositories: the chosen one's jobs and deliveries (rows from before name none: the default's).
  const fleet = servedRepositories(getConfig()).length > 1;
  const { jobs, deliveries, lastCacheDrop, workers, waiting } = readPushes(ctx, 50, fleet ? { name: ctx.github.repository, isDefault: repoParamOf(ctx) === null } : undefined);
  const commitUrl = (sha: string) => `${ctx.github.webUrl}/${ctx.github.repository}/commit/${sha}`;
  return (
    <>
      <PageHeader
        repository={ctx.github.repository}
        title="Pushes"
        description="GitHub push webhooks and Deckhand's build-and-push jobs: each compose service is built reproducibly, compared with ECR's latest, and pushed only when it changed."
      />
      {/* "Push now" queues a push of the repository this page shows (sent as `repo`); the build-cache drop is every worker's. */}
      {user.role === "operator" ? (
        <section className="mb-8">
          <TriggerPushForm action={triggerPushAction} defaultBranch={ctx.github.branch ?? "main"} repository={ctx.github.repository} />
          <div className="mt-4" data-testid="build-caches">
            <DropBuildCaches drop={dropBuildCachesAction} lastRequest={lastCacheDrop ? `${formatUtcSeconds(lastCacheDrop.requestedAt)} UTC by ${lastCacheDrop.requestedBy}` : null} />
          </div>
        </section>
      ) : null}

      <section className="mb-10">
        <h2 className="mb-3 text-lg font-medium">Jobs</h2>
        <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <DataTable columns={["Job", "State", "Commit", "Branch", "Trigger", "Queued (UTC)", "Duration", "Result"]} testId="jobs-table">
            {jobs.length === 0 ? (
              <EmptyRow colSpan={8}>
                No push jobs yet. A push to the repository (through its webhook) or the form above queues one.
              </EmptyRow>
            ) : (
              jobs.map((j) => (
                <tr key={j.id} className="border-t border-slate-100">
                  <td className="px-3 py-2">
                    <Link href={`/pushes/${j.id}`} className="font-mono text-xs underline">
                      {j.id.slice(0, 8)}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <JobStateBadge state={j.state} />
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    <a href={commitUrl(j.sha)} className="hover:underline">
                      {j.sha.slice(0, 7)}
                    </a>
                  </td>
                  <td className="px-3 py-2">{j.branch ?? ""}</td>
                  <td className="px-3 py-2">
                    {j.trigger} <span className="text-xs text-slate-500">by {j.requestedBy}</span>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{formatUtcSeconds(j.createdAt)}</td>
                  <td className="px-3 py-2">{formatElapsed(j.startedAt, j.finishedAt)}</td>
                  {waiting[j.id] ? (
                    <td className="max-w-sm truncate px-3 py-2 text-xs text-violet-900" title={waiting[j.id]} data-testid="job-waiting">
                      {waiting[j.id]}
                    </td>
                  ) : (
                    <td className="max-w-sm truncate px-3 py-2 text-xs text-slate-600" title={j.error ?? (typeof j.summary?.text === "string" ? j.summary.text : "")}>
                      {j.error ?? (typeof j.summary?.text === "string" ? j.summary.text : "")}
                    </td>
                  )}
                </tr>
              ))
            )}
          </DataTable>
        </div>
      </section>

      <section className="mb-10">
        <h2 className="mb-1 text-lg font-medium">Workers</h2>
        <p className="mb-3 text-sm text-slate-600">
          Workers seen in the last week and the platforms each builds (its own, those with a qemu handler, and those set in DECKHAND_WORKER_PLATFORMS). A
          service whose RUN steps need a platform its job&apos;s worker does not build waits for a worker that reports it.
        </p>
        <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <DataTable columns={["Worker", "Kind", "Platforms", "Last seen (UTC)"]} testId="workers-table">
            {workers.length === 0 ? (
              <EmptyRow colSpan={4}>
                No worker has asked for a job in the last week.
              </EmptyRow>
            ) : (
              workers.map((w) => (
                <tr key={w.workerId} className="border-t border-slate-100" data-testid={`worker-${w.workerId}`}>
                  <td className="px-3 py-2 font-mono text-xs">{w.workerId}</td>
                  <td className="px-3 py-2">{w.kind}</td>
                  <td className="px-3 py-2 font-mono text-xs" data-testid="worker-platforms">
                    {w.platforms.length ? w.platforms.join(", ") : <span className="text-slate-500">none reported</span>}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">
                    {formatUtcSeconds(w.lastSeen)}
                    {w.silent ? (
                      <span className="ml-2 font-sans text-amber-800" data-testid="worker-silent">
                        not heard from since ({formatAgo(w.lastSeen)}): gone or stuck
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </DataTable>
        </div>
      </section>

      <section>
        <h2 className="mb-1 text-lg font-medium">Webhook deliveries</h2>
        <p className="mb-3 text-sm text-slate-600">Every signed delivery GitHub sent to /api/webhooks/github, with what Deckhand did with it.</p>
        <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <DataTable columns={["Delivery", "Event", "Received (UTC)", "Outcome", "Reason", "Job"]} testId="deliveries-table">
            {deliveries.length === 0 ? (
              <EmptyRow colSpan={6}>
                No deliveries yet.
              </EmptyRow>
            ) : (
              deliveries.map((d) => (
                <tr key={d.id} className="border-t border-slate-100">
                  <td className="px-3 py-2 font-mono text-xs">{d.id}</td>
                  <td className="px-3 py-2">{d.event}</td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{formatUtcSeconds(d.received_at)}</td>
                  <td className="px-3 py-2">{d.outcome}</td>
                  <td className="px-3 py-2 text-xs text-slate-600">{d.reason ?? ""}</td>
                  <td className="px-3 py-2">
                    {d.job_id ? (
                      <Link href={`/pushes/${d.job_id}`} className="font-mono text-xs underline">
                        {d.job_id.slice(0, 8)}
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </DataTable>
        </div>
      </section>
    </>
  );
}
