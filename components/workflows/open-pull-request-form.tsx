"use client";

import { useRefreshingAction, type FormAction } from "@/components/use-refreshing-action";

type Action = FormAction<{ url: string; number: number }>;

/**
 * The confirm button under the diff: opens the pull request and shows its link. With `alreadyOpen` (the page shows
 * the open pull request above) the button is gone; the answer of the click that opened it stays.
 */
export function OpenPullRequestForm({
  action,
  branch,
  base,
  alreadyOpen,
  repository = null,
}: {
  action: Action;
  branch: string;
  base: string;
  alreadyOpen: boolean;
  /** The repository the page shows (owner/name), sent as `repo`; null for the default one. */
  repository?: string | null;
}) {
  const [state, formAction, pending] = useRefreshingAction(action);
  return (
    <form action={formAction} className="space-y-2 text-sm" aria-label="Open the pull request">
      <input type="hidden" name="confirm" value="open-pull-request" />
      {repository ? <input type="hidden" name="repo" value={repository} /> : null}
      {alreadyOpen ? null : (
        <p className="text-slate-700">
          Deckhand commits this change on the branch <code className="font-mono">{branch}</code> and opens a pull request into <code className="font-mono">{base}</code>.
          Nothing changes on {base} until someone merges it.
        </p>
      )}
      {alreadyOpen ? null : (
        <button type="submit" disabled={pending} className="rounded bg-sky-700 px-3 py-1.5 font-medium text-white disabled:opacity-50">
          {pending ? "Opening the pull request…" : "Open the pull request"}
        </button>
      )}
      {state ? (
        <p role="status" data-testid="open-pull-request-result" className={state.ok ? "text-emerald-800" : "text-red-700"}>
          {state.message}{" "}
          {state.ok && state.data ? (
            <a href={state.data.url} className="underline" data-testid="pull-request-link">
              View pull request #{state.data.number}
            </a>
          ) : null}
        </p>
      ) : null}
    </form>
  );
}
