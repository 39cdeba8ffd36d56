/**
 * Search, sort and paging of the repository list, driven by URL search params so a view can be linked
 * and survives a refresh. Sorting by name needs only DescribeRepositories; sorting by image count or
 * push time needs every repository's images, so the page asks `needsAllFacts` before fetching.
 */

import { checkEcrRepositoryName } from "../push/ecr-repository-name";

export type RepositorySort = "name" | "images" | "pushed" | "created";
export type SortDir = "asc" | "desc";

export interface RepositoryQuery {
  q: string;
  sort: RepositorySort;
  dir: SortDir;
  page: number;
  perPage: number;
}

const SORTS: RepositorySort[] = ["name", "images", "pushed", "created"];
const PER_PAGE_CHOICES = [25, 50, 100] as const;

type Params = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Parse search params leniently: anything malformed falls back to the default, never an error page. */
export function parseRepositoryQuery(params: Params): RepositoryQuery {
  const q = (first(params.q) ?? "").trim().slice(0, 256);
  const sortRaw = first(params.sort) as RepositorySort | undefined;
  const sort = sortRaw && SORTS.includes(sortRaw) ? sortRaw : "name";
  const dirRaw = first(params.dir);
  // Names read A→Z; counts and times are most useful biggest/newest first.
  const dir: SortDir = dirRaw === "asc" || dirRaw === "desc" ? dirRaw : sort === "name" ? "asc" : "desc";
  const pageNum = Number.parseInt(first(params.page) ?? "", 10);
  const perNum = Number.parseInt(first(params.perPage) ?? "", 10);
  return {
    q,
    sort,
    dir,
    page: Number.isFinite(pageNum) && pageNum >= 1 ? Math.min(pageNum, 100_000) : 1,
    perPage: (PER_PAGE_CHOICES as readonly number[]).includes(perNum) ? perNum : 25,
  };
}

export function needsAllFacts(query: RepositoryQuery): boolean {
  return query.sort === "images" || query.sort === "pushed";
}

export interface RepositoryRow {
  name: string;
  createdAt: string | null;
  imageCount?: number | null;
  latestPushedAt?: string | null;
}

/** Case-insensitive substring match on the name; several words must all match (in any order). */
function matchesSearch(name: string, q: string): boolean {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const n = name.toLowerCase();
  return words.every((w) => n.includes(w));
}

function compare(a: RepositoryRow, b: RepositoryRow, sort: RepositorySort): number {
  const num = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? null : x);
  const t = (s: string | null | undefined) => num(s ? Date.parse(s) : null);
  let va: number | null;
  let vb: number | null;
  switch (sort) {
    case "name":
      return a.name.localeCompare(b.name);
    case "images":
      [va, vb] = [num(a.imageCount), num(b.imageCount)];
      break;
    case "pushed":
      [va, vb] = [t(a.latestPushedAt), t(b.latestPushedAt)];
      break;
    case "created":
      [va, vb] = [t(a.createdAt), t(b.createdAt)];
      break;
  }
  if (va === vb) return 0;
  // Unknown values sort after known ones in both directions (handled by the caller's direction flip).
  if (va === null) return Number.POSITIVE_INFINITY;
  if (vb === null) return Number.NEGATIVE_INFINITY;
  return va - vb;
}

export interface QueryResult<T> {
  rows: T[];
  total: number;
  page: number;
  pageCount: number;
}

export function queryRepositories<T extends RepositoryRow>(rows: readonly T[], query: RepositoryQuery): QueryResult<T> {
  const filtered = query.q ? rows.filter((r) => matchesSearch(r.name, query.q)) : [...rows];
  const sign = query.dir === "asc" ? 1 : -1;
  filtered.sort((a, b) => {
    const c = compare(a, b, query.sort);
    if (c === Number.POSITIVE_INFINITY || c === Number.NEGATIVE_INFINITY) return c > 0 ? 1 : -1;
    return sign * c || a.name.localeCompare(b.name);
  });
  const pageCount = Math.max(1, Math.ceil(filtered.length / query.perPage));
  const page = Math.min(query.page, pageCount);
  const start = (page - 1) * query.perPage;
  return { rows: filtered.slice(start, start + query.perPage), total: filtered.length, page, pageCount };
}

/** The search params for another view of the same list (only non-default values are kept). */
export function repositoryQueryHref(base: string, query: RepositoryQuery, change: Partial<RepositoryQuery>): string {
  const next = { ...query, ...change };
  const p = new URLSearchParams();
  if (next.q) p.set("q", next.q);
  if (next.sort !== "name") p.set("sort", next.sort);
  const defaultDir = next.sort === "name" ? "asc" : "desc";
  if (next.dir !== defaultDir) p.set("dir", next.dir);
  if (next.page > 1) p.set("page", String(next.page));
  if (next.perPage !== 25) p.set("perPage", String(next.perPage));
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

/**
 * The repository name in a `/registry/<name>` path segment, or null when it cannot name an ECR repository
 * (the page answers 404 without calling ECR). Next.js hands the segment over decoded, except when it is not
 * valid percent-encoding (`%E0%A4%A`), where it stays as sent: a valid name never contains '%', so the
 * segment is decoded at most once, and never a second time (which would turn "%2541" into "A").
 */
export function repositoryNameFromPath(segment: string): string | null {
  if (checkEcrRepositoryName(segment) === null) return segment;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return null;
  }
  if (decoded.includes("%")) return null;
  return checkEcrRepositoryName(decoded) === null ? decoded : null;
}
