/**
 * The Workflows page's filters as URL search params. Values GitHub would reject (422) are dropped here
 * so a hand-edited URL shows an unfiltered list instead of an error.
 */

export const RUN_STATUSES = ["queued", "in_progress", "completed", "waiting", "requested", "pending"] as const;
export const RUN_CONCLUSIONS = ["success", "failure", "cancelled", "skipped", "timed_out", "action_required", "neutral", "stale"] as const;
export const RUN_EVENTS = ["push", "workflow_dispatch", "pull_request", "schedule", "repository_dispatch", "release", "workflow_run"] as const;

export interface RunQuery {
  /** "ecr" (the configured workflow), "all", or a workflow id. */
  workflow: string;
  status: string;
  branch: string;
  event: string;
  page: number;
}

type Params = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export function parseRunQuery(params: Params): RunQuery {
  const status = first(params.status);
  const event = first(params.event);
  const branch = first(params.branch).trim();
  const workflow = first(params.workflow);
  const page = Number.parseInt(first(params.page), 10);
  return {
    workflow: workflow === "all" || /^\d{1,15}$/.test(workflow) ? workflow : "ecr",
    status: ([...RUN_STATUSES, ...RUN_CONCLUSIONS] as readonly string[]).includes(status) ? status : "",
    // Git ref names: no spaces, control characters, "..", or a handful of symbols.
    branch: branch && branch.length <= 255 && !/[\s~^:?*[\\\x00-\x1f]|\.\./.test(branch) ? branch : "",
    event: /^[a-z_]{1,40}$/.test(event) ? event : "",
    // GitHub serves at most 1,000 results of a filtered listing: 34 pages of 30.
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, 34) : 1,
  };
}

export function runQueryHref(base: string, q: RunQuery, change: Partial<RunQuery>): string {
  const next = { ...q, ...change };
  const p = new URLSearchParams();
  if (next.workflow !== "ecr") p.set("workflow", next.workflow);
  if (next.status) p.set("status", next.status);
  if (next.branch) p.set("branch", next.branch);
  if (next.event) p.set("event", next.event);
  if (next.page > 1) p.set("page", String(next.page));
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}
