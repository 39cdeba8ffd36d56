import Link from "next/link";
import type { ReadContext } from "@/lib/read/context";
import { readRotationHistory } from "@/lib/read/rotation";
import { formatMs, formatUtc } from "@/lib/format";
import { DataTable } from "@/components/data-table";

/** Past rotations of every push user, with each one's user, repository and steps. */
export function HistorySection({ ctx }: { ctx: ReadContext }) {
  const rotations = readRotationHistory(ctx);
  if (rotations.length === 0) return <p className="text-sm text-slate-500">No rotations yet.</p>;
  return (
    <DataTable columns={["Rotation", "State", "Keys", "Steps", "Took"]} testId="rotation-history">
      {rotations.map((v) => (
        <tr key={v.id} className="border-t border-slate-100 align-top" data-testid={`rotation-row-${v.id}`}>
          <td className="px-3 py-2">
            <Link href={`/credentials/rotation/${v.id}`} className="text-sky-700 underline">
              #{v.id}
            </Link>
            <br />
            <span className="text-xs text-slate-500">
              {formatUtc(v.createdAt)} · {v.trigger === "automatic" ? "automatic" : v.requestedBy}
            </span>
            <br />
            <span className="text-xs" data-testid="rotation-row-user">
              {v.userName}
              {v.repository ? ` · ${v.repository}` : ""}
            </span>
          </td>
          <td className="px-3 py-2">{v.state}</td>
          <td className="px-3 py-2 font-mono text-xs">
            {v.oldKeyId ?? "—"} → {v.newKeyId ?? "—"}
            {v.oldKeyDeletedAt ? <span className="font-sans text-slate-500"> (old deleted)</span> : null}
          </td>
          <td className="px-3 py-2 text-xs">
            {v.steps.map((s) => (
              <div key={s.id}>
                {s.step}. {s.title}: {s.outcome} ({formatMs(s.durationMs)})
              </div>
            ))}
          </td>
          <td className="px-3 py-2">{formatMs(v.totalMs)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
