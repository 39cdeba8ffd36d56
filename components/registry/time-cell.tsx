import { formatAgo, formatUtc } from "@/lib/format";

export function TimeCell({ iso, now }: { iso: string | null; now?: Date }) {
  if (!iso) return <span className="text-slate-500">—</span>;
  return (
    <time dateTime={iso} title={formatAgo(iso, now)} className="whitespace-nowrap">
      {formatUtc(iso)}
    </time>
  );
}
