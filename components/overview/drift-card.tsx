import { withRepo } from "@/components/fleet/repo-href";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { readDriftSummary } from "@/lib/read/policy";
import { Card, CardFailure } from "./card";

/** Drift of the push user's policy against the expected policy. */
export async function DriftCard({ ctx }: { ctx: ReadContext }) {
  const drift = await readDriftSummary(ctx);
  if (!drift.ok) return <CardFailure title="Policy drift" href={withRepo("/policy", repoParamOf(ctx))} testId="card-drift" failure={drift.failure} />;
  const d = drift.data;
  return (
    <Card title="Policy drift" href={withRepo("/policy", repoParamOf(ctx))} tone={d.clean ? "ok" : d.breaksPush ? "fail" : "warn"} testId="card-drift" asOf={drift.asOf}>
      {d.clean ? (
        <p>Matches {d.label}.</p>
      ) : (
        <>
          <p>
            Against {d.label}: <span data-testid="drift-missing">{d.missing.length} missing</span>, <span data-testid="drift-extra">{d.extra.length} extra</span>
            {d.uncertain ? `, ${d.uncertain} uncertain` : ""}
          </p>
          {d.missing.length ? (
            <p className="text-xs text-red-800">
              Missing: {d.missing.join(", ")}
              {d.breaksPush ? " (pushes fail)" : ""}
            </p>
          ) : null}
          {d.extra.length ? <p className="text-xs text-amber-800">Extra: {d.extra.join(", ")}</p> : null}
        </>
      )}
    </Card>
  );
}
