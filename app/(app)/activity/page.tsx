import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pagePostureDeps } from "@/lib/read/page-support";
import { parseActivityQuery } from "@/lib/judgements/posture/activity-filter";
import { ActivitySections } from "./activity-sections";

export const metadata: Metadata = { title: "Activity" };

export default async function ActivityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const deps = pagePostureDeps(sp);
  const { query, filter } = parseActivityQuery(sp);
  return (
    <>
      <PageHeader title="Activity" description={`CloudTrail events signed with ${deps.userName}'s access keys over the last 90 days, newest first.`}>
        <RefreshLink href="/activity" fetchedNote="Cached for 30 s" />
      </PageHeader>
      <Suspense
        fallback={
          <SectionCard title="Events" label="Events">
            <SectionLoading what="CloudTrail events" />
          </SectionCard>
        }
      >
        <ActivitySections deps={deps} query={query} filter={filter} />
      </Suspense>
    </>
  );
}
