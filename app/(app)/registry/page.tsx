import type { Metadata } from "next";
import { EmptyRow } from "@/components/data-table";
import Link from "next/link";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { EcrOwnerControl } from "@/components/registry/ecr-owner-control";
import { reassignEcrOwnerAction, releaseEcrOwnerAction } from "./actions";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { readRepositoryTable } from "@/lib/read/registry";
import { parseRepositoryQuery, repositoryQueryHref, type RepositoryQuery, type RepositorySort } from "@/lib/judgements/registry/repository-query";
import { PageHeader } from "@/components/page-header";
import { PartFailure, PartLoading } from "@/components/part-failure";
import { serviceName } from "@/lib/failures";
import { DigestText } from "@/components/registry/digest-text";
import { TimeCell } from "@/components/registry/time-cell";

export const metadata: Metadata = { title: "Registry" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RegistryPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser();
  const sp = await searchParams;
  const query = parseRepositoryQuery(sp);
  const ctx = pageReadContext(sp);
  const region = ctx.clients.aws.region;
  return (
    <>
      <PageHeader title="Registry" description={`Every ECR repository in ${region}: what the guide's "Verify Images in ECR" step shows with the AWS CLI.`} />
      <form method="get" action="/registry" className="mb-4 flex flex-wrap items-center gap-2" role="search">
        <input
          name="q"
          defaultValue={query.q}
          placeholder="Search repositories"
          aria-label="Search repositories"
          className="w-72 rounded border border-slate-300 px-3 py-1.5 text-sm"
        />
        {query.sort !== "name" ? <input type="hidden" name="sort" value={query.sort} /> : null}
        <button className="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">Search</button>
        <span className="text-xs text-slate-500">
          CLI: <code>aws ecr describe-repositories --region {region}</code>
        </span>
      </form>
      <Suspense fallback={<PartLoading label="repositories" />}>
        <RepositoryTable ctx={ctx} searchParams={sp} operator={user.role === "operator"} />
      </Suspense>
    </>
  );
}

const COLUMNS: Array<{ label: string; sort?: RepositorySort }> = [
  { label: "Repository", sort: "name" },
  { label: "URI" },
  { label: "Tag mutability" },
  { label: "Images", sort: "images" },
  { label: "Untagged" },
  { label: "Latest push", sort: "pushed" },
  { label: "latest →" },
  { label: "Owner" },
];

async function RepositoryTable({ ctx, searchParams, operator }: { ctx: ReadContext; searchParams: Record<string, string | string[] | undefined>; operator: boolean }) {
  // Issue 16: the served repository whose services may push into each ECR repository; operators may change it.
  const served = operator ? servedRepositories().map((r) => r.repository) : [];
  const { query, table } = await readRepositoryTable(ctx, searchParams);
  if (!table.ok) return <PartFailure failure={table.failure} />;
  const result = table.data;
  const href = (change: Partial<RepositoryQuery>) => repositoryQueryHref("/registry", query, change);
  const ownersFailedCall = result.owners.ok ? null : `${serviceName(result.owners.failure.service)} ${result.owners.failure.call}`;
  return (
    <section>
      {result.owners.ok ? null : (
        <div className="mb-3">
          <PartFailure failure={result.owners.failure} what="the owners of the ECR repositories (the account they are recorded under is unknown); owners cannot be shown or changed until it answers" testId="owners-error" />
        </div>
      )}
      <p className="mb-2 text-sm text-slate-600" data-testid="repository-count">
        {result.total} {result.total === 1 ? "repository" : "repositories"}
        {query.q ? ` matching “${query.q}”` : ""} · page {result.page} of {result.pageCount}
      </p>
      <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" data-testid="repository-table">
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.label} className="px-3 py-2">
                  {c.sort ? (
                    <Link href={href({ sort: c.sort, dir: query.sort === c.sort ? (query.dir === "asc" ? "desc" : "asc") : c.sort === "name" ? "asc" : "desc", page: 1 })}>
                      {c.label}
                      {query.sort === c.sort ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
                    </Link>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r) => {
              const f = r.facts;
              return (
                <tr key={r.name} className="border-t border-slate-100" data-repository={r.name}>
                  <td className="px-3 py-2 font-medium">
                    <Link className="text-sky-700 hover:underline" href={`/registry/${encodeURIComponent(r.name)}`}>
                      {r.name}
                    </Link>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs text-slate-600">{r.uri}</td>
                  <td className="px-3 py-2">{r.tagMutability}</td>
                  {f && !f.ok ? (
                    <td colSpan={4} className="px-3 py-2 text-xs text-amber-800">
                      {f.failure.message}
                    </td>
                  ) : (
                    <>
                      <td className="px-3 py-2 tabular-nums" data-testid="image-count">{f?.facts.imageCount ?? "—"}</td>
                      <td className="px-3 py-2 tabular-nums">{f?.facts.untaggedCount ?? "—"}</td>
                      <td className="px-3 py-2">
                        <TimeCell iso={f?.facts.latestPushedAt ?? null} />
                      </td>
                      <td className="px-3 py-2">
                        <DigestText digest={f?.facts.latestDigest ?? null} testId="latest-digest" />
                      </td>
                    </>
                  )}
                  <td className="px-3 py-2 text-xs" data-testid="ecr-owner">
                    <span className={r.owner ? "text-slate-800" : "text-slate-500"}>
                      {r.owner === undefined ? `owner unknown${ownersFailedCall ? ` (${ownersFailedCall} failed)` : ""}` : r.owner ? `owned by ${r.owner.sourceRepository}` : "not claimed"}
                    </span>
                    {operator && r.owner !== undefined ? (
                      <EcrOwnerControl ecrRepository={r.name} owner={r.owner?.sourceRepository ?? null} repositories={served} reassign={reassignEcrOwnerAction} release={releaseEcrOwnerAction} />
                    ) : null}
                  </td>
                </tr>
              );
            })}
            {result.rows.length === 0 ? (
              <EmptyRow colSpan={COLUMNS.length} testId="repository-table-empty">
                {query.q ? "No repository matches this search." : "No ECR repositories in this region yet. The first push creates them."}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      {result.pageCount > 1 ? (
        <nav className="mt-3 flex items-center gap-3 text-sm" aria-label="Pages">
          {result.page > 1 ? <Link href={href({ page: result.page - 1 })}>← Previous</Link> : null}
          <span>
            Page {result.page} of {result.pageCount}
          </span>
          {result.page < result.pageCount ? <Link href={href({ page: result.page + 1 })}>Next →</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
