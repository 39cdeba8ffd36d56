"use client";

import { useState } from "react";
import { useRefreshingAction, type FormAction } from "@/components/use-refreshing-action";
import { manageAccessKeyAction } from "./actions";

type Verb = "deactivate" | "reactivate" | "delete";

const CONSEQUENCE: Record<Verb, (id: string) => string> = {
  deactivate: (id) => `${id} stops working at once for everything that uses it (reversible: it can be reactivated).`,
  reactivate: (id) => `${id} works again for anyone who still has its secret.`,
  delete: (id) => `${id} is deleted for good: it can never be reactivated, and anything still using it fails.`,
};

/**
 * Deactivate, reactivate or delete one key, each behind a confirmation that names the consequence.
 * Keyed by the status, so the fresh page after a change starts closed.
 */
export function KeyActions(props: KeyActionsProps & { status: string }) {
  return <KeyActionsForStatus key={props.status} {...props} />;
}

interface KeyActionsProps {
  accessKeyId: string;
  /** The repository the page shows (owner/name); the action acts on its push user's key. */
  repo: string;
  /** That push user. */
  userName: string;
  /** The other served repositories with the same push user: the confirmation names them (their runs may hold this key). */
  sharedWith: string[];
}

/** What a change to the key means for the other repositories of its push user, or null when it has none. */
function sharedNote(verb: Verb, userName: string, sharedWith: string[]): string | null {
  if (verb === "reactivate" || sharedWith.length === 0) return null;
  return `${userName} is the push user of ${sharedWith.join(", ")} too: their pushes stop as well if their secrets hold this key.`;
}

function KeyActionsForStatus({ accessKeyId, status, repo, userName, sharedWith }: KeyActionsProps & { status: string }) {
  const [open, setOpen] = useState<Verb | null>(null);
  const [state, formAction, pending] = useRefreshingAction(manageAccessKeyAction as FormAction<unknown>);
  const verbs: Verb[] = status === "Active" ? ["deactivate"] : ["reactivate", "delete"];
  return (
    <div className="space-y-2" data-testid={`key-actions-${accessKeyId}`}>
      {!open ? (
        <div className="flex gap-2">
          {verbs.map((v) => (
            <button key={v} type="button" onClick={() => setOpen(v)} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-semibold capitalize hover:bg-slate-50">
              {v}
            </button>
          ))}
        </div>
      ) : (
        <form action={formAction} className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" aria-label={`Confirm: ${open} ${accessKeyId}`}>
          <p>{CONSEQUENCE[open](accessKeyId)}</p>
          {sharedNote(open, userName, sharedWith) ? (
            <p className="font-medium" data-testid="key-action-shared">
              {sharedNote(open, userName, sharedWith)}
            </p>
          ) : null}
          <input type="hidden" name="accessKeyId" value={accessKeyId} />
          <input type="hidden" name="repo" value={repo} />
          <input type="hidden" name="action" value={open} />
          <input type="hidden" name="confirm" value="yes" />
          {open !== "reactivate" ? (
            <label className="flex items-start gap-2">
              <input type="checkbox" name="confirmPushesStop" className="mt-1" />
              <span>If GitHub&apos;s secrets hold this key, pushes stop until a new key is written. I understand (Deckhand refuses without this when GitHub holds it).</span>
            </label>
          ) : null}
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-red-700 px-3 py-1 text-xs font-semibold capitalize text-white hover:bg-red-600 disabled:opacity-60">
              {pending ? "Working…" : `${open} ${accessKeyId}`}
            </button>
            <button type="button" onClick={() => setOpen(null)} disabled={pending} className="rounded-md border border-slate-300 bg-white px-3 py-1 text-xs">
              Cancel
            </button>
          </div>
        </form>
      )}
      {state ? (
        <p role="status" data-testid="key-action-status" className={`text-xs ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
