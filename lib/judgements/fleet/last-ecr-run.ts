// The Fleet row's "last run" from the runs the Doctor already read (the repository's newest runs of every
// workflow), so a row needs no call of its own for it; only when that page cannot say does the row ask GitHub.

import type { WorkflowRunInfo } from "../posture/types";

/** What a Fleet row shows of the ECR workflow's newest run. */
export interface LastRunView {
  id: number;
  status: string | null;
  conclusion: string | null;
  /** ISO 8601, as GitHub wrote it. */
  createdAt: string;
  /** When it last changed (ISO 8601; for a completed run, about when it finished); null when GitHub did not say. */
  updatedAt: string | null;
}

/**
 * The ECR workflow's newest run among `runs` (GET /repos/{owner}/{repo}/actions/runs, newest first, every workflow:
 * a run's `name` is its workflow's name, GitHub REST "List workflow runs for a repository"), matched by the
 * configured workflow name (case-insensitively, as findWorkflowByName's last resort). The list is GitHub's order,
 * newest first, so the first match is the newest.
 *  - `{ found: run }`: the newest run of that name;
 *  - `{ found: null }`: none of that name, and the page held every run of the repository (`complete`: fewer than
 *    it asked for), so the workflow has never run;
 *  - `"ask"`: none of that name on a full page (older runs may exist), or no workflow name: ask GitHub for the
 *    workflow's own newest run; also when the workflow is configured by its file name.
 * Pure; never throws.
 */
export function pickLastEcrRun(runs: readonly WorkflowRunInfo[], workflowName: string | undefined, complete: boolean): { found: LastRunView | null } | "ask" {
  const wanted = workflowName?.trim().toLowerCase();
  // A workflow named by its file (DECKHAND_WORKFLOW=ecr.yml) cannot be matched to a run's name.
  if (!wanted || /\.ya?ml$/.test(wanted) || wanted.includes("/")) return "ask";
  const newest = runs.find((r) => (r.name ?? "").trim().toLowerCase() === wanted);
  const iso = (t: WorkflowRunInfo["createdAt"] | undefined) => (t === undefined ? null : typeof t === "string" ? t : t.toISOString());
  if (newest) return { found: { id: newest.id, status: newest.status ?? null, conclusion: newest.conclusion, createdAt: iso(newest.createdAt)!, updatedAt: iso(newest.updatedAt) } };
  return complete ? { found: null } : "ask";
}
