import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { getConfig } from "@/lib/infra/config/env";
import { discoveriesOf, servedRepositories, type DiscoveryState, type ServedRepository } from "@/lib/infra/config/served-repositories";
import { DISCOVERY_INTERVAL_MS } from "@/lib/operations/fleet/refresh-discoveries";
import { appReadContext, READ_CACHE_PREFIXES } from "@/lib/read/context";
import { readFleet } from "@/lib/read/fleet";
import { readUnfinishedOperations } from "@/lib/read/overview";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { DataTable } from "@/components/data-table";
import { TimeCell } from "@/components/registry/time-cell";
import { FleetCard, FleetRow } from "./fleet-row";

export const metadata: Metadata = { title: "Fleet" };

const BOX: Record<"yes" | "no" | "unknown", string> = {
  yes: "border-emerald-300 bg-emerald-50 text-emerald-950",
  no: "border-red-300 bg-red-50 text-red-950",
  unknown: "border-amber-300 bg-amber-50 text-amber-950",
};

export default async function FleetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const ctx = appReadContext();
  if (sp.refresh) for (const prefix of Object.values(READ_CACHE_PREFIXES)) ctx.cache.invalidate(prefix);
  const repositories = servedRepositories(getConfig());
  const discovered = repositories.filter((r) => r.discovered).length;
  const served = discovered ? `${repositories.length} served (${repositories.length - discovered} named in GITHUB_REPOSITORIES, ${discovered} discovered)` : `${repositories.length} configured (GITHUB_REPOSITORIES)`;
  return (
    <>
      <PageHeader title="Fleet" description={`Can every repository push to ECR right now? ${served}, one row each.`}>
        <RefreshLink href="/fleet" />
      </PageHeader>
      <Suspense
        fallback={
          <p aria-busy="true" className="animate-pulse rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600">
            Checking {repositories.length} repositories…
          </p>
        }
      >
        <FleetTable repositories={repositories} operator={user.role === "operator"} />
      </Suspense>
      <Discoveries states={discoveriesOf(getConfig())} />
    </>
  );
}

/** What each owner wildcard (owner/*) found, when, and why the others were left out. */
function Discoveries({ states }: { states: DiscoveryState[] }) {
  if (states.length === 0) return null;
  const now = new Date();
  const minutes = Math.round(DISCOVERY_INTERVAL_MS / 60_000);
  return (
    <section className="mt-4 rounded-lg border border-slate-200 bg-white p-4 text-sm" aria-label="Discovered repositories" data-testid="fleet-discoveries">
      <h2 className="mb-2 font-medium">Discovered repositories</h2>
      <p className="mb-3 text-slate-600">Every repository of these owners whose workflow takes the push key from AWS_ACCESS_KEY_ID, found at start and every {minutes} minutes.</p>
      <ul className="flex flex-col gap-3">
        {states.map((d) => (
          <li key={d.rule} data-rule={d.rule} data-testid="fleet-discovery">
            <p>
              <span className="font-mono">{d.rule}</span> (push user <span className="font-mono">{d.pushUser}</span>):{" "}
              {d.discoveredAt ? (
                <>
                  {d.repositories.length} {d.repositories.length === 1 ? "repository" : "repositories"} discovered <TimeCell iso={d.discoveredAt} now={now} />
                </>
              ) : (
                <>not discovered yet</>
              )}
            </p>
            {d.failure ? (
              <p className="text-red-800" data-testid="fleet-discovery-failure">
                The last discovery failed{d.failedAt ? <> (<TimeCell iso={d.failedAt} now={now} />)</> : null}: {d.failure}
                {d.discoveredAt ? " The repositories found before are still served." : ""}
              </p>
            ) : null}
            {d.skipped.length > 0 ? (
              <details className="mt-1 text-slate-600">
                <summary>{d.skipped.length} left out</summary>
                <ul className="list-disc pl-5">
                  {d.skipped.map((x) => (
                    <li key={x.repository}>
                      <span className="font-mono">{x.repository}</span>: {x.reason}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

async function FleetTable({ repositories, operator }: { repositories: ServedRepository[]; operator: boolean }) {
  const discovered = new Map(repositories.flatMap((r) => (r.discovered ? [[r.repository.toLowerCase(), r.discovered.rule] as const] : [])));
  const adopted = new Map(repositories.flatMap((r) => (r.adopted ? [[r.repository.toLowerCase(), r.adopted] as const] : [])));
  const ctx = appReadContext();
  const { rows, summary } = await readFleet(ctx, repositories);
  // A push user's rotation running or stopped mid-way, as the Overview shows it: its rows say so and link it.
  const rotations = new Map(readUnfinishedOperations(ctx).flatMap((o) => (o.kind === "rotation" && o.userName ? [[o.userName, o] as const] : [])));
  const now = new Date();
  // Every row names its repository, the default's too: the server forgets another repository chosen before.
  const rowProps = (r: (typeof rows)[number]) => ({
    row: r,
    repoParam: r.repository,
    now,
    discoveredBy: discovered.get(r.repository.toLowerCase()) ?? null,
    adopted: adopted.get(r.repository.toLowerCase()) ?? null,
    operator,
    rotation: rotations.get(r.pushUser) ?? null,
  });
  return (
    <>
      <section aria-label="Can every repository push right now?" data-testid="fleet-verdict" data-answer={summary.answer} className={`mb-4 rounded-lg border-2 p-4 ${BOX[summary.answer]}`}>
        <h2 className="text-sm font-medium">Can every repository push right now?</h2>
        <p className="mt-1 text-2xl font-semibold">{summary.answer === "yes" ? "Yes" : summary.answer === "no" ? "No" : "Unknown"}</p>
        <p className="mt-1 text-sm" data-testid="fleet-summary">
          {summary.sentence}
          {summary.counts["not-set-up"] > 0 ? (
            <>
              {" "}
              <Link href="/setup" className="font-medium underline">
                Start the guided setup →
              </Link>
            </>
          ) : null}
        </p>
      </section>
      {/* A phone gets one card per repository, everything of its row stacked; wider screens the table. */}
      <ul className="flex flex-col gap-3 md:hidden" aria-label="Repositories" data-testid="fleet-cards">
        {rows.map((r) => (
          <FleetCard key={r.repository} {...rowProps(r)} />
        ))}
      </ul>
      <section className="hidden min-w-0 rounded-lg border border-slate-200 bg-white md:block" aria-label="Repositories">
        <DataTable columns={["Repository", "Verdict", "Push user", "Key", "Secrets from", "Last run", "Last push", "Failing checks"]} testId="fleet-table">
          {rows.map((r) => (
            <FleetRow key={r.repository} {...rowProps(r)} />
          ))}
        </DataTable>
      </section>
    </>
  );
}
