// The canary: a workflow_dispatch run of the ECR workflow with the secrets GitHub now holds. It proves
// the new key works where it matters (GitHub's runner), not just from Deckhand.

import type { GitHubClient, GitHubRepoRef } from "../../integrations/clients";
import { dispatchWorkflow, findWorkflowByName, listWorkflows } from "../../integrations/github/workflows";
import { getRun, listRuns, type RunSummary } from "../../integrations/github/runs";
import { getDefaultBranch } from "../../integrations/github/commits";
import { sleep } from "./retry";

export type CanaryOutcome =
  | { kind: "skipped"; message: string }
  | { kind: "finished"; run: RunSummary };

export interface CanaryOptions {
  github: GitHubClient;
  repo: GitHubRepoRef;
  workflowName: string;
  branch?: string;
  /** A run dispatched before an interruption, to follow instead of dispatching again. */
  followRunId?: number;
  timeoutMs: number;
  pollMs: number;
  /** Called as soon as the run is known, so a resume can follow it. */
  onRun?: (run: { runId: number; htmlUrl: string; dispatchedAt?: string }) => void;
}

/** GitHub refuses a dispatch of a workflow without the trigger with 422 naming workflow_dispatch. */
function isNoDispatchTrigger(err: unknown): boolean {
  return (err as { status?: number }).status === 422 && /workflow_dispatch/i.test(String((err as Error).message ?? ""));
}

/** Pick the run a dispatch created: a workflow_dispatch run of the workflow that was not there before. */
function pickDispatchedRun(runs: RunSummary[], before: Set<number>, dispatchedAt: Date): RunSummary | null {
  const candidates = runs
    .filter((r) => r.event === "workflow_dispatch" && !before.has(r.id) && Date.parse(r.createdAt) >= dispatchedAt.getTime() - 5000)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id);
  return candidates[0] ?? null;
}

export async function runCanary(o: CanaryOptions): Promise<CanaryOutcome> {
  const deadline = Date.now() + o.timeoutMs;
  let runId = o.followRunId;
  if (runId === undefined) {
    const wf = findWorkflowByName(await listWorkflows({ github: o.github, repo: o.repo }), o.workflowName);
    if (!wf) return { kind: "skipped", message: `No workflow named “${o.workflowName}”: the canary was skipped (check DECKHAND_WORKFLOW).` };
    const ref = o.branch ?? (await getDefaultBranch({ github: o.github, repo: o.repo }));
    const before = new Set((await listRuns({ github: o.github, repo: o.repo, workflowId: wf.id, filters: { event: "workflow_dispatch" }, perPage: 50 })).runs.map((r) => r.id));
    const dispatchedAt = new Date();
    try {
      runId = (await dispatchWorkflow({ github: o.github, repo: o.repo, workflowId: wf.id, ref })).runId ?? undefined;
    } catch (err) {
      if (isNoDispatchTrigger(err)) return { kind: "skipped", message: `“${wf.name}” has no workflow_dispatch trigger, so no canary run was possible; the new key was verified against STS and ECR only.` };
      throw err;
    }
    // GitHub's 204 has no run id: the run appears in the listing a moment later.
    while (runId === undefined) {
      const page = await listRuns({ github: o.github, repo: o.repo, workflowId: wf.id, filters: { event: "workflow_dispatch" }, perPage: 20 });
      const found = pickDispatchedRun(page.runs, before, dispatchedAt);
      if (found) runId = found.id;
      else if (Date.now() > deadline) throw new CanaryTimeoutError("GitHub did not show the dispatched canary run in time.");
      else await sleep(o.pollMs);
    }
    const first = await getRun({ github: o.github, repo: o.repo, runId });
    o.onRun?.({ runId, htmlUrl: first?.htmlUrl ?? "", dispatchedAt: dispatchedAt.toISOString() });
  }
  for (;;) {
    const run = await getRun({ github: o.github, repo: o.repo, runId });
    if (!run) throw new CanaryTimeoutError(`The canary run ${runId} disappeared from GitHub.`);
    if (run.status === "completed") return { kind: "finished", run };
    if (Date.now() > deadline) throw new CanaryTimeoutError(`The canary run ${runId} did not finish within ${Math.round(o.timeoutMs / 1000)} s.`);
    await sleep(o.pollMs);
  }
}

export class CanaryTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CanaryTimeoutError";
  }
}
