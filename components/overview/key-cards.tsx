import { withRepo } from "@/components/fleet/repo-href";
import type { Severity } from "@/lib/judgements/posture/key-verdicts";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { readHeldKey, readKeyVerdicts } from "@/lib/read/credentials";
import { OVERVIEW_ACTIVITY_WAIT_MS } from "@/lib/read/overview";
import { TimeCell } from "@/components/registry/time-cell";
import { Card, CardFailure, type Tone } from "./card";

const TONE: Record<Severity, Tone> = { ok: "ok", info: "ok", warn: "warn", fail: "fail" };

/** The push user's active keys (all of them when none is active), each with its verdict. */
export async function KeyCard({ ctx }: { ctx: ReadContext }) {
  const keys = await readKeyVerdicts(ctx);
  if (!keys.ok) return <CardFailure title="Push key" href={withRepo("/credentials", repoParamOf(ctx))} testId="card-key" failure={keys.failure} />;
  const active = keys.data.keys.filter((k) => k.active);
  const shown = active.length ? active : keys.data.keys;
  return (
    <Card title="Push key" href={withRepo("/credentials", repoParamOf(ctx))} tone={TONE[keys.data.worst]} testId="card-key" asOf={keys.asOf}>
      {shown.map((k) => (
        <div key={k.accessKeyId} className="mb-1" data-key={k.accessKeyId}>
          <p>
            <code className="font-mono text-xs">{k.accessKeyId}</code> · {k.status} · <span data-testid="key-age">{k.ageDays ?? "?"} days old</span>
          </p>
          <p className="text-xs" data-testid="key-verdict" data-verdict={k.verdict}>
            <strong>{k.verdict}</strong>: {k.reason}
          </p>
        </div>
      ))}
      {keys.data.account.map((a) => (
        <p key={a.code} className="text-xs text-amber-800">
          {a.message}
        </p>
      ))}
      {keys.data.keys.length === 0 ? <p>No access keys for {ctx.userName}.</p> : null}
    </Card>
  );
}

/** Which key GitHub's secret most likely holds (CloudTrail time-boxed). */
export async function HeldKeyCard({ ctx }: { ctx: ReadContext }) {
  const held = await readHeldKey(ctx, { activityWaitMs: OVERVIEW_ACTIVITY_WAIT_MS });
  if (!held.ok) return <CardFailure title="Key GitHub holds" href={withRepo("/credentials", repoParamOf(ctx))} testId="card-held-key" failure={held.failure} />;
  const { correlation, caveats, worst } = held.data;
  return (
    <Card title="Key GitHub holds" href={withRepo("/credentials", repoParamOf(ctx))} tone={TONE[worst]} testId="card-held-key" asOf={held.asOf}>
      {correlation.mostLikely ? (
        <p>
          Most likely <code className="font-mono text-xs" data-testid="held-key">{correlation.mostLikely.accessKeyId}</code> ({correlation.mostLikely.level} confidence)
        </p>
      ) : (
        <p>No key can be matched to the GitHub secret.</p>
      )}
      {correlation.secretWrittenAt ? (
        <p className="text-xs text-slate-600">
          AWS_ACCESS_KEY_ID written <TimeCell iso={correlation.secretWrittenAt} />
        </p>
      ) : null}
      {correlation.flags.map((f) => (
        <p key={`${f.code}-${f.accessKeyId ?? ""}`} className="text-xs text-amber-800">
          {f.message}
        </p>
      ))}
      {caveats.map((c) => (
        <p key={c} className="text-xs text-slate-500">
          {c}
        </p>
      ))}
    </Card>
  );
}
