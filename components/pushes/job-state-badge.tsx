import type { JobState } from "@/lib/judgements/push/job-states";

const STYLE: Record<JobState, string> = {
  queued: "bg-slate-100 text-slate-700",
  running: "bg-sky-100 text-sky-800",
  waiting: "bg-violet-100 text-violet-900",
  succeeded: "bg-emerald-100 text-emerald-800",
  skipped: "bg-emerald-50 text-emerald-700",
  failed: "bg-red-100 text-red-800",
  cancelled: "bg-amber-100 text-amber-900",
  superseded: "bg-slate-100 text-slate-500",
};

export function JobStateBadge({ state }: { state: JobState }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STYLE[state]}`}>{state === "skipped" ? "skipped (unchanged)" : state}</span>;
}
