"use client";

import { useRefreshingAction, type FormAction } from "@/components/use-refreshing-action";
import { fieldState } from "@/components/form-field-state";

type Action = FormAction<{ runId: number | null }>;

/** `repository`: the repository the page shows (owner/name), sent as `repo`; null for the default one. */
export function DispatchForm({ action, defaultRef, workflowName, repository = null }: { action: Action; defaultRef: string; workflowName: string; repository?: string | null }) {
  // The new run is queued on GitHub; show it now, the poller follows it to completion.
  const [state, formAction, pending] = useRefreshingAction(action);
  const ref = fieldState(state, "ref", defaultRef);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2 text-sm" aria-label="Dispatch workflow">
      {repository ? <input type="hidden" name="repo" value={repository} /> : null}
      <label htmlFor="dispatch-ref" className="text-slate-600">
        Run “{workflowName}” on
      </label>
      <input
        key={ref.key}
        id="dispatch-ref"
        name="ref"
        defaultValue={ref.defaultValue}
        placeholder="default branch"
        aria-invalid={ref.errors.length ? true : undefined}
        aria-describedby={ref.errors.length ? "dispatch-ref-error" : undefined}
        className={`w-36 rounded border px-2 py-1.5 ${ref.errors.length ? "border-red-600" : "border-slate-300"}`}
      />
      <button disabled={pending} className="rounded bg-sky-700 px-3 py-1.5 font-medium text-white disabled:opacity-50">
        {pending ? "Dispatching…" : "Dispatch workflow"}
      </button>
      {state ? (
        <span role="status" data-testid="dispatch-result" className={state.ok ? "text-emerald-700" : "text-red-700"}>
          {state.message}
        </span>
      ) : null}
      {ref.errors.length ? (
        <span id="dispatch-ref-error" data-testid="dispatch-ref-error" className="basis-full text-xs text-red-700">
          {ref.errors.join(" ")}
        </span>
      ) : null}
    </form>
  );
}
