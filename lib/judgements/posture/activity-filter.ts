import type { EventFilter } from "./cloudtrail-summary";

export interface ActivityQuery {
  key?: string;
  event?: string;
  errors?: boolean;
  from?: string;
  to?: string;
  /** 0-based page of the event table. */
  page: number;
}

/** The query as search params, for links that keep the filters (e.g. to the next page). */
export function activityQueryString(q: ActivityQuery, overrides: Partial<ActivityQuery> = {}): string {
  const m = { ...q, ...overrides };
  const sp = new URLSearchParams();
  if (m.key) sp.set("key", m.key);
  if (m.event) sp.set("event", m.event);
  if (m.errors) sp.set("errors", "1");
  if (m.from) sp.set("from", m.from);
  if (m.to) sp.set("to", m.to);
  if (m.page > 0) sp.set("page", String(m.page));
  return sp.toString();
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Search params → a validated filter; anything malformed is dropped rather than trusted. `to` is inclusive of its day. */
export function parseActivityQuery(sp: Record<string, string | string[] | undefined>): { query: ActivityQuery; filter: EventFilter } {
  const key = one(sp.key);
  const event = one(sp.event);
  const from = one(sp.from);
  const to = one(sp.to);
  const page = one(sp.page);
  const query: ActivityQuery = {
    key: key && /^[A-Z0-9]{16,128}$/.test(key) ? key : undefined,
    event: event && /^[A-Za-z0-9]{1,128}$/.test(event) ? event : undefined,
    errors: one(sp.errors) === "1",
    from: from && DAY.test(from) && !Number.isNaN(Date.parse(from)) ? from : undefined,
    to: to && DAY.test(to) && !Number.isNaN(Date.parse(to)) ? to : undefined,
    page: page && /^\d{1,5}$/.test(page) ? Number(page) : 0,
  };
  const filter: EventFilter = {
    accessKeyId: query.key,
    eventName: query.event,
    errorsOnly: query.errors,
    from: query.from ? `${query.from}T00:00:00Z` : undefined,
    to: query.to ? new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
  };
  return { query, filter };
}
