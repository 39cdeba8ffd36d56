"use client";

import { useActionState, useState } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/infra/actions/action-client";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

/** Two steps on purpose: the diff is on the page, and PutUserPolicy runs only after an explicit confirm. */
export function ApplyPolicyForm({
  action,
  reviewed,
  policyName,
  userName,
  repo,
  added,
  removed,
}: {
  action: Action;
  reviewed: string;
  policyName: string;
  userName: string;
  /** The repository the page shows (owner/name): the action applies to its push user. */
  repo: string;
  added: string[];
  removed: string[];
}) {
  const [confirming, setConfirming] = useState(false);
  const router = useRouter();
  const [state, formAction, pending] = useActionState(async (prev: ActionResult | null, form: FormData) => {
    const result = await action(prev, form);
    // Applied: close the confirmation and re-read the policy (drift should now read clean).
    if (result.ok) {
      setConfirming(false);
      router.refresh();
    }
    return result;
  }, null);
  return (
    <div className="mt-4">
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700">
          Apply expected policy…
        </button>
      ) : (
        <form action={formAction} aria-label="Confirm policy change" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm">
          <p className="font-medium">
            Replace inline policy {policyName} of {userName} with the expected document (PutUserPolicy)?
          </p>
          <p className="mt-1">Adds: {added.join(", ") || "nothing"} · Removes: {removed.join(", ") || "nothing"}</p>
          <input type="hidden" name="reviewed" value={reviewed} />
          <input type="hidden" name="repo" value={repo} />
          <input type="hidden" name="confirm" value="yes" />
          <div className="mt-3 flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-red-700 px-4 py-2 font-semibold text-white hover:bg-red-600 disabled:opacity-60">
              {pending ? "Applying…" : "Confirm and apply"}
            </button>
            <button type="button" onClick={() => setConfirming(false)} className="rounded-md bg-white px-4 py-2 ring-1 ring-slate-300">
              Cancel
            </button>
          </div>
        </form>
      )}
      {state ? (
        <p role="status" className={`mt-2 text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
