"use client";

import { useActionState, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/infra/actions/action-client";

// Any server action made with defineAction; `rotationId` in its data is what goToRotation follows.
type Action<T> = (prev: ActionResult<T> | null, form: FormData) => Promise<ActionResult<T>>;

/**
 * A dangerous action in two clicks: the first shows what will happen, the second (the confirmation)
 * sends it with `confirm` set. On success it can navigate to the rotation it started.
 */
export function ConfirmActionButton<T>({
  action,
  label,
  confirmLabel,
  consequence,
  fields,
  confirmValue,
  goToRotation,
  tone = "danger",
}: {
  action: Action<T>;
  label: string;
  confirmLabel: string;
  consequence: React.ReactNode;
  fields?: Record<string, string | number>;
  confirmValue?: string;
  goToRotation?: boolean;
  tone?: "danger" | "primary";
}) {
  const [open, setOpen] = useState(false);
  const [state, formAction, pending] = useActionState(action, null);
  const router = useRouter();
  useEffect(() => {
    const rotationId = state?.ok ? (state.data as { rotationId?: number } | undefined)?.rotationId : undefined;
    if (state?.ok && goToRotation && rotationId) router.push(`/credentials/rotation/${rotationId}`);
    else if (state?.ok) router.refresh();
  }, [state, goToRotation, router]);
  const color = tone === "danger" ? "bg-red-700 hover:bg-red-600" : "bg-slate-900 hover:bg-slate-700";
  return (
    <div className="space-y-2">
      {!open ? (
        <button type="button" onClick={() => setOpen(true)} className={`rounded-md px-4 py-2 text-sm font-semibold text-white ${color}`}>
          {label}
        </button>
      ) : (
        <form action={formAction} className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" aria-label={`Confirm: ${label}`}>
          <div className="text-sm text-slate-800">{consequence}</div>
          {Object.entries(fields ?? {}).map(([k, v]) => (
            <input key={k} type="hidden" name={k} value={String(v)} />
          ))}
          {confirmValue ? <input type="hidden" name="confirm" value={confirmValue} /> : null}
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className={`rounded-md px-4 py-2 text-sm font-semibold text-white disabled:opacity-60 ${color}`}>
              {pending ? "Working…" : confirmLabel}
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
