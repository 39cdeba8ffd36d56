import type { SideBySideLine } from "@/lib/judgements/posture/policy-diff";

const ROW: Record<SideBySideLine["kind"], string> = {
  same: "",
  added: "bg-emerald-50",
  removed: "bg-red-50",
  changed: "bg-amber-50",
};

/** Current document left, expected right, line by line. */
export function PolicyDiffView({ lines }: { lines: SideBySideLine[] }) {
  return (
    <div tabIndex={0} className="mt-3 overflow-x-auto rounded border border-slate-200" data-testid="policy-diff">
      <table className="w-full font-mono text-xs">
        <thead className="bg-slate-50 text-left text-slate-500">
          <tr>
            <th className="w-1/2 px-2 py-1">Current</th>
            <th className="w-1/2 px-2 py-1">Expected</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={i} className={ROW[l.kind]}>
              <td className="whitespace-pre px-2">{l.kind === "added" ? "" : (l.kind === "removed" || l.kind === "changed" ? "- " : "  ") + (l.left ?? "")}</td>
              <td className="whitespace-pre px-2">{l.kind === "removed" ? "" : (l.kind === "added" || l.kind === "changed" ? "+ " : "  ") + (l.right ?? "")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
