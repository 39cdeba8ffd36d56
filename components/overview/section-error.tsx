import type { SectionFailure } from "@/lib/overview/describe-failure";

/** A section whose data could not be loaded says what failed; the rest of the page renders on. */
export function SectionError({ failure, title }: { failure: SectionFailure; title?: string }) {
  return (
    <div role="alert" data-testid="section-error" data-service={failure.service} className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
      {title ? <p className="font-medium">{title}</p> : null}
      <p>{failure.message}</p>
    </div>
  );
}

export function SectionSkeleton({ label }: { label: string }) {
  return (
    <div aria-busy="true" className="animate-pulse rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-400">
      Loading {label}…
    </div>
  );
}
