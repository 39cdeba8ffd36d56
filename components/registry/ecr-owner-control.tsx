"use client";

import { useState } from "react";
import { useRefreshingAction, type FormAction } from "@/components/use-refreshing-action";

type Action = FormAction<unknown>;

/**
 * Operators: give an ECR repository to another served repository, or release it (issue 16). Two steps: "Change owner"
 * opens a confirmation saying what changes; only its submit acts. Viewers never get this component.
 */
export function EcrOwnerControl({
  ecrRepository,
  owner,
  repositories,
  reassign,
  release,
}: {
  ecrRepository: string;
  owner: string | null;
  /** The served repositories (owner/name), the default first. */
  repositories: string[];
  reassign: Action;
  release: Action;
}) {
  const [open, setOpen] = useState(false);
  // A done change closes the confirmation (in the action's callback, not an effect) and reloads the table.
  const closing = (action: Action): Action => async (prev, form) => {
    const out = await action(prev, form);
    if (out.ok) setOpen(false);
    return out;
  };
  const [assigned, assignAction, assigning] = useRefreshingAction(closing(reassign));
  const [released, releaseAction, releasing] = useRefreshingAction(closing(release));
  const state = released ?? assigned;
  const choices = repositories.filter((r) => r.toLowerCase() !== owner?.toLowerCase());
  return (
    <div className="mt-1 space-y-1">
      {!open ? (
        <button type="button" onClick={() => setOpen(true)} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50" aria-label={`Change owner of ${ecrRepository}`}>
          Change owner
        </button>
      ) : (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-xs" role="group" aria-label={`Confirm the owner of ${ecrRepository}`}>
          <p className="text-slate-800">
            Only the chosen repository&apos;s services push into <code>{ecrRepository}</code>; a service of another repository naming it fails.
          </p>
          {choices.length ? (
            <form action={assignAction} className="flex flex-wrap items-center gap-2">
              <input type="hidden" name="ecrRepository" value={ecrRepository} />
              <input type="hidden" name="confirm" value="reassign" />
              <select name="repo" aria-label={`New owner of ${ecrRepository}`} className="rounded border border-slate-300 bg-white px-1 py-0.5">
                {choices.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              <button type="submit" disabled={assigning} className="rounded bg-red-700 px-2 py-0.5 font-semibold text-white hover:bg-red-600 disabled:opacity-60">
                {assigning ? "Working…" : "Reassign"}
              </button>
            </form>
          ) : null}
          <div className="flex gap-2">
            {owner ? (
              <form action={releaseAction}>
                <input type="hidden" name="ecrRepository" value={ecrRepository} />
                <input type="hidden" name="confirm" value="release" />
                <button type="submit" disabled={releasing} className="rounded border border-red-700 px-2 py-0.5 font-semibold text-red-800 hover:bg-red-50 disabled:opacity-60">
                  {releasing ? "Working…" : "Release (not claimed)"}
                </button>
              </form>
            ) : null}
            <button type="button" onClick={() => setOpen(false)} className="rounded border border-slate-300 bg-white px-2 py-0.5">
              Cancel
            </button>
          </div>
        </div>
      )}
      {state ? (
        <p role="status" data-testid="owner-action-status" className={state.ok ? "text-emerald-700" : "text-red-700"}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
