import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext, repoParamOf, type ReadContext } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { readDoctorChecks } from "@/lib/read/doctor";
import { StatusBadge } from "@/components/posture/status-badge";
import { TwoPushersNotice } from "@/components/overview/two-pushers";
import Link from "next/link";
import { toUserFacing } from "@/lib/errors";
import { resolveDoctorMode, type DoctorMode } from "@/lib/read/oidc";
import { readOidcDoctorChecks } from "@/lib/read/oidc-doctor";
import type { CheckResult } from "@/lib/read/doctor";

export const metadata: Metadata = { title: "Doctor" };

export default async function DoctorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const params = await searchParams;
  const ctx = pageReadContext(params);
  // ?mode=oidc|key; without it, OIDC when the ECR workflow assumes a role (role-to-assume) instead of using the key.
  const { mode, automatic } = await resolveDoctorMode(ctx, params.mode);
  const description =
    mode === "oidc"
      ? "OIDC mode: GitHub's provider, the role's trust, the job's ID token and every refused AssumeRoleWithWebIdentity, checked live against IAM, CloudTrail and GitHub."
      : "Every section of the guide's Troubleshooting, checked live against IAM, CloudTrail, ECR and GitHub.";
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Doctor" description={description}>
        <RefreshLink href={withRepo(`/doctor?mode=${mode}`, repoParamOf(ctx))} fetchedNote="Cached for 30 s" />
      </PageHeader>
      <ModeSwitch mode={mode} automatic={automatic} repo={repoParamOf(ctx)} />
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
        {mode === "oidc" ? <OidcChecks ctx={ctx} /> : <Checks ctx={ctx} />}
      </Suspense>
    </>
  );
}

function ModeSwitch({ mode, automatic, repo }: { mode: DoctorMode; automatic: boolean; repo: string | null }) {
  const tabs: Array<{ id: DoctorMode; label: string }> = [
    { id: "key", label: "Access key" },
    { id: "oidc", label: "OIDC role" },
  ];
  return (
    <nav aria-label="Doctor mode" className="mb-4 flex flex-wrap items-center gap-2 text-sm" data-testid="doctor-mode" data-mode={mode}>
      {tabs.map((t) => (
        <Link
          key={t.id}
          href={withRepo(`/doctor?mode=${t.id}`, repo)}
          aria-current={t.id === mode ? "page" : undefined}
          className={`rounded-md border px-3 py-1 font-medium ${t.id === mode ? "border-slate-900 bg-slate-900 text-white" : "border-slate-300 text-slate-800 hover:bg-slate-100"}`}
        >
          {t.label}
        </Link>
      ))}
      {automatic ? <span className="text-slate-600">{mode === "oidc" ? "Chosen because the ECR workflow assumes a role (role-to-assume)." : "Chosen because the ECR workflow signs in with the access key."}</span> : null}
    </nav>
  );
}

async function OidcChecks({ ctx }: { ctx: ReadContext }) {
  let checks;
  try {
    checks = await readOidcDoctorChecks(ctx);
  } catch (err) {
    const { message } = toUserFacing(err, "OIDC checks");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not run the OIDC checks: {message}
      </p>
    );
  }
  return <CheckList checks={checks} fixLabel="Fix:" />;
}

async function Checks({ ctx }: { ctx: ReadContext }) {
  return <CheckList checks={await readDoctorChecks(ctx)} fixLabel="Fix (from the guide):" />;
}

type CheckView = Pick<CheckResult, "title" | "guideError" | "status" | "summary" | "evidence" | "fixSteps" | "apiCalls"> & { id: string };

function CheckList({ checks, fixLabel }: { checks: CheckView[]; fixLabel: string }) {
  return (
    <>
      <p className="mb-4 text-sm" data-testid="doctor-summary">
        {checks.filter((c) => c.status === "pass").length} passed, {checks.filter((c) => c.status === "fail").length} failed, {checks.filter((c) => c.status === "unknown").length} unknown.
      </p>
      {checks.map((c) => {
        // The summary is usually the first finding: the evidence lists the others, each once.
        const evidence = [...new Set(c.evidence)].filter((e) => e !== c.summary);
        return (
          <section key={c.id} id={c.id} aria-label={c.title} data-testid={`check-${c.id}`} data-status={c.status} className="mb-4 rounded-lg border border-slate-200 bg-white p-5">
            <h2 className="text-lg font-medium">
              <StatusBadge status={c.status} /> {c.title}
            </h2>
            <p className="text-xs text-slate-500">Error: {c.guideError}</p>
            <p className="mt-2 text-sm font-medium" data-testid="check-summary">
              {c.summary}
            </p>
            {evidence.length ? (
              <details className="mt-2 text-sm" open={c.status !== "pass"}>
                <summary className="cursor-pointer text-slate-700">Evidence</summary>
                <ul className="mt-1 list-disc pl-5 text-slate-700" data-testid="check-evidence">
                  {evidence.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </details>
            ) : null}
            {c.status !== "pass" ? (
              <div className="mt-2 text-sm" data-testid="check-fix">
                <p className="font-medium">{fixLabel}</p>
                <ol className="list-decimal pl-5">
                  {c.fixSteps.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ol>
              </div>
            ) : null}
            <p className="mt-2 text-xs text-slate-500">API calls: {c.apiCalls.join(" · ")}</p>
          </section>
        );
      })}
    </>
  );
}
