import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { withRepo } from "@/components/fleet/repo-href";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { ActivitySections } from "./activity-sections";

export const metadata: Metadata = { title: "Activity" };

export default async function ActivityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const ctx = pageReadContext(sp);
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Activity" description={`CloudTrail events signed with ${ctx.userName}'s access keys over the last 90 days, newest first.`}>
        <RefreshLink href={withRepo("/activity", repoParamOf(ctx))} fetchedNote="Cached for 30 s" />
      </PageHeader>
      <Suspense
        fallback={
          <SectionCard title="Events" label="Events">
            <SectionLoading what="CloudTrail events" />
          </SectionCard>
        }
      >
        <ActivitySections ctx={ctx} searchParams={sp} />
      </Suspense>
    </>
  );
}
