/**
 * How long a run took (or has been running). GitHub gives run_started_at (start of the latest attempt)
 * and updated_at (last change: for a completed run, roughly its end). A queued run has no duration.
 */

export interface RunTimes {
  status: string | null;
  runStartedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function runDurationMs(run: RunTimes, now: Date = new Date()): number | null {
  if (run.status === "queued" || run.status === "waiting" || run.status === "pending" || run.status === "requested") return null;
  const start = Date.parse(run.runStartedAt ?? run.createdAt);
  if (Number.isNaN(start)) return null;
  const end = run.status === "completed" ? Date.parse(run.updatedAt) : now.getTime();
  if (Number.isNaN(end) || end < start) return null;
  return end - start;
}

/** A run still moving: worth polling. */
export function isRunActive(status: string | null): boolean {
  return status !== null && status !== "completed";
}
