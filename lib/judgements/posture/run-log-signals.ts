// Failing workflow steps' logs read in the guide's terms: each line is classified by the one guide-error
// table (lib/judgements/guide-errors.ts), the same one the run pages use. Only runs after the newest
// successful run count: a later success means the problem was fixed.

import { classifyGuideErrorLine, type GuideSectionId } from "../guide-errors";
import { toEpochMs } from "./time-util";
import type { WorkflowRunInfo } from "./types";

/** "Skipping push: digest matches latest" and the like: the guide's normal case, not an error. */
const PUSH_SKIPPED_SAME_DIGEST = /skip(?:ping|ped)?\b[^\n]*digest|digest[^\n]*(?:match|unchanged|identical|same)[^\n]*skip/i;

export interface RunLogHit {
  /** The guide section the line belongs to (lib/judgements/guide-errors.ts), or "push-skipped-same-digest". */
  section: GuideSectionId | "push-skipped-same-digest";
  runId: number;
  conclusion: string | null;
  job: string;
  step: string;
  /** The log line that matched, trimmed. */
  line: string;
  /** For denials: the action named ("ecr:PutImage"). */
  action?: string;
}

export function sortRunsNewestFirst(runs: readonly WorkflowRunInfo[]): WorkflowRunInfo[] {
  return [...runs].sort((a, b) => (toEpochMs(b.createdAt) ?? 0) - (toEpochMs(a.createdAt) ?? 0));
}

/** Completed runs newer than the newest successful one (the failures that still matter). */
export function findUnresolvedFailures(runs: readonly WorkflowRunInfo[]): WorkflowRunInfo[] {
  const sorted = sortRunsNewestFirst(runs);
  const out: WorkflowRunInfo[] = [];
  for (const r of sorted) {
    if (r.conclusion === "success") break;
    if (r.conclusion === "failure" || r.conclusion === "timed_out" || r.conclusion === "startup_failure") out.push(r);
  }
  return out;
}

function runLines(run: WorkflowRunInfo): { job: string; step: string; line: string }[] {
  const out: { job: string; step: string; line: string }[] = [];
  for (const step of [...(run.failingSteps ?? []), ...(run.stepLogs ?? [])]) {
    for (const rawLine of step.log.split(/\r?\n/)) {
      // Runner logs prefix each line with a timestamp and sometimes a "##[error]" annotation.
      const line = rawLine
        .replace(/^\S*\d{4}-\d{2}-\d{2}T[\d:.]+Z\s*/, "")
        .replace(/^##\[(?:error|warning|notice|debug)\]/, "")
        .trim();
      if (line) out.push({ job: step.job, step: step.step, line });
    }
  }
  return out;
}

/** Lines of the unresolved failing runs that belong to one of `sections`. */
export function scanFailingRuns(runs: readonly WorkflowRunInfo[], sections: readonly GuideSectionId[]): RunLogHit[] {
  const hits: RunLogHit[] = [];
  for (const run of findUnresolvedFailures(runs)) {
    for (const l of runLines(run)) {
      const m = classifyGuideErrorLine(l.line);
      if (!m || !sections.includes(m.section)) continue;
      hits.push({ section: m.section, runId: run.id, conclusion: run.conclusion, job: l.job, step: l.step, line: l.line.slice(0, 300), ...(m.action ? { action: m.action } : {}) });
    }
  }
  return hits;
}

/** Lines of one run (whatever its conclusion) saying the push was skipped because the digest matched `latest`. */
export function findSkippedPushes(run: WorkflowRunInfo): RunLogHit[] {
  return runLines(run)
    .filter((l) => PUSH_SKIPPED_SAME_DIGEST.test(l.line))
    .map((l) => ({ section: "push-skipped-same-digest", runId: run.id, conclusion: run.conclusion, job: l.job, step: l.step, line: l.line.slice(0, 300) }));
}
