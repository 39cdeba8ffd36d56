import type { ApiRequest } from "./router";

export interface Page {
  perPage: number;
  page: number;
  offset: number;
}

/** GitHub's per_page (default 30, at most 100 on most routes) and page (from 1) query parameters. */
export function pageOf(r: ApiRequest, defaultPerPage = 30, maxPerPage = 100): Page {
  const pp = Number.parseInt(r.url.searchParams.get("per_page") ?? "", 10);
  const pg = Number.parseInt(r.url.searchParams.get("page") ?? "", 10);
  const perPage = Number.isFinite(pp) && pp > 0 ? Math.min(pp, maxPerPage) : defaultPerPage;
  const page = Number.isFinite(pg) && pg > 0 ? pg : 1;
  return { perPage, page, offset: (page - 1) * perPage };
}

/** RFC 5988 Link header as GitHub sends it: next/last when there is more, first/prev when past page 1. */
export function linkHeader(r: ApiRequest, p: Page, total: number): Record<string, string> {
  const last = Math.max(1, Math.ceil(total / p.perPage));
  const link = (page: number, rel: string) => {
    const u = new URL(`${r.ctx.baseUrl()}${r.url.pathname}${r.url.search}`);
    u.searchParams.set("per_page", String(p.perPage));
    u.searchParams.set("page", String(page));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (p.page > 1) parts.push(link(Math.min(p.page - 1, last), "prev"));
  if (p.page < last) parts.push(link(p.page + 1, "next"), link(last, "last"));
  if (p.page > 1) parts.push(link(1, "first"));
  return parts.length ? { link: parts.join(", ") } : {};
}

export function paginate<T>(r: ApiRequest, items: T[], defaultPerPage = 30, maxPerPage = 100): { items: T[]; headers: Record<string, string> } {
  const p = pageOf(r, defaultPerPage, maxPerPage);
  return { items: items.slice(p.offset, p.offset + p.perPage), headers: linkHeader(r, p, items.length) };
}
