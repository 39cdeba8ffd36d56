import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { getDb } from "@/lib/infra/db";
import { getThresholds } from "@/lib/operations/settings/thresholds";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pagePostureDeps } from "@/lib/read/page-support";
import { KeysSection } from "./keys-section";
import { HeldKeySection } from "./held-key-section";
import { GithubConfigSection } from "./github-config-section";

export const metadata: Metadata = { title: "Credentials" };

export default async function CredentialsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const deps = pagePostureDeps(await searchParams);
  const thresholds = getThresholds(getDb());
  return (
    <>
      <PageHeader title="Credentials" description={`Access keys of the IAM user ${deps.userName}, which one GitHub holds, and whether the repository is configured as the guide says.`}>
        <div className="flex items-center gap-3">
          {user.role === "operator" ? (
            <Link href="/credentials/rotation" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white hover:bg-slate-700">
              Rotate key
            </Link>
          ) : null}
          <RefreshLink href="/credentials" fetchedNote="Cached for 30 s" />
        </div>
      </PageHeader>
      <SectionCard title="Access keys" label="Access keys">
        <Suspense fallback={<SectionLoading what="access keys" />}>
          <KeysSection deps={deps} thresholds={thresholds} operator={user.role === "operator"} />
        </Suspense>
      </SectionCard>
      <SectionCard title="Which key GitHub holds" label="Which key GitHub holds">
        <Suspense fallback={<SectionLoading what="the key correlation" />}>
          <HeldKeySection deps={deps} />
        </Suspense>
      </SectionCard>
      <SectionCard title="GitHub configuration" label="GitHub configuration">
        <Suspense fallback={<SectionLoading what="the GitHub configuration" />}>
          <GithubConfigSection deps={deps} />
        </Suspense>
      </SectionCard>
    </>
  );
}
