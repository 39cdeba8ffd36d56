import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { readRotationSettings } from "@/lib/read/rotation";
import { PageHeader } from "@/components/page-header";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { RotationSettingsForm } from "@/components/rotation/rotation-settings-form";
import { PlanSection } from "./plan-section";
import { HistorySection } from "./history-section";
import { updateRotationSettingsAction } from "./actions";

export const metadata: Metadata = { title: "Key rotation" };
export const dynamic = "force-dynamic";

export default async function RotationPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  // The repository shown (?repo=): the rotation rotates its push user, from it.
  const ctx = pageReadContext(await searchParams);
  const { settings, rotateAfterDays } = readRotationSettings(ctx);
  return (
    <>
      <PageHeader
        title="Key rotation"
        description={`Replace the access key of ${ctx.userName}, the push user of ${ctx.github.repository}, in IAM and in every GitHub secret holding it, verified end to end, resumable after any crash.`}
      >
        <Link href={withRepo("/credentials", repoParamOf(ctx))} className="text-sm text-sky-700 underline">
          Back to Credentials
        </Link>
      </PageHeader>
      <SectionCard title="Plan" label="Rotation plan">
        <Suspense fallback={<SectionLoading what="the rotation plan" />}>
          <PlanSection ctx={ctx} user={user} repositories={servedRepositories(getConfig())} />
        </Suspense>
      </SectionCard>
      <SectionCard title="History" label="Rotation history">
        <HistorySection ctx={ctx} />
      </SectionCard>
      <SectionCard title="Settings" label="Rotation settings">
        <RotationSettingsForm values={settings} rotateAfterDays={rotateAfterDays} canEdit={user.role === "operator"} action={updateRotationSettingsAction} />
      </SectionCard>
    </>
  );
}
