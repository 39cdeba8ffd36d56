"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

type Action = (prev: ActionResult<{ jobId: string }> | null, form: FormData) => Promise<ActionResult<{ jobId: string }>>;

/** `repository`: the repository the page shows (owner/name), sent as `repo`; null for the default one. */
export function TriggerPushForm({ action, defaultBranch, repository = null }: { action: Action; defaultBranch: string; repository?: string | null }) {
  const [state, formAction, pending] = useActionState(action, null);
  const error = state && !state.ok ? (state.fieldErrors ? Object.values(state.fieldErrors).flat()[0] : state.message) : null;
  return (
    <form action={formAction} aria-label="Trigger a push" className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-4">
      {repository ? <input type="hidden" name="repo" value={repository} /> : null}
      <div>
        <label htmlFor="target" className="block text-sm font-medium">
          Branch or commit{repository ? <> of <span className="font-mono">{repository}</span></> : null}
        </label>
        <input id="target" name="target" defaultValue={defaultBranch} className="mt-1 w-64 rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm" />
      </div>
      <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 disabled:opacity-60">
        {pending ? "Queueing…" : "Push now"}
      </button>
      {state?.ok ? (
        <p role="status" className="w-full text-sm text-emerald-700">
          {state.message}{" "}
          {state.data?.jobId ? (
            <a className="underline" href={`/pushes/${state.data.jobId}`}>
              Follow it
            </a>
          ) : null}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="w-full text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </form>
  );
}
