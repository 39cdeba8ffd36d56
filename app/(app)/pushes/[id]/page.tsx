import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext } from "@/lib/read/context";
import { getConfig } from "@/lib/infra/config/env";
import { readPushJob } from "@/lib/read/pushes";
import { formatUtcSeconds, shortDigest } from "@/lib/format";
import { waitingReason } from "@/lib/judgements/push/job-parts";
import { PageHeader } from "@/components/page-header";
import { JobStateBadge } from "@/components/pushes/job-state-badge";
import { JobActions } from "@/components/pushes/job-actions";
import { LiveLog } from "@/components/pushes/live-log";
import { cancelPushJobAction, rebuildFreshBasesAction, rerunPushJobAction } from "../actions";
import { describeBuildSavings } from "@/lib/judgements/push/describe-build-savings";
import { DataTable, EmptyRow } from "@/components/data-table";

export const metadata: Metadata = { title: "Push job" };

const short = (d: string | null | undefined) => (d ? `${shortDigest(d)}…` : "");

export default async function PushJobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const ctx = pageReadContext();
  const found = readPushJob(ctx, id);
  if (!found) notFound();
  const { job, services, log, running, parts } = found;
  // The job's own repository (jobs queued before several repositories name none: the default one), not the one the
  // selector shows: a job page opened from another repository's link must still point at the commit it built.
  const repository = job.repository ?? getConfig().github.repository;
  return (
    <>
      <PageHeader repository={repository} title={`Push ${job.sha.slice(0, 7)}`} description={`${job.trigger} push requested by ${job.requestedBy}${job.branch ? ` for ${job.branch}` : ""}.`}>
        {user.role === "operator" ? (
          <JobActions jobId={job.id} canCancel={running} canRerun={!running} cancel={cancelPushJobAction} rerun={rerunPushJobAction} rebuildFresh={rebuildFreshBasesAction} />
        ) : null}
      </PageHeader>
      <dl className="mb-6 grid max-w-3xl grid-cols-[10rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-500">State</dt>
        <dd data-testid="job-state">
          <JobStateBadge state={job.state} />
        </dd>
        <dt className="text-slate-500">Repository</dt>
        <dd data-testid="job-repository">{repository}</dd>
        <dt className="text-slate-500">Commit</dt>
        <dd className="font-mono text-xs">
          <a className="underline" href={`${ctx.github.webUrl}/${repository}/commit/${job.sha}`}>
            {job.sha}
          </a>
        </dd>
        <dt className="text-slate-500">Attempts</dt>
        <dd>
          {job.attempts} of {job.maxAttempts}
        </dd>
        {job.freshBases ? (
          <>
            <dt className="text-slate-500">Base images</dt>
            <dd>pulled again for this job (rebuild with fresh base images)</dd>
          </>
        ) : null}
        {job.deliveryId ? (
          <>
            <dt className="text-slate-500">Webhook delivery</dt>
            <dd className="font-mono text-xs">{job.deliveryId}</dd>
          </>
        ) : null}
        {job.supersededBy ? (
          <>
            <dt className="text-slate-500">Superseded by</dt>
            <dd>
              <Link className="font-mono text-xs underline" href={`/pushes/${job.supersededBy}`}>
                {job.supersededBy.slice(0, 8)}
              </Link>
            </dd>
          </>
        ) : null}
        {parts.length ? (
          <>
            <dt className="text-slate-500">Other platforms</dt>
            <dd data-testid="job-parts">
              <ul>
                {parts.map((p) => (
                  <li key={p.service} data-testid={`part-${p.service}`}>
                    <span className="font-medium">{p.service}</span>{" "}
                    {p.state === "waiting"
                      ? `${waitingReason(p.platform)} (until ${formatUtcSeconds(new Date(p.deadline).toISOString())} UTC)`
                      : p.state === "running"
                        ? `building for ${p.platform} on ${p.workerId} (part attempt ${p.attempts})`
                        : `${p.state} (${p.platform}${p.workerId ? `, worker ${p.workerId}` : ""})${p.error ? `: ${p.error}` : ""}`}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        {job.error ? (
          <>
            <dt className="text-slate-500">Error</dt>
            <dd className="text-red-800">{job.error}</dd>
          </>
        ) : null}
      </dl>

      <h2 className="mb-2 text-lg font-medium">Services</h2>
      <div tabIndex={0} className="mb-8 overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <DataTable
          columns={["Service", "Repository", "Decision", "Local image (config)", "Manifest", "latest before", "Uploaded of the image", "Steps cached", "Time per phase"]}
          testId="services-table"
        >
          {services.length === 0 ? (
            <EmptyRow colSpan={9}>
              {running ? "Not built yet." : "No service results recorded."}
            </EmptyRow>
          ) : (
            services.map((s) => {
              const savings = describeBuildSavings(s);
              return (
                <tr key={s.service} className="border-t border-slate-100 align-top" data-testid={`service-${s.service}`}>
                  <td className="px-3 py-2 font-medium">{s.service}</td>
                  <td className="px-3 py-2">{s.repository === "-" ? <span className="text-slate-400">none</span> : s.repository}</td>
                  <td className="px-3 py-2" data-testid="service-decision">
                    <span className={s.decision === "failed" ? "font-medium text-red-800" : undefined}>{s.decision === "not-built" ? "not built" : s.decision}</span>
                    {s.detail ? (
                      <div className={`max-w-xl text-xs break-words ${s.decision === "failed" ? "text-red-800" : "text-slate-500"}`} data-testid="service-detail">
                        {s.detail}
                      </div>
                    ) : null}
                    {savings.bases ? <div className="text-xs text-slate-500">base: {savings.bases}</div> : null}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs" title={s.localConfigDigest ?? ""}>
                    {short(s.localConfigDigest)}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs" title={s.localManifestDigest ?? ""}>
                    {short(s.localManifestDigest)}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs" title={s.remoteDigestBefore ?? ""}>
                    {short(s.remoteDigestBefore) || "none"}
                  </td>
                  <td className="px-3 py-2 text-xs" data-testid="uploaded">
                    {savings.uploaded}
                  </td>
                  <td className="px-3 py-2 text-xs" data-testid="steps-cached">
                    {savings.steps}
                  </td>
                  <td className="px-3 py-2 text-xs" data-testid="phases">
                    {savings.phases}
                  </td>
                </tr>
              );
            })
          )}
        </DataTable>
      </div>

      <h2 className="mb-2 text-lg font-medium">Log</h2>
      <LiveLog jobId={job.id} initial={log} running={running} />
    </>
  );
}
