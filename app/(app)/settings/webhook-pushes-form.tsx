"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

/** On or off for Deckhand's webhook pushes: one button that flips it, saying what the other state means. */
export function WebhookPushesForm({ enabled, canEdit, action }: { enabled: boolean; canEdit: boolean; action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="max-w-md space-y-3 rounded-lg border border-slate-200 bg-white p-6" aria-label="Webhook pushes">
      <p className="text-sm" data-testid="webhook-pushes-state">
        {enabled
          ? "On: every push to the built branch is built by Deckhand's worker and pushed when it changed."
          : "Off: push deliveries are recorded and ignored; the repository's workflow is the pusher. Operators can still push from the Pushes page."}
      </p>
      <input type="hidden" name="enabled" value={enabled ? "off" : "on"} />
      <button type="submit" disabled={!canEdit || pending} className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white disabled:bg-slate-400">
        {enabled ? "Turn webhook pushes off" : "Turn webhook pushes on"}
      </button>
      {state ? (
        <p role="status" className={`text-sm ${state.ok ? "text-emerald-800" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
