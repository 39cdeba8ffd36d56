import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext } from "@/lib/read/context";
import { PageHeader } from "@/components/page-header";
import { AutoRefresh } from "@/components/overview/auto-refresh";
import { CardLoading } from "@/components/overview/card";
import { HeldKeyCard, KeyCard } from "@/components/overview/key-cards";
import { DriftCard } from "@/components/overview/drift-card";
import { LastRunCard, PushChartSection } from "@/components/overview/run-cards";
import { DeckhandPushesCard, DoctorCard } from "@/components/overview/status-cards";
import { PushVerdict, PushVerdictLoading } from "@/components/overview/push-verdict";
import { readAccountNotSetUp } from "@/lib/read/overview";
import { UnfinishedOperations } from "./unfinished-operations";
import { TwoPushersNotice } from "@/components/overview/two-pushers";
import { RoleCard } from "@/components/overview/role-card";
import { readWorkflowSignIn } from "@/lib/read/oidc";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  // "Refresh now" (?refresh=1) drops every cached read this page shows.
  const ctx = pageReadContext(await searchParams);
  const header = (
    <PageHeader repository={ctx.github.repository} title="Overview" description={`Can ${ctx.github.repository} push to ECR right now, and is anything about to break?`}>
      <AutoRefresh />
    </PageHeader>
  );
  const verdict = (
    <Suspense fallback={<PushVerdictLoading />}>
      <PushVerdict ctx={ctx} />
    </Suspense>
  );
  // A fresh account: the way to Setup, not a wall of cards each failing on the missing user.
  if (await readAccountNotSetUp(ctx)) {
    return (
      <>
        {header}
        <UnfinishedOperations ctx={ctx} operator={user.role === "operator"} />
        {verdict}
      </>
    );
  }
  // A workflow that assumes GitHub's OIDC role: the role's card, not the key's age, is what matters.
  const signIn = await readWorkflowSignIn(ctx);
  const role = signIn.ok && signIn.data.credentials.kind === "role" ? signIn.data.credentials : null;
  return (
    <>
      {header}
      <UnfinishedOperations ctx={ctx} operator={user.role === "operator"} />
      {verdict}
      <Suspense fallback={null}>
        <TwoPushersNotice ctx={ctx} />
      </Suspense>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {role ? (
          <Suspense fallback={<CardLoading title="Push role (OIDC)" />}>
            <RoleCard ctx={ctx} roleToAssume={role.roleToAssume} />
          </Suspense>
        ) : (
          <>
            <Suspense fallback={<CardLoading title="Push key" />}>
              <KeyCard ctx={ctx} />
            </Suspense>
            <Suspense fallback={<CardLoading title="Key GitHub holds" />}>
              <HeldKeyCard ctx={ctx} />
            </Suspense>
          </>
        )}
        <Suspense fallback={<CardLoading title="Policy drift" />}>
          <DriftCard ctx={ctx} />
        </Suspense>
        <Suspense fallback={<CardLoading title="Last workflow run" />}>
          <LastRunCard ctx={ctx} />
        </Suspense>
        <DeckhandPushesCard ctx={ctx} />
        <Suspense fallback={<CardLoading title="Doctor" />}>
          <DoctorCard ctx={ctx} />
        </Suspense>
      </div>
      <section className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-2 text-sm font-medium text-slate-500">Pushes and failures, last 30 days</h2>
        <Suspense fallback={<p className="text-sm text-slate-500">Loading runs…</p>}>
          <PushChartSection ctx={ctx} />
        </Suspense>
      </section>
    </>
  );
}
