const STYLE: Record<string, string> = {
  done: "bg-emerald-100 text-emerald-800",
  pass: "bg-emerald-100 text-emerald-800",
  succeeded: "bg-emerald-100 text-emerald-800",
  completed: "bg-emerald-100 text-emerald-800",
  missing: "bg-amber-100 text-amber-900",
  wrong: "bg-red-100 text-red-800",
  fail: "bg-red-100 text-red-800",
  failed: "bg-red-100 text-red-800",
  stopped: "bg-red-100 text-red-800",
  interrupted: "bg-amber-100 text-amber-900",
  running: "bg-sky-100 text-sky-800",
  unknown: "bg-slate-200 text-slate-700",
  skipped: "bg-slate-200 text-slate-700",
  optional: "bg-slate-100 text-slate-600",
  pending: "bg-slate-100 text-slate-500",
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span data-testid={testId} data-status={status} className={`inline-block shrink-0 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${STYLE[status] ?? STYLE.unknown}`}>
      {status}
    </span>
  );
}
