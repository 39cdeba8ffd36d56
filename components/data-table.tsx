/** The dashboard's table: a header row of `columns`, the rows as children (each `<tr>` its own). */
export function DataTable({ columns, testId, textSize = "sm", children }: { columns: string[]; testId?: string; textSize?: "sm" | "xs"; children: React.ReactNode }) {
  return (
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
  );
}
