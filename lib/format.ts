/** Times as the pages print them: absolute UTC (unambiguous across teams) plus a relative hint. */

export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "—";
  return new Date(ms).toISOString().replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, " UTC");
}

export function formatAgo(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const s = Math.round((now.getTime() - ms) / 1000);
  if (s < 0) return "in the future";
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return d === 1 ? "1 day ago" : `${d} days ago`;
}
