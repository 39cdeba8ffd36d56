const STYLE: Record<string, string> = {
  ok: "bg-emerald-100 text-emerald-800",
  pass: "bg-emerald-100 text-emerald-800",
  info: "bg-sky-100 text-sky-800",
  warn: "bg-amber-100 text-amber-900",
  fail: "bg-red-100 text-red-800",
  unknown: "bg-slate-200 text-slate-700",
};

/** A severity or check status as a coloured word (the word carries the meaning; colour only helps). */
export function StatusBadge({ status, text }: { status: string; text?: string }) {
  return <span className={`inline-block shrink-0 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${STYLE[status] ?? STYLE.unknown}`}>{text ?? status}</span>;
}
