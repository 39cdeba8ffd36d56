import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { SectionCard, SectionLoading } from "@/components/posture/section-card";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { KeysSection } from "./keys-section";
import { HeldKeySection } from "./held-key-section";
import { GithubConfigSection } from "./github-config-section";
import { OidcRoleSection } from "./oidc-role-section";
import { UnfinishedOperations } from "../unfinished-operations";
import { readAccountNotSetUp } from "@/lib/read/overview";

export const metadata: Metadata = { title: "Credentials" };

export default async function CredentialsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const ctx = pageReadContext(await searchParams);
  // Nothing to rotate or judge in an account nobody has set up: say where to start instead.
  const notSetUp = await readAccountNotSetUp(ctx);
  // Rotation and key actions act on this repository's push user (ctx.userName), from this repository.
  const operator = user.role === "operator";
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Credentials" description={`Access keys of the IAM user ${ctx.userName}, which one GitHub holds, and whether the repository is configured as the guide says.`}>
        <div className="flex flex-wrap items-center gap-3">
          {operator && !notSetUp ? (
            <Link href={withRepo("/credentials/rotation", repoParamOf(ctx))} className="whitespace-nowrap rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white hover:bg-slate-700">
              Rotate key
            </Link>
          ) : null}
          {!notSetUp ? (
            <Link href={withRepo("/credentials/oidc", repoParamOf(ctx))} className="whitespace-nowrap text-sm font-medium underline">
              Move to the OIDC role
            </Link>
          ) : null}
          <RefreshLink href={withRepo("/credentials", repoParamOf(ctx))} fetchedNote="Cached for 30 s" />
        </div>
      </PageHeader>
      <UnfinishedOperations ctx={ctx} operator={operator} />
      {notSetUp ? (
        <section className="rounded-lg border-2 border-sky-300 bg-sky-50 p-4 text-sm text-sky-950" data-testid="not-set-up">
          <p className="font-medium">The IAM user {ctx.userName} does not exist in this account yet.</p>
          <p className="mt-1">
            The guided{" "}
            <Link href="/setup" className="font-medium underline">
              Setup
            </Link>{" "}
            creates it with its policy and key and writes the GitHub secrets; its keys appear here afterwards.
          </p>
        </section>
      ) : null}
      {notSetUp ? null : <>
      <SectionCard title="Access keys" label="Access keys">
        <Suspense fallback={<SectionLoading what="access keys" />}>
          <KeysSection ctx={ctx} operator={operator} />
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
      <SectionCard title="GitHub OIDC role" label="GitHub OIDC role">
        <Suspense fallback={<SectionLoading what="the OIDC role" />}>
          <OidcRoleSection ctx={ctx} />
        </Suspense>
      </SectionCard>
      </>}
    </>
  );
}
