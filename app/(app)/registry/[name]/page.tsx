import type { Metadata } from "next";
import { EmptyRow } from "@/components/data-table";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { readImages, readRepository } from "@/lib/read/registry";
import { repositoryNameFromPath } from "@/lib/judgements/registry/repository-query";
import type { RepositorySummary } from "@/lib/integrations/aws/ecr";
import { formatBytes } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { PartFailure, PartLoading } from "@/components/part-failure";
import { DigestText } from "@/components/registry/digest-text";
import { TimeCell } from "@/components/registry/time-cell";
import { TagList } from "@/components/registry/tag-list";
import { IndexEntries } from "@/components/registry/index-entries";
import { OrphanReferrer, ReferrerList } from "@/components/registry/referrer-list";

type Params = Promise<{ name: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `${repositoryNameFromPath((await params).name) ?? "Not found"} · Registry` };
}

export default async function RepositoryPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  await requireUser();
  const name = repositoryNameFromPath((await params).name);
  if (name === null) notFound();
  const sp = await searchParams;
  const ctx = pageReadContext(sp);
  const found = await readRepository(ctx, name);
  if (!found.ok)
    return (
      <>
        <PageHeader title={name} />
        <PartFailure failure={found.failure} />
      </>
    );
  const repo = found.data;
  if (!repo) notFound();
  const region = ctx.clients.aws.region;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/registry" className="text-sky-700 hover:underline">
          ← Registry
        </Link>
      </p>
      <PageHeader title={repo.name} description={repo.uri} />
      <dl className="mb-6 grid max-w-3xl grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
        <dt className="text-slate-500">Tag mutability</dt>
        <dd data-testid="tag-mutability">{repo.tagMutability}</dd>
        <dt className="text-slate-500">Created</dt>
        <dd>
          <TimeCell iso={repo.createdAt} />
        </dd>
        <dt className="text-slate-500">Scan on push</dt>
        <dd>{repo.scanOnPush ? "on" : "off"}</dd>
        <dt className="text-slate-500">Encryption</dt>
        <dd>{repo.encryptionType ?? "—"}</dd>
      </dl>
      <details className="mb-6 max-w-3xl text-xs text-slate-600">
        <summary className="cursor-pointer">The AWS CLI commands this page answers</summary>
        <pre tabIndex={0} className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-slate-100">
          {`aws ecr describe-images --repository-name ${repo.name} --region ${region}\n` +
            `aws ecr describe-images --repository-name ${repo.name} --region ${region} \\\n  --query 'imageDetails[*].{Tag:imageTags, Digest:imageId.imageDigest}'`}
        </pre>
      </details>
      <Suspense fallback={<PartLoading label="images" />}>
        <Images ctx={ctx} repo={repo} searchParams={sp} />
      </Suspense>
    </>
  );
}

