import { appCache, type TtlCache } from "../infra/cache/ttl-cache";
import type { GitHubClient, GitHubRepoRef } from "../integrations/clients";
import { listRuns, type RunSummary } from "../integrations/github/runs";

/**
 * Every run of a workflow created in the last `days` days, fetched in parallel: the first page gives
 * total_count (the `created` filter makes it exact), then the remaining pages go out together.
 * GitHub serves at most 1,000 results of a filtered listing; `truncated` says when that cut in.
 */
export async function listRunsInWindow({
  github,
  repo,
  workflowId,
  days,
  now = new Date(),
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  workflowId?: number;
  days: number;
  now?: Date;
}): Promise<{ runs: RunSummary[]; truncated: boolean }> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  const filters = { created: `>=${since}` };
  const first = await listRuns({ github, repo, workflowId, filters, page: 1, perPage: 100 });
  const reachable = Math.min(first.totalCount, 1000);
  const pages = Math.ceil(reachable / 100);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => listRuns({ github, repo, workflowId, filters, page: i + 2, perPage: 100 })));
  const seen = new Set<number>();
  const runs = [first, ...rest].flatMap((p) => p.runs).filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  return { runs, truncated: first.totalCount > 1000 };
}

export function cachedRunsInWindow(args: Parameters<typeof listRunsInWindow>[0], cache: TtlCache = appCache()) {
  return cache.get(`gh:runs:window:${args.workflowId ?? "all"}:${args.days}`, 30_000, () => listRunsInWindow(args));
}
