import Link from "next/link";
import type { ReadContext } from "@/lib/read/context";
import { ACTIVITY_ROWS, readActivityPage } from "@/lib/read/activity";
import { activityQueryString } from "@/lib/judgements/posture/activity-filter";
import { formatUtc } from "@/lib/format";
import { CallsMade, SectionCard } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { DailyChart } from "@/components/posture/daily-chart";

export async function ActivitySections({ ctx, searchParams }: { ctx: ReadContext; searchParams: Record<string, string | string[] | undefined> }) {
  const { query, activity } = await readActivityPage(ctx, searchParams);
  if (!activity.ok) {
    return (
      <SectionCard title="Events" label="Events">
        <PartFailure failure={activity.failure} what="the CloudTrail events" />
        <CallsMade calls={activity.calls} />
      </SectionCard>
    );
  }
  const { accessKeyIds, eventNames, series, groups, rows, total, matching, hasNewer, hasOlder, gaps } = activity.data;
  return (
    <>
      {gaps.map((g) => (
        <div key={g.accessKeyId} role="alert" data-testid="activity-gap" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          Events of {g.accessKeyId} at or before {formatUtc(g.missingBefore)} are missing: {g.failure.message} The newer events that were read are shown.
        </div>
      ))}
      <SectionCard title="Filters" label="Filters">
        <form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Event filters">
          <label className="flex flex-col">
            Key
            <select name="key" defaultValue={query.key ?? ""} className="rounded border border-slate-300 px-2 py-1">
              <option value="">All keys</option>
              {accessKeyIds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            Event
            <select name="event" defaultValue={query.event ?? ""} className="rounded border border-slate-300 px-2 py-1">
              <option value="">All events</option>
              {eventNames.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            From
            <input type="date" name="from" defaultValue={query.from ?? ""} className="rounded border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex flex-col">
            To
            <input type="date" name="to" defaultValue={query.to ?? ""} className="rounded border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex items-center gap-1">
            <input type="checkbox" name="errors" value="1" defaultChecked={query.errors} /> Errors only
          </label>
          <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white">
            Apply filters
          </button>
        </form>
      </SectionCard>
      <SectionCard title="Calls per day" label="Calls per day">
        <DailyChart series={series} />
      </SectionCard>
      <SectionCard title="Failed calls by error" label="Failed calls by error">
        {groups.length === 0 ? <p className="text-sm">No failed calls in this selection.</p> : null}
        <ul className="space-y-3 text-sm">
          {groups.map((g) => (
            <li key={g.errorCode} data-testid={`error-group-${g.errorCode}`}>
              <p>
                <span className="font-mono font-semibold">{g.errorCode}</span> × {g.count} — {g.explanation.title}
                {g.explanation.benign ? " (normal)" : ""}
              </p>
              <p className="text-slate-700">{g.explanation.explanation}.</p>
              {g.explanation.guideSection ? <p className="text-xs text-slate-500">Guide: Troubleshooting → {g.explanation.guideSection}</p> : null}
              <p className="text-xs text-slate-500">
                {g.eventNames.join(", ")} · {formatUtc(g.firstSeen)} – {formatUtc(g.lastSeen)} · {g.accessKeyIds.join(", ")}
              </p>
              {g.sampleMessage ? <p className="text-xs text-slate-600">Latest message: {g.sampleMessage}</p> : null}
            </li>
          ))}
        </ul>
      </SectionCard>
      <SectionCard title="Events" label="Events">
        <p className="mb-2 text-xs text-slate-500">
          {matching} of {total} events
          {matching > ACTIVITY_ROWS ? `; showing ${Math.min(matching, query.page * ACTIVITY_ROWS + 1)}–${Math.min(matching, (query.page + 1) * ACTIVITY_ROWS)}, newest first` : ""}.
        </p>
        <div tabIndex={0} className="overflow-x-auto">
          <table className="w-full text-left text-xs" data-testid="events-table">
            <thead className="bg-slate-50 uppercase text-slate-500">
              <tr>
                <th className="px-2 py-1">Time</th>
                <th className="px-2 py-1">Event</th>
                <th className="px-2 py-1">Source IP</th>
                <th className="px-2 py-1">User agent</th>
                <th className="px-2 py-1">Region</th>
                <th className="px-2 py-1">Key</th>
                <th className="px-2 py-1">Error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e, i) => (
                <tr key={e.eventId ?? i} className={`border-t border-slate-100 align-top ${e.errorCode ? "bg-red-50" : ""}`}>
                  <td className="whitespace-nowrap px-2 py-1">{formatUtc(e.time)}</td>
                  <td className="px-2 py-1">
                    {e.eventName}
                    <br />
                    <span className="text-slate-600">{e.eventSource}</span>
                  </td>
                  <td className="px-2 py-1">{e.sourceIp ?? "—"}</td>
                  <td className="max-w-48 truncate px-2 py-1" title={e.userAgent ?? ""}>
                    {e.userAgent ?? "—"}
                  </td>
                  <td className="whitespace-nowrap px-2 py-1">{e.region ?? "—"}</td>
                  <td className="px-2 py-1 font-mono">{e.accessKeyId ?? "—"}</td>
                  <td className="min-w-64 px-2 py-1">
                    {e.errorCode ? (
                      <>
                        <span className="font-semibold text-red-800">{e.errorCode}</span>
                        <p className="line-clamp-3 text-slate-700" title={e.errorMessage ?? ""}>
                          {e.errorMessage}
                        </p>
                      </>
                    ) : (
                      ""
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {matching > ACTIVITY_ROWS ? (
          <nav aria-label="Event pages" className="mt-2 flex gap-3 text-sm">
            {hasNewer ? <Link href={`/activity?${activityQueryString(query, { page: query.page - 1 })}`}>← Newer</Link> : null}
            {hasOlder ? <Link href={`/activity?${activityQueryString(query, { page: query.page + 1 })}`}>Older →</Link> : null}
          </nav>
        ) : null}
        <CallsMade calls={activity.calls} />
      </SectionCard>
    </>
  );
}
