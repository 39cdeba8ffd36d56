import { isoSeconds } from "./ecr-job";

/**
 * GitHub's `created` filter syntax (search qualifiers): `2024-01-01`, `>=2024-01-01`, `<2024-01-01T10:00:00Z`,
 * `2024-01-01..2024-02-01`, `2024-01-01..*`. Returns [from, to) bounds as ISO strings, or null if malformed.
 */
export function createdBounds(q: string): { from?: string; to?: string } | null {
  const point = (s: string): { start: string; end: string } | null => {
    if (s === "*") return null;
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
    const d = new Date(dateOnly ? `${s}T00:00:00Z` : s);
    if (Number.isNaN(d.getTime())) return null;
    const end = new Date(d.getTime() + (dateOnly ? 86_400_000 : 1000));
    return { start: isoSeconds(d), end: isoSeconds(end) };
  };
  const m = /^(>=|<=|>|<)?(.+)$/.exec(q.trim());
  if (!m) return null;
  const [, op, rest] = m;
  if (!op && rest.includes("..")) {
    const [a, b] = rest.split("..");
    const pa = a === "*" ? undefined : point(a);
    const pb = b === "*" ? undefined : point(b);
    if (pa === null || pb === null) return null;
    return { from: pa?.start, to: pb?.end };
  }
  const p = point(rest);
  if (!p) return null;
  switch (op) {
    case ">=":
      return { from: p.start };
    case ">":
      return { from: p.end };
    case "<=":
      return { to: p.end };
    case "<":
      return { to: p.start };
    default:
      return { from: p.start, to: p.end };
  }
}
