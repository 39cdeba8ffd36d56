import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import type { AuditOutcome } from "@/lib/infra/audit/record-audit";
import { pageReadContext } from "@/lib/read/context";
import { AUDIT_OUTCOMES, readAuditPage } from "@/lib/read/settings";
import { formatUtcSeconds } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { DataTable, EmptyRow } from "@/components/data-table";

export const metadata: Metadata = { title: "Audit" };

const badge: Record<AuditOutcome, string> = {
  success: "bg-emerald-100 text-emerald-800",
  refused: "bg-amber-100 text-amber-900",
  failure: "bg-red-100 text-red-800",
};

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ before?: string; outcome?: string; actor?: string }> }) {
  await requireUser();
  const sp = await searchParams;
  const { outcome, actor, rows: shown, more } = readAuditPage(pageReadContext(), sp);
  const link = (extra: Record<string, string | undefined>) => {
    const q = new URLSearchParams(Object.entries({ outcome, actor, ...extra }).filter(([, v]) => v) as [string, string][]);
    return `/audit${q.size ? `?${q}` : ""}`;
  };
  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in and every change, with who, when and the outcome. Refused attempts are recorded too." />
      <div className="mb-4 flex flex-wrap gap-2 text-sm">
        <Link href={link({ outcome: undefined })} className={`whitespace-nowrap rounded-full px-3 py-1 ${!outcome ? "bg-slate-900 text-white" : "bg-white ring-1 ring-slate-300"}`}>
          All
        </Link>
        {AUDIT_OUTCOMES.map((o) => (
          <Link key={o} href={link({ outcome: o })} className={`whitespace-nowrap rounded-full px-3 py-1 ${outcome === o ? "bg-slate-900 text-white" : "bg-white ring-1 ring-slate-300"}`}>
            {o}
          </Link>
        ))}
        {actor ? (
          <Link href={link({ actor: undefined })} className="rounded-full bg-white px-3 py-1 ring-1 ring-slate-300">
            actor: {actor} ✕
          </Link>
        ) : null}
      </div>
      <div tabIndex={0} className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <DataTable columns={["When (UTC)", "Who", "Action", "Target", "Outcome", "Detail"]} testId="audit-table">
          {shown.length === 0 ? (
            <EmptyRow colSpan={6}>
              No entries.
            </EmptyRow>
          ) : (
            shown.map((r) => (
              <tr key={r.id} className="border-t border-slate-100 align-top">
                <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{formatUtcSeconds(r.at)}</td>
                <td className="px-3 py-2">
                  <Link href={link({ actor: r.actor })} className="hover:underline">
                    {r.actor}
                  </Link>
                  {r.role ? <span className="ml-1 text-xs text-slate-500">({r.role})</span> : null}
                </td>
                <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
                <td className="px-3 py-2">{r.target ?? ""}</td>
                <td className="px-3 py-2">
                  <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${badge[r.outcome]}`}>{r.outcome}</span>
                </td>
                <td className="max-w-md px-3 py-2 text-xs text-slate-600">
                  {r.detail ? <code className="break-all">{JSON.stringify(r.detail)}</code> : null}
                  {r.error_id ? <span className="ml-1">({r.error_id})</span> : null}
                </td>
              </tr>
            ))
          )}
        </DataTable>
      </div>
      {more ? (
        <Link href={link({ before: String(shown[shown.length - 1].id) })} className="mt-4 inline-block text-sm font-medium underline">
          Older entries
        </Link>
      ) : null}
    </>
  );
}
