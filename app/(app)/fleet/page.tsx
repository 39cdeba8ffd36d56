import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { getConfig } from "@/lib/infra/config/env";
import { discoveriesOf, servedRepositories, type DiscoveryState, type ServedRepository } from "@/lib/infra/config/served-repositories";
import { DISCOVERY_INTERVAL_MS } from "@/lib/operations/fleet/refresh-discoveries";
import { appReadContext, READ_CACHE_PREFIXES } from "@/lib/read/context";
import { readFleet, type FleetRowView } from "@/lib/read/fleet";
import { readUnfinishedOperations, type StoppedOperation } from "@/lib/read/overview";
import type { PushAnswer } from "@/lib/judgements/posture/push-readiness";
import { PageHeader } from "@/components/page-header";
import { RefreshLink } from "@/components/posture/refresh-link";
import { StatusBadge } from "@/components/posture/status-badge";
import { DataTable } from "@/components/data-table";
import { TimeCell } from "@/components/registry/time-cell";
import { RunStatus } from "@/components/workflows/run-status";
import { JobStateBadge } from "@/components/pushes/job-state-badge";
import { withRepo } from "@/components/fleet/repo-href";
import type { AdoptedPushUser } from "@/lib/judgements/fleet/push-user-precedence";
import { AdoptPushUserButton, StopUsingPushUserButton } from "./push-user-buttons";

export const metadata: Metadata = { title: "Fleet" };

const ANSWER: Record<PushAnswer, { text: string; status: string }> = {
  yes: { text: "Can push", status: "ok" },
  no: { text: "Cannot push", status: "fail" },
  unknown: { text: "Unknown", status: "warn" },
  "not-set-up": { text: "Not set up", status: "info" },
};

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
  const param = (repository: string) => repository;
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
      <section className="min-w-0 rounded-lg border border-slate-200 bg-white" aria-label="Repositories">
        <DataTable columns={["Repository", "Verdict", "Push user", "Key", "Secrets from", "Last run", "Last push", "Failing checks"]} testId="fleet-table">
          {rows.map((r) => (
            <Row
              key={r.repository}
              row={r}
              repoParam={param(r.repository)}
              now={now}
              discoveredBy={discovered.get(r.repository.toLowerCase()) ?? null}
              adopted={adopted.get(r.repository.toLowerCase()) ?? null}
              operator={operator}
              rotation={rotations.get(r.pushUser) ?? null}
            />
          ))}
        </DataTable>
      </section>
    </>
  );
}