async function Images({ ctx, repo, searchParams }: { ctx: ReadContext; repo: RepositorySummary; searchParams: Record<string, string | string[] | undefined> }) {
  const { query, images } = await readImages(ctx, repo.name, searchParams);
  if (!images.ok) return <PartFailure failure={images.failure} />;
  const { facts, latest, since, page, configs, pushedBy, nested, insideIndexes, attached } = images.data;
  // Referrers of an image, and of the platform images inside an index, are shown with the row.
  const referrersOf = (digest: string) => [digest, ...(nested.children.get(digest) ?? []).map((c) => c.digest)].flatMap((d) => nested.referrers.get(d) ?? []);
  const configFailure = images.data.configFailure?.message ?? null;
  const gh = ctx.github;
  const pageHref = (p: number) => {
    const s = new URLSearchParams();
    if (query.tag) s.set("tag", query.tag);
    if (query.untagged) s.set("untagged", "1");
    if (p > 1) s.set("page", String(p));
    const qs = s.toString();
    return `/registry/${encodeURIComponent(repo.name)}${qs ? `?${qs}` : ""}`;
  };
  return (
    <>
      <section className="mb-6 grid max-w-4xl gap-4 sm:grid-cols-3">
        <div className="rounded-lg border border-emerald-200 bg-white p-4 sm:col-span-2" data-testid="latest-card">
          <h2 className="text-sm font-medium text-slate-500">latest points to</h2>
          {latest ? (
            <>
              <p className="mt-1 break-all font-mono text-xs" data-testid="latest-manifest-digest">
                {latest.digest}
              </p>
              {nested.children.get(latest.digest) ? <IndexEntries entries={nested.children.get(latest.digest)!} /> : null}
              <ReferrerList referrers={referrersOf(latest.digest)} />
              <p className="mt-1 text-xs text-slate-600">
                Config digest (image ID): <span className="break-all font-mono">{configs.get(latest.digest)?.configDigest ?? configFailure ?? "—"}</span>
              </p>
              <p className="mt-1 text-xs text-slate-600">
                Since <TimeCell iso={since.at} /> {since.source === "push-time" ? "(its push time: ECR does not record when a tag moves)" : "(recorded by a Deckhand push)"} · tags{" "}
                <TagList tags={latest.tags} webUrl={gh.webUrl} owner={gh.owner} repo={gh.repo} />
              </p>
            </>
          ) : (
            <p className="mt-1 text-sm text-slate-600">No image is tagged latest: the next push will push (the guide&apos;s digest compare has nothing to compare with).</p>
          )}
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="text-sm font-medium text-slate-500">Images</h2>
          <p className="mt-1 text-2xl tabular-nums" data-testid="image-total">
            {facts.imageCount}
          </p>
          <p className="text-xs text-slate-600">
            <Link href={`/registry/${encodeURIComponent(repo.name)}?untagged=1`} data-testid="untagged-count">
              {facts.untaggedCount} untagged
            </Link>{" "}
            · latest push <TimeCell iso={facts.latestPushedAt} />
          </p>
          {insideIndexes ? (
            <p className="mt-1 text-xs text-slate-500" data-testid="inside-indexes">
              + {insideIndexes} manifest{insideIndexes === 1 ? "" : "s"} inside image indexes (platform images, attestations)
            </p>
          ) : null}
          {attached ? (
            <p className="mt-1 text-xs text-slate-500" data-testid="attached-referrers">
              + {attached} signature{attached === 1 ? "" : "s"}, attestation{attached === 1 ? "" : "s"} or SBOM{attached === 1 ? "" : "s"} shown with their image
            </p>
          ) : null}
          {nested.unreadIndexes ? <p className="mt-1 text-xs text-amber-800">{nested.unreadIndexes}</p> : null}
        </div>
      </section>
      <form method="get" className="mb-3 flex items-center gap-2 text-sm">
        <input name="tag" defaultValue={query.tag} placeholder="Filter by tag or digest" aria-label="Filter images" className="w-64 rounded border border-slate-300 px-3 py-1.5" />
        <label className="flex items-center gap-1">
          <input type="checkbox" name="untagged" value="1" defaultChecked={query.untagged} /> untagged only
        </label>
        <button className="rounded bg-slate-800 px-3 py-1.5 text-white">Filter</button>
        <span className="text-xs text-slate-500">
          {page.total} image{page.total === 1 ? "" : "s"} · page {page.page} of {page.pageCount}
        </span>
      </form>
      {configFailure ? <p className="mb-2 text-xs text-amber-800">{configFailure}</p> : null}
      <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" data-testid="image-table">
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2">Manifest digest</th>
              <th className="px-3 py-2">Config digest</th>
              <th className="px-3 py-2">Tags</th>
              <th className="px-3 py-2">Pushed at</th>
              <th className="px-3 py-2">Size</th>
              <th className="px-3 py-2">Last pull</th>
              <th className="px-3 py-2">Media type</th>
              <th className="px-3 py-2">Deckhand push</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((img) => {
              const isLatest = latest?.digest === img.digest;
              const cfg = configs.get(img.digest);
              return (
                <tr key={img.digest} data-digest={img.digest} data-latest={isLatest ? "true" : undefined} className={`border-t border-slate-100 ${isLatest ? "bg-emerald-50" : ""}`}>
                  <td className="px-3 py-2">
                    <DigestText digest={img.digest} />
                    {isLatest ? <span className="ml-2 rounded bg-emerald-700 px-1.5 py-0.5 text-xs text-white" data-testid="latest-marker">latest</span> : null}
                    {nested.children.get(img.digest) ? <IndexEntries entries={nested.children.get(img.digest)!} /> : null}
                    <ReferrerList referrers={referrersOf(img.digest)} />
                    {nested.referrerOf.get(img.digest) ? <OrphanReferrer referrer={nested.referrerOf.get(img.digest)!} /> : null}
                    {nested.parents.get(img.digest) ? (
                      <p className="mt-1 text-xs text-slate-500" data-testid="in-index">
                        also inside image index <DigestText digest={nested.parents.get(img.digest)![0]} />
                      </p>
                    ) : null}
                  </td>
                  <td className="px-3 py-2" title={cfg?.note ?? undefined}>
                    <DigestText digest={cfg?.configDigest ?? null} />
                  </td>
                  <td className="px-3 py-2">
                    <TagList tags={img.tags} webUrl={gh.webUrl} owner={gh.owner} repo={gh.repo} />
                  </td>
                  <td className="px-3 py-2">
                    <TimeCell iso={img.pushedAt} />
                  </td>
                  <td className="px-3 py-2 tabular-nums">{formatBytes(img.sizeBytes)}</td>
                  <td className="px-3 py-2">
                    <TimeCell iso={img.lastPulledAt} />
                  </td>
                  <td className="px-3 py-2 font-mono text-xs text-slate-600">
                    {img.manifestMediaType ?? "—"}
                    {img.artifactMediaType ? <span className="block text-slate-600">{img.artifactMediaType}</span> : null}
                  </td>
                  <td className="px-3 py-2 text-xs" data-testid="pushed-by">
                    {pushedBy.get(img.digest) ? (
                      <Link href={`/pushes/${pushedBy.get(img.digest)!.jobId}`} className="font-mono underline">
                        job {pushedBy.get(img.digest)!.jobId.slice(0, 8)}
                      </Link>
                    ) : (
                      <span className="text-slate-500">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
            {page.rows.length === 0 ? (
              <EmptyRow colSpan={8}>
                No images{query.tag || query.untagged ? " match this filter" : " yet"}.
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      {page.pageCount > 1 ? (
        <nav className="mt-3 flex gap-3 text-sm" aria-label="Pages">
          {page.page > 1 ? <Link href={pageHref(page.page - 1)}>← Newer</Link> : null}
          {page.page < page.pageCount ? <Link href={pageHref(page.page + 1)}>Older →</Link> : null}
        </nav>
      ) : null}
      <p className="mt-3 text-xs text-slate-500">
        Reading a manifest (for its config digest) counts as a pull in ECR; Deckhand reads each manifest once and keeps what it learned. Which Deckhand push job produced an image appears here once Deckhand records pushes.
      </p>
    </>
  );
}
