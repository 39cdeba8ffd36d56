"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

/** How many days the access key must go unused after the OIDC role is proven before it may be retired. */
export function GraceDaysForm({ days, canEdit, action }: { days: number; canEdit: boolean; action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="max-w-md space-y-3 rounded-lg border border-slate-200 bg-white p-6" aria-label="Key grace period">
      <label className="block text-sm">
        <span className="font-medium">Days without any use of the key</span> before the move to the OIDC role offers to retire it (1–90)
        <input type="number" name="days" min={1} max={90} defaultValue={days} disabled={!canEdit} className="mt-1 block w-28 rounded-md border border-slate-300 px-2 py-1" data-testid="grace-days" />
      </label>
      <button type="submit" disabled={!canEdit || pending} className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white disabled:bg-slate-400">
        Save
      </button>
      {state ? (
        <p role="status" className={`text-sm ${state.ok ? "text-emerald-800" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
