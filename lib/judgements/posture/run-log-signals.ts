// The error texts the guide's Troubleshooting quotes, recognised in failing workflow steps' logs. Only runs
// after the newest successful run count: a later success means the problem was fixed.

import { toEpochMs } from "./time-util";
import type { WorkflowRunInfo } from "./types";

export type RunSignal =
  | "credential-error"
  | "region-missing"
  | "access-denied"
  | "invalid-access-key"
  | "security-token-invalid"
  | "repository-creation-failed"
  | "push-skipped-same-digest";

const PATTERNS: Record<RunSignal, RegExp> = {
  "credential-error": /InvalidUserID\.AccessDenied|Credentials could not be loaded|Could not load credentials from any providers|Unable to locate credentials/i,
  "region-missing": /The "aws-region" input is required|Input required and not supplied: aws-region|You must specify a region|Region is missing/i,
  "access-denied": /is not authorized to perform/i,
  "invalid-access-key": /The AWS Access Key Id you provided does not exist|InvalidClientTokenId|UnrecognizedClientException/i,
  "security-token-invalid": /The security token included in the request is invalid|SignatureDoesNotMatch|The request signature we calculated does not match/i,
  "repository-creation-failed": /not authorized to perform:?\s*ecr:CreateRepository|CreateRepository[^\n]*LimitExceededException|LimitExceededException[^\n]*repositor/i,
  "push-skipped-same-digest": /skip(?:ping|ped)?\b[^\n]*digest|digest[^\n]*(?:match|unchanged|identical|same)[^\n]*skip/i,
};

export interface RunSignalHit {
  signal: RunSignal;
  runId: number;
  conclusion: string | null;
  job: string;
  step: string;
  /** The log line that matched, trimmed. */
  line: string;
  /** For access-denied lines: the action named ("ecr:PutImage"). */
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

function scanRun(run: WorkflowRunInfo, signals: readonly RunSignal[]): RunSignalHit[] {
  const hits: RunSignalHit[] = [];
  for (const step of [...(run.failingSteps ?? []), ...(run.stepLogs ?? [])]) {
    for (const rawLine of step.log.split(/\r?\n/)) {
      // Runner logs prefix each line with a timestamp and sometimes a "##[error]" annotation.
      const line = rawLine
        .replace(/^\S*\d{4}-\d{2}-\d{2}T[\d:.]+Z\s*/, "")
        .replace(/^##\[(?:error|warning|notice|debug)\]/, "")
        .trim();
      for (const signal of signals) {
        if (!PATTERNS[signal].test(line)) continue;
        const action = signal === "access-denied" || signal === "repository-creation-failed"
          ? /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)/i.exec(line)?.[1]
          : undefined;
        hits.push({ signal, runId: run.id, conclusion: run.conclusion, job: step.job, step: step.step, line: line.slice(0, 300), ...(action ? { action } : {}) });
      }
    }
  }
  return hits;
}

/** Signals in the unresolved failing runs. */
export function scanFailingRuns(runs: readonly WorkflowRunInfo[], signals: readonly RunSignal[]): RunSignalHit[] {
  return findUnresolvedFailures(runs).flatMap((r) => scanRun(r, signals));
}

/** Signals in one run regardless of its conclusion (e.g. "skipped, digest unchanged" in a success). */
export function scanRunLogs(run: WorkflowRunInfo, signals: readonly RunSignal[]): RunSignalHit[] {
  return scanRun(run, signals);
}
