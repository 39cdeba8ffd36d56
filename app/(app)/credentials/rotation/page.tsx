import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { getDb } from "@/lib/infra/db";
import { getThresholds } from "@/lib/operations/settings/thresholds";
import { getRotationSettings } from "@/lib/operations/rotation/store";
import { PageHeader } from "@/components/page-header";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { RotationSettingsForm } from "@/components/rotation/rotation-settings-form";
import { PlanSection } from "./plan-section";
import { HistorySection } from "./history-section";
import { updateRotationSettingsAction } from "./actions";

export const metadata: Metadata = { title: "Key rotation" };
export const dynamic = "force-dynamic";

export default async function RotationPage() {
  const user = await requireUser();
  const db = getDb();
  return (
    <>
      <PageHeader title="Key rotation" description="Replace the push user's access key in IAM and in GitHub's secrets, verified end to end, resumable after any crash.">
        <Link href="/credentials" className="text-sm text-sky-700 underline">
          Back to Credentials
        </Link>
      </PageHeader>
      <SectionCard title="Plan" label="Rotation plan">
        <Suspense fallback={<SectionLoading what="the rotation plan" />}>
          <PlanSection user={user} />
        </Suspense>
      </SectionCard>
      <SectionCard title="History" label="Rotation history">
        <HistorySection />
      </SectionCard>
      <SectionCard title="Settings" label="Rotation settings">
        <RotationSettingsForm values={getRotationSettings(db)} rotateAfterDays={getThresholds(db).rotateAfterDays} canEdit={user.role === "operator"} action={updateRotationSettingsAction} />
      </SectionCard>
    </>
  );
}
