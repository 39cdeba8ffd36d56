import type { NavItem } from "./nav-items";

/** A page whose feature is not built yet says what it will show; it never fakes data. */
export function PlannedPage({ item, will }: { item: NavItem; will: string[] }) {
  return (
    <section className="max-w-3xl">
      <h1 className="text-2xl font-semibold">{item.label}</h1>
      <p className="mt-1 text-slate-600">{item.summary}</p>
      <div className="mt-6 rounded-lg border border-dashed border-slate-300 bg-white p-5">
        <p className="text-sm font-medium text-slate-700">Not built yet. This page will show:</p>
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-600">
          {will.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
