import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { withRepo } from "@/components/fleet/repo-href";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { PolicySections } from "./policy-sections";

export const metadata: Metadata = { title: "Policy" };

export default async function PolicyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const ctx = pageReadContext(await searchParams);
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Policy" description={`What ${ctx.userName} may do in ECR, compared with the expected policy, AWS's minimal push set and what CloudTrail saw it use.`}>
        <RefreshLink href={withRepo("/policy", repoParamOf(ctx))} fetchedNote="Cached for 30 s" />
      </PageHeader>
      <Suspense
        fallback={
          <SectionCard title="Policies" label="Policies">
            <SectionLoading what="the user's policies" />
          </SectionCard>
        }
      >
        <PolicySections ctx={ctx} canApply={user.role === "operator"} />
      </Suspense>
    </>
  );
}
