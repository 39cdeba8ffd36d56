/**
 * A unified diff, line by line: additions green, removals red, hunk headers grey. Monospace, and it scrolls inside
 * its own box (both ways) so a phone-width page does not scroll sideways; the box takes keyboard focus to scroll.
 */
export function DiffView({ diff, label }: { diff: string; label: string }) {
  const lines = diff.replace(/\n$/, "").split("\n");
  return (
    <pre
      tabIndex={0}
      aria-label={label}
      data-testid="workflow-diff"
      className="max-h-[32rem] max-w-full overflow-auto rounded border border-slate-200 bg-white py-2 font-mono text-xs leading-5 focus:outline-2 focus:outline-sky-700"
    >
      {lines.map((line, i) => {
        const kind = line.startsWith("+++") || line.startsWith("---") ? "file" : line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
        const cls =
          kind === "add"
            ? "bg-emerald-50 text-emerald-900"
            : kind === "del"
              ? "bg-red-50 text-red-900"
              : kind === "hunk"
                ? "bg-slate-100 text-slate-700"
                : kind === "file"
                  ? "font-semibold text-slate-800"
                  : "text-slate-800";
        return (
          <span key={i} data-kind={kind} className={`block min-w-max px-3 whitespace-pre ${cls}`}>
            {line || " "}
          </span>
        );
      })}
    </pre>
  );
}
