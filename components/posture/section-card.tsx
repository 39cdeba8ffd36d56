/** One card of a posture page; `label` names it for screen readers and tests. */
export function SectionCard({ title, label, children, actions }: { title: string; label: string; children: React.ReactNode; actions?: React.ReactNode }) {
  return (
    <section aria-label={label} className="mb-6 rounded-lg border border-slate-200 bg-white p-5">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-medium">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function SectionLoading({ what }: { what: string }) {
  return <p className="text-sm text-slate-500" aria-busy="true">Loading {what}…</p>;
}

/** A list of the API calls a section's data came from. */
export function CallsMade({ calls }: { calls: readonly string[] }) {
  if (calls.length === 0) return null;
  return <p className="mt-3 text-xs text-slate-500">API calls: {calls.join(" · ")}</p>;
}
