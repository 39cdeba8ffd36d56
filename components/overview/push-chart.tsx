import { chartScale, type DayBucket } from "@/lib/judgements/daily-pushes";

/** Stacked per-day bars as inline SVG (no chart library): successful pushes over failures. */
export function PushChart({ buckets }: { buckets: DayBucket[] }) {
  const w = 720;
  const h = 160;
  const pad = { l: 28, b: 18, t: 8 };
  const top = chartScale(buckets);
  const bw = (w - pad.l) / buckets.length;
  const y = (v: number) => ((h - pad.b - pad.t) * v) / top;
  const totals = buckets.reduce((a, b) => ({ ok: a.ok + b.workflowSuccess + b.deckhandSuccess, fail: a.fail + b.failures }), { ok: 0, fail: 0 });
  return (
    <figure data-testid="push-chart">
      <svg viewBox={`0 0 ${w} ${h}`} className="h-40 w-full" role="img" aria-label={`Last ${buckets.length} days: ${totals.ok} pushes, ${totals.fail} failures`}>
        <line x1={pad.l} x2={w} y1={h - pad.b} y2={h - pad.b} stroke="#cbd5e1" />
        <text x={pad.l - 4} y={pad.t + 8} textAnchor="end" fontSize="10" fill="#64748b">
          {top}
        </text>
        <text x={pad.l - 4} y={h - pad.b} textAnchor="end" fontSize="10" fill="#64748b">
          0
        </text>
        {buckets.map((b, i) => {
          const x = pad.l + i * bw + 1;
          let base = h - pad.b;
          const parts: Array<[number, string, string]> = [
            [b.workflowSuccess, "#10b981", "workflow pushes"],
            [b.deckhandSuccess, "#0ea5e9", "Deckhand pushes"],
            [b.failures, "#ef4444", "failures"],
          ];
          return (
            <g key={b.day} data-day={b.day}>
              <title>{`${b.day}: ${b.workflowSuccess} workflow, ${b.deckhandSuccess} Deckhand, ${b.failures} failed${b.other ? `, ${b.other} cancelled/running` : ""}`}</title>
              {parts.map(([v, color, label]) => {
                if (!v) return null;
                const hh = y(v);
                base -= hh;
                return <rect key={label} x={x} y={base} width={Math.max(1, bw - 2)} height={hh} fill={color} />;
              })}
              {i % 5 === 0 ? (
                <text x={x} y={h - 4} fontSize="9" fill="#64748b">
                  {b.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-1 flex gap-4 text-xs text-slate-600">
        <span>
          <span className="mr-1 inline-block h-2 w-2 bg-emerald-500" />
          workflow pushes ({buckets.reduce((n, b) => n + b.workflowSuccess, 0)})
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 bg-sky-500" />
          Deckhand pushes ({buckets.reduce((n, b) => n + b.deckhandSuccess, 0)})
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 bg-red-500" />
          failures ({totals.fail})
        </span>
      </figcaption>
    </figure>
  );
}
