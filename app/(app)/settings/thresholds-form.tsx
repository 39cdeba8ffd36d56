"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";
import type { Thresholds } from "@/lib/operations/settings/thresholds";
import { THRESHOLD_LIMITS } from "@/lib/operations/settings/threshold-limits";
import { fieldState } from "@/components/form-field-state";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

const FIELDS: Array<{ name: keyof Thresholds; label: string; help: string }> = [
  { name: "rotateAfterDays", label: "Rotate keys at (days)", help: "A key this old is flagged for rotation." },
  { name: "warnAfterDays", label: "Warn from (days)", help: "A key this old gets a warning before it is due." },
  { name: "unusedAfterDays", label: "Unused after (days)", help: "An active key not used for this long is flagged." },
];

export function ThresholdsForm({ values, canEdit, action }: { values: Thresholds; canEdit: boolean; action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  const formErrors = state && !state.ok ? (state.fieldErrors?._ ?? []) : [];
  return (
    <form action={formAction} className="max-w-md space-y-4 rounded-lg border border-slate-200 bg-white p-6" aria-label="Key thresholds">
      <fieldset disabled={!canEdit || pending} className="space-y-4">
        {FIELDS.map((f) => {
          const field = fieldState(state, f.name, values[f.name]);
          return (
            <div key={f.name}>
              <label htmlFor={f.name} className="block text-sm font-medium">
                {f.label}
              </label>
              <div className="mt-1 flex items-center gap-2">
                {/* type="text": a number input hides what was typed when it is not a number ("1e3", "7 days"). */}
                <input
                  key={field.key}
                  id={f.name}
                  name={f.name}
                  type="text"
                  inputMode="numeric"
                  autoComplete="off"
                  defaultValue={field.defaultValue}
                  aria-describedby={`${f.name}-limits ${f.name}-help${field.errors.length ? ` ${f.name}-error` : ""}`}
                  aria-invalid={field.errors.length ? true : undefined}
                  className={`w-32 rounded-md border px-2 py-1.5 text-sm disabled:bg-slate-100 ${field.errors.length ? "border-red-600" : "border-slate-300"}`}
                />
                <span id={`${f.name}-limits`} className="text-xs text-slate-500">
                  whole days, {THRESHOLD_LIMITS.min}–{THRESHOLD_LIMITS.max}
                </span>
              </div>
              <p id={`${f.name}-help`} className="mt-1 text-xs text-slate-500">
                {f.help}
              </p>
              {field.errors.length ? (
                <p id={`${f.name}-error`} className="mt-1 text-xs text-red-700" data-testid={`${f.name}-error`}>
                  {field.errors.join(" ")}
                </p>
              ) : null}
            </div>
          );
        })}
        {formErrors.map((e) => (
          <p key={e} className="text-xs text-red-700">
            {e}
          </p>
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
