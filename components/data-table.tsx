/** The dashboard's table: a header row of `columns`, the rows as children (each `<tr>` its own). On a narrow screen it scrolls inside its own box, never the page. */
export function DataTable({ columns, testId, textSize = "sm", children }: { columns: string[]; testId?: string; textSize?: "sm" | "xs"; children: React.ReactNode }) {
  return (
    <div tabIndex={0} className="overflow-x-auto">
    <table className={`w-full text-left ${textSize === "xs" ? "text-xs" : "text-sm"}`} data-testid={testId}>
      <thead className="bg-slate-50 text-xs uppercase text-slate-500">
        <tr>
          {columns.map((c) => (
            <th key={c} className="px-3 py-2">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
    </div>
  );
}

/**
 * A table's only row when it has none (colSpan the whole width). On a phone the table is wider than the screen and
 * scrolls inside its box: the message sits in a box the width of the screen, kept at the left edge, so it reads whole
 * instead of centred across columns off screen.
 */
export function EmptyRow({ colSpan, testId, children }: { colSpan: number; testId?: string; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="py-6 text-slate-500" data-testid={testId}>
        <div className="sticky left-0 w-[calc(100vw-4rem)] px-3 text-center md:w-auto">{children}</div>
      </td>
    </tr>
  );
}
