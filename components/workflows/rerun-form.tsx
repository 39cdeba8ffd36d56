"use client";

import { useRefreshingAction, type FormAction } from "@/components/use-refreshing-action";

type Action = FormAction<{ runId: number }>;

/** `repository`: the repository the page shows (owner/name), sent as `repo`; null for the default one. */
export function RerunForm({ action, runId, repository = null }: { action: Action; runId: number; repository?: string | null }) {
  const [state, formAction, pending] = useRefreshingAction(action);
  return (
    <form action={formAction} className="flex items-center gap-2 text-sm" aria-label="Re-run failed jobs">
      <input type="hidden" name="runId" value={runId} />
      {repository ? <input type="hidden" name="repo" value={repository} /> : null}
      <button disabled={pending} className="rounded bg-amber-700 px-3 py-1.5 font-medium text-white disabled:opacity-50">
        {pending ? "Re-running…" : "Re-run failed jobs"}
      </button>
      {state ? (
        <span role="status" data-testid="rerun-result" className={state.ok ? "text-emerald-700" : "text-red-700"}>
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
