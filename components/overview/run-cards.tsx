import { withRepo } from "@/components/fleet/repo-href";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { readLastRun } from "@/lib/read/workflows";
import { readPushChart } from "@/lib/read/overview";
import { runDurationMs } from "@/lib/judgements/workflows/run-duration";
import { formatRunDuration } from "@/lib/format";
import { PartFailure } from "@/components/part-failure";
import { RunStatus } from "@/components/workflows/run-status";
import { TimeCell } from "@/components/registry/time-cell";
import { Card, CardFailure, type Tone } from "./card";
import { PushChart } from "./push-chart";

/** The ECR workflow's newest run. */
export async function LastRunCard({ ctx }: { ctx: ReadContext }) {
  const last = await readLastRun(ctx);
  if (!last.ok) return <CardFailure title="Last workflow run" href={withRepo("/workflows", repoParamOf(ctx))} testId="card-last-run" failure={last.failure} />;
  const run = last.data;
  const tone: Tone = !run || run.status !== "completed" ? "neutral" : run.conclusion === "success" ? "ok" : run.conclusion === "failure" ? "fail" : "warn";
  return (
    <Card title="Last workflow run" href={withRepo(run ? `/workflows/runs/${run.id}` : "/workflows", repoParamOf(ctx))} tone={tone} testId="card-last-run" asOf={last.asOf}>
      {run ? (
        <>
          <p>
            <RunStatus status={run.status} conclusion={run.conclusion} /> {run.displayTitle}
          </p>
          <p className="text-xs text-slate-600">
            {run.name} #{run.runNumber} · {run.event} on {run.headBranch ?? "—"} · <TimeCell iso={run.runStartedAt ?? run.createdAt} /> · {formatRunDuration(runDurationMs(run))}
          </p>
        </>
      ) : (
        <p>No runs of “{ctx.workflowName}” yet.</p>
      )}
    </Card>
  );
}

/** Pushes and failures per day: the workflow's runs and Deckhand's own push jobs. */
export async function PushChartSection({ ctx }: { ctx: ReadContext }) {
  const chart = await readPushChart(ctx);
  if (!chart.ok) return <PartFailure failure={chart.failure} compact />;
  return (
    <>
      <PushChart buckets={chart.data.buckets} />
      <p className="mt-1 text-xs text-slate-500">
        Runs of “{chart.data.workflowName ?? "all workflows"}” and Deckhand&apos;s own push jobs, by day (UTC).
        {chart.data.truncated ? " GitHub lists at most 1,000 runs per query: older days in the window may be incomplete." : ""}
      </p>
    </>
  );
}
