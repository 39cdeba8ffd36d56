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
