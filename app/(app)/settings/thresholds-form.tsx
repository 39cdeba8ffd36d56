"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";
import type { Thresholds } from "@/lib/operations/settings/thresholds";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

const FIELDS: Array<{ name: keyof Thresholds; label: string; help: string }> = [
  { name: "rotateAfterDays", label: "Rotate keys at (days)", help: "A key this old is flagged for rotation." },
  { name: "warnAfterDays", label: "Warn from (days)", help: "A key this old gets a warning before it is due." },
  { name: "unusedAfterDays", label: "Unused after (days)", help: "An active key not used for this long is flagged." },
];

export function ThresholdsForm({ values, canEdit, action }: { values: Thresholds; canEdit: boolean; action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  return (
    <form action={formAction} className="max-w-md space-y-4 rounded-lg border border-slate-200 bg-white p-6" aria-label="Key thresholds">
      <fieldset disabled={!canEdit || pending} className="space-y-4">
        {FIELDS.map((f) => (
          <div key={f.name}>
            <label htmlFor={f.name} className="block text-sm font-medium">
              {f.label}
            </label>
            <input
              id={f.name}
              name={f.name}
              type="number"
              inputMode="numeric"
              defaultValue={values[f.name]}
              aria-describedby={`${f.name}-help`}
              aria-invalid={errors[f.name] ? true : undefined}
              className="mt-1 w-32 rounded-md border border-slate-300 px-2 py-1.5 text-sm disabled:bg-slate-100"
            />
            <p id={`${f.name}-help`} className="mt-1 text-xs text-slate-500">
              {f.help}
            </p>
            {errors[f.name]?.map((e) => (
              <p key={e} className="mt-1 text-xs text-red-700">
                {e}
              </p>
            ))}
          </div>
        ))}
      </fieldset>
      {canEdit ? (
        <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 disabled:opacity-60">
          {pending ? "Saving…" : "Save thresholds"}
        </button>
      ) : (
        <p className="text-sm text-slate-600">Only operators can change settings.</p>
      )}
      {state ? (
        <p role="status" className={`text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
