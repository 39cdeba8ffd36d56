"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";
import { GRACE_DAYS_LIMITS } from "@/lib/operations/rotation/settings-limits";
import { fieldState } from "@/components/form-field-state";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

export function RotationSettingsForm({ values, rotateAfterDays, canEdit, action }: { values: { graceDays: number; autoRotate: boolean }; rotateAfterDays: number; canEdit: boolean; action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  const grace = fieldState(state, "graceDays", values.graceDays);
  return (
    <form action={formAction} className="max-w-xl space-y-4" aria-label="Rotation settings">
      <fieldset disabled={!canEdit || pending} className="space-y-4">
        <div>
          <label htmlFor="graceDays" className="block text-sm font-medium">
            Delete the old key after (days)
          </label>
          <div className="mt-1 flex items-center gap-2">
            <input
              key={grace.key}
              id="graceDays"
              name="graceDays"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              defaultValue={grace.defaultValue}
              aria-describedby={`graceDays-limits graceDays-help${grace.errors.length ? " graceDays-error" : ""}`}
              aria-invalid={grace.errors.length ? true : undefined}
              className={`w-32 rounded-md border px-2 py-1.5 text-sm disabled:bg-slate-100 ${grace.errors.length ? "border-red-600" : "border-slate-300"}`}
            />
            <span id="graceDays-limits" className="text-xs text-slate-500">
              whole days, {GRACE_DAYS_LIMITS.min}–{GRACE_DAYS_LIMITS.max}
            </span>
          </div>
          <p id="graceDays-help" className="mt-1 text-xs text-slate-500">
            The old key stays inactive this long, so it can be reactivated if something still needed it.
          </p>
          {grace.errors.length ? (
            <p id="graceDays-error" className="mt-1 text-xs text-red-700">
              {grace.errors.join(" ")}
            </p>
          ) : null}
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="autoRotate" defaultChecked={values.autoRotate} />
          Rotate automatically when a push user&apos;s active key is {rotateAfterDays} days old (the rotation age in Settings; every configured push user, each from its first repository)
        </label>
      </fieldset>
      {canEdit ? (
        <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 disabled:opacity-60">
          {pending ? "Saving…" : "Save rotation settings"}
        </button>
      ) : (
        <p className="text-sm text-slate-600">Only operators can change rotation settings.</p>
      )}
      {state ? (
        <p role="status" className={`text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
