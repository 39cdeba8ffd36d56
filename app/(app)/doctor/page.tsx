import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { readDoctorChecks } from "@/lib/read/doctor";
import { StatusBadge } from "@/components/posture/status-badge";
import { TwoPushersNotice } from "@/components/overview/two-pushers";

export const metadata: Metadata = { title: "Doctor" };

export default async function DoctorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const ctx = pageReadContext(await searchParams);
  return (
    <>
      <PageHeader title="Doctor" description="Every section of the guide's Troubleshooting, checked live against IAM, CloudTrail, ECR and GitHub.">
        <RefreshLink href="/doctor" fetchedNote="Cached for 30 s" />
      </PageHeader>
      <Suspense fallback={null}>
        <TwoPushersNotice ctx={ctx} />
      </Suspense>
      <Suspense
        fallback={
          <SectionCard title="Checks" label="Checks">
            <SectionLoading what="the checks" />
          </SectionCard>
        }
      >
        <Checks ctx={ctx} />
      </Suspense>
    </>
  );
}

async function Checks({ ctx }: { ctx: ReadContext }) {
  const checks = await readDoctorChecks(ctx);
  return (
    <>
      <p className="mb-4 text-sm" data-testid="doctor-summary">
        {checks.filter((c) => c.status === "pass").length} passed, {checks.filter((c) => c.status === "fail").length} failed, {checks.filter((c) => c.status === "unknown").length} unknown.
      </p>
      {checks.map((c) => (
        <section key={c.id} id={c.id} aria-label={c.title} data-testid={`check-${c.id}`} data-status={c.status} className="mb-4 rounded-lg border border-slate-200 bg-white p-5">
          <h2 className="text-lg font-medium">
            <StatusBadge status={c.status} /> {c.title}
          </h2>
          <p className="text-xs text-slate-500">Error: {c.guideError}</p>
          <p className="mt-2 text-sm font-medium" data-testid="check-summary">
            {c.summary}
          </p>
          {c.evidence.length ? (
            <details className="mt-2 text-sm" open={c.status !== "pass"}>
              <summary className="cursor-pointer text-slate-700">Evidence</summary>
              <ul className="mt-1 list-disc pl-5 text-slate-700">
                {c.evidence.map((e, i) => (
                  <li key={i}>{e}</li>
                ))}
              </ul>
            </details>
          ) : null}
          {c.status !== "pass" ? (
            <div className="mt-2 text-sm">
              <p className="font-medium">Fix (from the guide):</p>
              <ol className="list-decimal pl-5">
                {c.fixSteps.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ol>
            </div>
          ) : null}
          <p className="mt-2 text-xs text-slate-500">API calls: {c.apiCalls.join(" · ")}</p>
        </section>
      ))}
    </>
  );
}
