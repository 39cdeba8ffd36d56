"use client";

import { useActionState, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/actions/action-client";

type Action = (prev: ActionResult<{ setupId?: number }> | null, form: FormData) => Promise<ActionResult<{ setupId?: number }>>;

/** Apply the plan in two clicks; the stray-secret removal is a separate, explicit checkbox. */
export function SetupApplyForm({ action, stepCount, straySecret }: { action: Action; stepCount: number; straySecret: string | null }) {
  const [open, setOpen] = useState(false);
  const [state, formAction, pending] = useActionState(action, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);
  return (
    <div className="space-y-2">
      {!open ? (
        <button type="button" onClick={() => setOpen(true)} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700">
          Apply setup
        </button>
      ) : (
        <form action={formAction} className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" aria-label="Confirm: Apply setup">
          <p className="text-sm text-slate-800">
            Deckhand makes the {stepCount} step(s) above in order, with the API calls listed, and records each before the next starts. A new access key goes
            straight into GitHub&apos;s secrets; its secret is never stored or shown. A key of the user that GitHub does not hold is deactivated (not deleted).
          </p>
          {straySecret ? (
            <label className="flex items-start gap-2 text-sm text-slate-800">
              <input type="checkbox" name="removeRegionSecret" className="mt-1" data-testid="confirm-remove-region-secret" />
              <span>{straySecret} Without this box the secret stays and the step is skipped.</span>
            </label>
          ) : null}
          <input type="hidden" name="confirm" value="apply" />
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 disabled:opacity-60">
              {pending ? "Starting…" : "Confirm setup"}
            </button>
            <button type="button" onClick={() => setOpen(false)} disabled={pending} className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm">
              Cancel
            </button>
          </div>
        </form>
      )}
      {state ? (
        <p role="status" data-testid="action-status" className={`text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
