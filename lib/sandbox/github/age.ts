// The GitHub half's recorded times, for POST /_sandbox/age (../age.ts): repositories (created/updated/pushed_at),
// secrets and variables at every scope, environments, workflows, runs (created, updated, run_started_at), jobs (their
// steps' times and the timestamps of every log line), commit statuses, hooks and their deliveries, pull requests
// (created, updated, closed and merged_at), users, tokens and pending OAuth codes (which expire as they would have).
// Git commits are not rewritten (their dates are part of their SHAs): git-aging.ts presents their dates aged instead,
// and a run's head_commit, a copy of git's, is aged with the run. Not moved: webhook delivery bodies (the signed bytes
// as sent; a redelivery resends them unchanged, as GitHub does).

import type { AgedTable } from "../age";

const stamped = (table: string, extra: string[] = []): AgedTable => ({ table, iso: ["created_at", "updated_at", ...extra] });

export const GITHUB_AGED_TABLES: AgedTable[] = [
  stamped("gh_repos", ["pushed_at"]),
  stamped("gh_secrets"),
  stamped("gh_variables"),
  stamped("gh_scoped_secrets"),
  stamped("gh_scoped_variables"),
  stamped("gh_environments"),
  stamped("gh_workflows"),
  stamped("gh_runs", ["run_started_at", "head_commit"]),
  { table: "gh_jobs", iso: ["created_at", "started_at", "completed_at", "steps", "log"] },
  stamped("gh_statuses"),
  stamped("gh_hooks"),
  { table: "gh_deliveries", iso: ["delivered_at"] },
  stamped("gh_pulls", ["closed_at", "merged_at"]),
  { table: "gh_users", iso: ["created_at"] },
  { table: "gh_tokens", iso: ["created_at"] },
  { table: "gh_fine_grained_tokens", iso: ["created_at"] },
  { table: "gh_oauth_codes", ms: ["expires_at"] },
];
