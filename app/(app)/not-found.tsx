import Link from "next/link";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { PageHeader } from "@/components/page-header";
import { withRepo } from "@/components/fleet/repo-href";

/**
 * A page or a `?repo=` Deckhand does not know: it shows only the repositories it is configured with
 * (GITHUB_REPOSITORIES / GITHUB_REPOSITORY), never an arbitrary one.
 */
export default function NotFound() {
  const repositories = servedRepositories(getConfig());
  return (
    <>
      <PageHeader title="Not found" description="This page does not exist, or ?repo= names a repository Deckhand does not watch." />
      <section className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="not-found">
        <p className="mb-2">Deckhand watches {repositories.length === 1 ? "one repository" : `${repositories.length} repositories`} (GITHUB_REPOSITORIES, with those its owner/* entries found):</p>
        <ul className="list-disc pl-5">
          {repositories.map((r) => (
            <li key={r.repository}>
              <Link className="text-sky-700 underline" href={withRepo("/", r.repository)}>
                {r.repository}
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
