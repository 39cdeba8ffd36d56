"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import type { RotationView } from "@/lib/operations/rotation/view";
import { formatMs } from "@/lib/format";

const OUTCOME_STYLE: Record<string, string> = {
  succeeded: "bg-emerald-100 text-emerald-800",
  running: "bg-sky-100 text-sky-800",
  failed: "bg-red-100 text-red-800",
  skipped: "bg-slate-200 text-slate-700",
  pending: "bg-slate-100 text-slate-500",
  scheduled: "bg-amber-100 text-amber-900",
  interrupted: "bg-amber-100 text-amber-900",
};

const STATE_TEXT: Record<string, string> = {
  running: "Running",
  stopped: "Stopped — resumable",
  completed: "Completed",
  failed: "Failed",
};

/** Live progress: polls the rotation while it runs, then shows the result. Keyed by the page on the rotation's updatedAt, so fresh server data remounts it. */
export function RotationProgress({ initial, children }: { initial: RotationView; children?: React.ReactNode }) {
  const [view, setView] = useState(initial);
  const [pollError, setPollError] = useState<string | null>(null);
  const router = useRouter();
  useEffect(() => {
    // The page's buttons (Resume, Delete the old key now) are rendered on the server for the state it saw: once the
    // rotation leaves "running", the page is rendered again so they match the final state without a reload.
    if (view.state !== "running") {
      if (initial.state === "running") router.refresh();
      return;
    }
    let stop = false;
    const t = setTimeout(async () => {
      try {
        const res = await fetch(`/api/rotations/${view.id}`, { cache: "no-store" });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as { rotation: RotationView };
        if (!stop) {
          setView(body.rotation);
          setPollError(null);
        }
      } catch (err) {
        if (!stop) setPollError(`Could not refresh the progress (${(err as Error).message}); retrying.`);
        if (!stop) setView((v) => ({ ...v }));
      }
    }, 600);
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [view, initial.state, router]);

  return (
    <div className="space-y-4" data-testid="rotation-progress" data-state={view.state}>
      <div className="flex flex-wrap items-center gap-3">
        <span className={`whitespace-nowrap rounded-full px-3 py-1 text-sm font-semibold ${view.state === "completed" ? OUTCOME_STYLE.succeeded : view.state === "running" ? OUTCOME_STYLE.running : OUTCOME_STYLE.failed}`} data-testid="rotation-state">
          {STATE_TEXT[view.state] ?? view.state}
        </span>
        <span className="text-sm text-slate-600">
          #{view.id} · {view.trigger === "automatic" ? "automatic" : `by ${view.requestedBy}`} · push user{" "}
          <strong data-testid="rotation-user">{view.userName}</strong>
          {view.repository ? (
            <>
              {" "}
              · from <span data-testid="rotation-repository">{view.repository}</span>
            </>
          ) : null}
          {view.totalMs !== null ? ` · took ${formatMs(view.totalMs)}` : ""}
        </span>
      </div>
      {view.warning ? (
        <div role="alert" className="rounded-md border-2 border-red-600 bg-red-50 p-4 text-sm font-medium text-red-900" data-testid="rotation-warning">
          {view.warning}
        </div>
      ) : null}
      {view.message ? (
        <p className={`text-sm ${view.state === "completed" ? "text-emerald-800" : view.state === "running" ? "text-slate-700" : "text-red-800"}`} data-testid="rotation-message">
          {view.message}
        </p>
      ) : null}
      <p className="text-sm" data-testid="rotation-github-holds">
        GitHub holds: <strong>{view.githubHolds}</strong>
      </p>
      <ol className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white" aria-label="Rotation steps">
        {view.checklist.map((c) => (
          <li key={c.step} className="flex items-center justify-between px-4 py-2 text-sm" data-testid={`rotation-step-${c.step}`} data-outcome={c.outcome}>
            <span>
              {c.step}. {c.title}
              {c.step === 7 && view.deleteAfter && !view.oldKeyDeletedAt ? <span className="text-slate-500"> — after {view.deleteAfter.slice(0, 16).replace("T", " ")} UTC</span> : null}
            </span>
            <span className="flex items-center gap-3">
              <span className="tabular-nums text-slate-500">{formatMs(c.durationMs)}</span>
              <span className={`whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${OUTCOME_STYLE[c.outcome] ?? OUTCOME_STYLE.pending}`}>{c.outcome}</span>
            </span>
          </li>
        ))}
      </ol>
      {view.holders.length > 0 ? (
        <section aria-labelledby="rotation-holders-title" className="space-y-1">
          <h2 id="rotation-holders-title" className="text-sm font-semibold">
            Where the key is written ({view.holders.length} {view.holders.length === 1 ? "holder" : "holders"}, all before the old key is deactivated)
          </h2>
          <div tabIndex={0} className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="rotation-holders">
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="py-1">Repository or organization</th>
                  <th>Scope</th>
                  <th>New key written</th>
                </tr>
              </thead>
              <tbody>
                {view.holders.map((h) => (
                  <tr key={`${h.scope}:${h.where}:${h.label}`} className="border-t border-slate-100 align-top" data-testid="rotation-holder" data-written={h.written ? "yes" : "no"}>
                    <td className="py-1 font-mono text-xs">
                      {h.where}
                      {h.repositories.length ? <span className="block font-sans text-slate-500">used by {h.repositories.join(", ")}</span> : null}
                    </td>
                    <td>{h.label}</td>
                    <td>
                      <span className={`whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${h.written ? OUTCOME_STYLE.succeeded : OUTCOME_STYLE.pending}`}>{h.written ? "written" : "pending"}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {view.canaries.length > 0 ? (
        <section aria-labelledby="rotation-canaries-title" className="space-y-1">
          <h2 id="rotation-canaries-title" className="text-sm font-semibold">
            Canary runs, one per repository using the key
          </h2>
          <ul className="space-y-1 text-sm" data-testid="rotation-canaries">
            {view.canaries.map((c) => (
              <li key={c.repository} data-testid="rotation-canary" data-conclusion={c.conclusion}>
                <span className="font-mono text-xs">{c.repository}</span>{" "}
                <span className={`whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${c.conclusion === "success" ? OUTCOME_STYLE.succeeded : c.conclusion === "skipped" ? OUTCOME_STYLE.skipped : c.conclusion === "running" ? OUTCOME_STYLE.running : OUTCOME_STYLE.failed}`}>{c.conclusion}</span>
                {c.note ? <span className="text-slate-600"> — {c.note}</span> : null}
                {c.runPath || c.runUrl ? (
                  <>
                    {" "}
                    <a className="text-sky-700 underline" href={c.runPath ?? c.runUrl!}>
                      run
                    </a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {pollError ? <p className="text-xs text-amber-800">{pollError}</p> : null}
      {children}
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600">Step log ({view.steps.length} records)</summary>
        <div tabIndex={0} className="overflow-x-auto">
        <table className="mt-2 w-full text-left text-xs">
          <thead className="text-slate-500">
            <tr>
              <th className="py-1">Step</th>
              <th>Outcome</th>
              <th>Started (UTC)</th>
              <th>Took</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {view.steps.map((s) => (
              <tr key={s.id} className="border-t border-slate-100 align-top">
                <td className="py-1">
                  {s.step}. {s.title}
                  {s.recovered ? " (recovered after restart)" : ""}
                </td>
                <td>{s.outcome}</td>
                <td className="tabular-nums">{s.startedAt.slice(11, 23)}</td>
                <td className="tabular-nums">{formatMs(s.durationMs)}</td>
                <td>
                  {s.message}
                  {s.runUrl ? (
                    <>
                      {" "}
                      <a className="text-sky-700 underline" href={s.runUrl}>
                        run
                      </a>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </details>
    </div>
  );
}
