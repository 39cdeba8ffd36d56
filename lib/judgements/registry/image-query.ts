/** Filtering and paging of one repository's images (hundreds at scale), from URL search params. */

import type { ImageLike } from "./image-facts";

export interface ImageQuery {
  tag: string;
  untagged: boolean;
  page: number;
  perPage: number;
}

type Params = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function parseImageQuery(params: Params): ImageQuery {
  const page = Number.parseInt(first(params.page) ?? "", 10);
  return {
    tag: (first(params.tag) ?? "").trim().slice(0, 300),
    untagged: first(params.untagged) === "1",
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    perPage: 50,
  };
}

/** Newest push first (what changed recently matters most); images without a push time go last. */
export function queryImages<T extends ImageLike>(images: readonly T[], query: ImageQuery): { rows: T[]; total: number; page: number; pageCount: number } {
  const needle = query.tag.toLowerCase();
  const rows = images.filter((i) => (query.untagged ? i.tags.length === 0 : true)).filter((i) => !needle || i.tags.some((t) => t.toLowerCase().includes(needle)) || i.digest.includes(needle));
  const t = (s: string | null) => (s ? Date.parse(s) : Number.NEGATIVE_INFINITY);
  rows.sort((a, b) => t(b.pushedAt) - t(a.pushedAt) || a.digest.localeCompare(b.digest));
  const pageCount = Math.max(1, Math.ceil(rows.length / query.perPage));
  const page = Math.min(query.page, pageCount);
  return { rows: rows.slice((page - 1) * query.perPage, page * query.perPage), total: rows.length, page, pageCount };
}
