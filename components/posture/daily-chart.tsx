import type { DailyActivity } from "@/lib/judgements/posture/cloudtrail-summary";

/** Calls (grey) and errors (red) per UTC day, as a server-rendered SVG bar chart. */
export function DailyChart({ series }: { series: DailyActivity[] }) {
  const width = 900;
  const height = 140;
  const pad = 20;
  const max = Math.max(1, ...series.map((d) => d.calls));
  const bar = (width - pad) / Math.max(1, series.length);
  const y = (n: number) => ((height - pad) * n) / max;
  const total = series.reduce((s, d) => s + d.calls, 0);
  const errors = series.reduce((s, d) => s + d.errors, 0);
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-36 w-full" role="img" aria-label={`${total} calls and ${errors} errors over ${series.length} days`}>
        <text x={0} y={10} fontSize={10} fill="#64748b">
          {max}
        </text>
        {series.map((d, i) => (
          <g key={d.day}>
            <title>{`${d.day}: ${d.calls} calls, ${d.errors} errors`}</title>
            <rect x={pad + i * bar} y={height - pad - y(d.calls)} width={Math.max(1, bar - 1)} height={y(d.calls)} fill="#94a3b8" />
            <rect x={pad + i * bar} y={height - pad - y(d.errors)} width={Math.max(1, bar - 1)} height={y(d.errors)} fill="#dc2626" />
          </g>
        ))}
        <text x={pad} y={height - 4} fontSize={10} fill="#64748b">
          {series[0]?.day}
        </text>
        <text x={width} y={height - 4} fontSize={10} fill="#64748b" textAnchor="end">
          {series[series.length - 1]?.day}
        </text>
      </svg>
      <figcaption className="text-xs text-slate-500">
        {total} calls and {errors} errors over the last {series.length} days, one bar per UTC day (grey: calls, red: errors).
      </figcaption>
    </figure>
  );
}
