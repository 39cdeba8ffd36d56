const STYLE: Record<string, string> = {
  success: "bg-emerald-100 text-emerald-800",
  failure: "bg-red-100 text-red-800",
  timed_out: "bg-red-100 text-red-800",
  cancelled: "bg-slate-200 text-slate-700",
  skipped: "bg-slate-100 text-slate-500",
  in_progress: "bg-sky-100 text-sky-800",
  queued: "bg-amber-100 text-amber-800",
};

/** A run's or step's state as one word: the conclusion once completed, else the status. */
export function RunStatus({ status, conclusion }: { status: string | null; conclusion: string | null }) {
  const word = status === "completed" ? (conclusion ?? "completed") : (status ?? "unknown");
  return (
    <span data-testid="run-status" data-status={status ?? ""} data-conclusion={conclusion ?? ""} className={`rounded px-1.5 py-0.5 text-xs font-medium ${STYLE[word] ?? "bg-slate-100 text-slate-700"}`}>
      {word.replace("_", " ")}
    </span>
  );
}