function Row({
  row: r,
  repoParam,
  now,
  discoveredBy,
  adopted,
  operator,
  rotation,
}: {
  row: FleetRowView;
  repoParam: string | null;
  now: Date;
  discoveredBy: string | null;
  adopted: AdoptedPushUser | null;
  operator: boolean;
  rotation: StoppedOperation | null;
}) {
  const answer = ANSWER[r.answer];
  return (
    <tr className="border-t border-slate-100 align-top" data-repository={r.repository} data-answer={r.answer}>
      <td className="px-3 py-2">
        <Link href={withRepo("/", repoParam)} className="whitespace-nowrap font-medium text-sky-700 hover:underline">
          {r.repository}
        </Link>
        {discoveredBy ? (
          <p className="text-xs text-slate-500" data-testid="fleet-discovered">
            discovered ({discoveredBy})
          </p>
        ) : null}
      </td>
      <td className="min-w-56 px-3 py-2">
        <StatusBadge status={answer.status} text={answer.text} />
        <p className="mt-1 text-xs text-slate-600" data-testid="fleet-reason">
          {r.href ? (
            <Link href={withRepo(r.href, repoParam)} className="underline">
              {r.reason}
            </Link>
          ) : (
            r.reason
          )}
        </p>
      </td>
      <td className="px-3 py-2 font-mono text-xs">
        {r.pushUser}
        {adopted ? (
          <div className="font-sans text-slate-600" data-testid="fleet-adopted">
            <p>
              adopted by {adopted.by} <TimeCell iso={adopted.at} now={now} /> (CloudTrail named it for run #{adopted.runId}; default {adopted.instead})
            </p>
            {operator ? <StopUsingPushUserButton repository={r.repository} userName={r.pushUser} back={adopted.instead} /> : null}
          </div>
        ) : null}
        {r.holdsKeyOf ? <p className="font-sans text-amber-800">holds a key of {r.holdsKeyOf}</p> : null}
        {r.adoptable && operator ? (
          <div className="mt-1 font-sans" data-testid="fleet-adopt">
            <AdoptPushUserButton repository={r.repository} userName={r.adoptable} current={r.pushUser} />
          </div>
        ) : null}
        {r.signerNote ? (
          <p className="font-sans text-slate-600" data-testid="fleet-signer-note">
            {r.signerNote}
          </p>
        ) : null}
        {rotation ? (
          <p className="font-sans" data-testid="fleet-rotation" data-state={rotation.state}>
            <Link href={rotation.href} className={rotation.state === "stopped" ? "text-amber-800 underline" : "text-sky-700 underline"}>
              {rotation.state === "stopped" ? "key rotation stopped: resume it" : "key rotation running"}
            </Link>
          </p>
        ) : null}
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-xs" data-testid="fleet-key">
        {r.signIn === "role" ? (
          <span data-sign-in="role">none: OIDC role</span>
        ) : r.key ? (
          <>
            <span className="font-mono">…{r.key.accessKeyId.slice(-4)}</span> · {r.key.ageDays === null ? "age unknown" : `${r.key.ageDays} d`}{" "}
            <StatusBadge status={r.key.severity} text={r.key.verdict} />
            {r.key.basis === "only-active" ? <p className="text-slate-500">the user&apos;s only active key</p> : null}
          </>
        ) : r.answer === "not-set-up" ? (
          <span className="text-slate-600" data-testid="fleet-key-none">
            none: {r.pushUser} does not exist yet
          </span>
        ) : r.keyUnknown ? (
          <span className="whitespace-normal text-amber-800" data-testid="fleet-key-unknown">
            cannot be judged: {r.keyUnknown}
          </span>
        ) : (
          <span className="text-slate-500">unknown</span>
        )}
      </td>
      <td className="px-3 py-2 text-xs" data-testid="fleet-secrets-from">
        {r.secretsFrom}
      </td>
      <td className="px-3 py-2 text-xs">
        {r.lastRunFailure ? (
          <span className="text-slate-600">{r.lastRunFailure.message}</span>
        ) : r.lastRun === null ? (
          <span className="text-slate-500">none</span>
        ) : (
          <Link href={withRepo(`/workflows/runs/${r.lastRun.id}`, repoParam)} className="flex flex-col gap-0.5 hover:underline">
            <RunStatus status={r.lastRun.status} conclusion={r.lastRun.conclusion} />
            <TimeCell iso={r.lastRun.createdAt} now={now} />
          </Link>
        )}
      </td>
      <td className="px-3 py-2 text-xs">
        {r.lastPush ? (
          <Link href={`/pushes/${r.lastPush.id}`} className="flex flex-col gap-0.5 hover:underline">
            <JobStateBadge state={r.lastPush.state} />
            <TimeCell iso={r.lastPush.finishedAt} now={now} />
          </Link>
        ) : (
          <span className="text-slate-500">none by Deckhand</span>
        )}
      </td>
      <td className="px-3 py-2 text-xs" data-testid="fleet-failing-checks">
        {r.failingChecks.length === 0 ? (
          <span className="text-slate-500">none</span>
        ) : (
          <ul className="flex flex-col gap-0.5">
            {r.failingChecks.map((c) => (
              <li key={c.id}>
                <Link href={withRepo(`/doctor#${c.id}`, repoParam)} className="text-red-800 underline">
                  {c.title}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
