import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext } from "@/lib/read/context";
import { KeysSection } from "./keys-section";
import { HeldKeySection } from "./held-key-section";
import { GithubConfigSection } from "./github-config-section";

export const metadata: Metadata = { title: "Credentials" };

export default async function CredentialsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const ctx = pageReadContext(await searchParams);
  return (
    <>
      <PageHeader title="Credentials" description={`Access keys of the IAM user ${ctx.userName}, which one GitHub holds, and whether the repository is configured as the guide says.`}>
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
          <KeysSection ctx={ctx} operator={user.role === "operator"} />
        </Suspense>
      </SectionCard>
      <SectionCard title="Which key GitHub holds" label="Which key GitHub holds">
        <Suspense fallback={<SectionLoading what="the key correlation" />}>
          <HeldKeySection ctx={ctx} />
        </Suspense>
      </SectionCard>
      <SectionCard title="GitHub configuration" label="GitHub configuration">
        <Suspense fallback={<SectionLoading what="the GitHub configuration" />}>
          <GithubConfigSection ctx={ctx} />
        </Suspense>
      </SectionCard>
    </>
  );
}
