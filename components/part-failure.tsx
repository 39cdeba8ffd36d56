import type { Failure } from "@/lib/failures";

/**
 * The one way a page shows a part that could not be read: which service, which call, what kind of failure
 * (lib/failures.ts's whitelisted message), never the service's own text. The rest of the page renders on.
 * `what` names the part ("the access keys"); `compact` fits it into an Overview card.
 */
export function PartFailure({ failure, what, compact = false, testId }: { failure: Failure; what?: string; compact?: boolean; testId?: string }) {
  if (compact) {
    return (
      <p role="alert" data-testid={testId ?? "card-error"} data-service={failure.service} data-kind={failure.kind} className="text-amber-800">
        {failure.message}
      </p>
    );
  }
  return (
    <div role="alert" data-testid={testId ?? "section-error"} data-service={failure.service} data-kind={failure.kind} className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
      {what ? <p className="font-medium">Could not load {what}.</p> : null}
      <p>{failure.message}.</p>
    </div>
  );
}

export function PartLoading({ label }: { label: string }) {
  return (
    <div aria-busy="true" className="animate-pulse rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-500">
      Loading {label}…
    </div>
  );
}
