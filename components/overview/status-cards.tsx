import { withRepo } from "@/components/fleet/repo-href";
import Link from "next/link";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { readDoctorSummary } from "@/lib/read/overview";
import { readLastPushPerService } from "@/lib/read/pushes";
import { TimeCell } from "@/components/registry/time-cell";
import { Card, CardFailure, type Tone } from "./card";

/** The Doctor's checks counted, the failing ones linked. */
export async function DoctorCard({ ctx }: { ctx: ReadContext }) {
  const summary = await readDoctorSummary(ctx);
  if (!summary.ok) return <CardFailure title="Doctor" href={withRepo("/doctor", repoParamOf(ctx))} testId="card-doctor" failure={summary.failure} />;
  const { passed, failed, unknown } = summary.data;
  return (
    <Card title="Doctor" href={withRepo("/doctor", repoParamOf(ctx))} tone={failed.length ? "fail" : unknown ? "warn" : "ok"} testId="card-doctor" asOf={summary.asOf}>
      {summary.data.mode === "oidc" ? (
        <p className="text-xs text-slate-600" data-testid="doctor-card-mode">
          OIDC mode: the workflow assumes a role
        </p>
      ) : null}
      <p>
        {passed} passed, <span data-testid="doctor-failed-count">{failed.length} failed</span>, {unknown} unknown
      </p>
      <ul className="mt-1 space-y-0.5 text-xs">
        {failed.map((c) => (
          <li key={c.id}>
            <Link href={withRepo(`/doctor#${c.id}`, repoParamOf(ctx))} className="text-red-800 underline" data-check-id={c.id}>
              ✗ {c.title}
            </Link>
            : {c.summary}
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** Deckhand's own last push per compose service: from the store, so it never waits. */
export function DeckhandPushesCard({ ctx }: { ctx: ReadContext }) {
  const all = readLastPushPerService(ctx);
  // A service removed from the compose file keeps its history on the Pushes page, not a line here.
  const last = all.filter((l) => l.inCurrentCompose);
  const removed = all.filter((l) => !l.inCurrentCompose);
  const tone: Tone = last.some((l) => l.decision === "failed") ? "fail" : "ok";
  return (
    <Card title="Last Deckhand push per service" href={withRepo("/pushes", repoParamOf(ctx))} tone={last.length ? tone : undefined} testId="card-pushes">
      {last.length === 0 ? (
        <>
          <p data-testid="no-deckhand-pushes">No Deckhand pushes yet.</p>
          <p className="mt-1 text-xs text-slate-500">Pushes made by Deckhand&apos;s worker appear here per compose service.</p>
        </>
      ) : (
        <ul className="space-y-1">
          {last.map((l) => (
            <li key={l.service} data-service={l.service}>
              <span className="font-medium">{l.service}</span>: {l.decision === "skipped" ? "unchanged" : l.decision === "not-built" ? "not built" : l.decision} at{" "}
              <Link href={`/pushes/${l.jobId}`} className="font-mono text-xs underline">
                {l.sha.slice(0, 7)}
              </Link>{" "}
              <span className="text-xs text-slate-500">
                <TimeCell iso={l.at} />
              </span>
            </li>
          ))}
        </ul>
      )}
      {removed.length ? (
        <p className="mt-1 text-xs text-slate-500" data-testid="removed-services">
          No longer in the compose file: {removed.map((l) => l.service).join(", ")}.
        </p>
      ) : null}
    </Card>
  );
}
