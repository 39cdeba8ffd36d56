"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/**
 * Keeps a page live while runs move: polls each active run's state route and refreshes the page (a
 * server render that keeps client state, scroll and form inputs) when one changes. Stops by itself
 * when nothing is active; pauses while the tab is hidden.
 */
export function RunPoller({ runs, intervalMs = 1500 }: { runs: Array<{ id: number; state: string }>; intervalMs?: number }) {
  const router = useRouter();
  const [note, setNote] = useState<string | null>(null);
  const key = runs.map((r) => `${r.id}=${r.state}`).join(",");

  useEffect(() => {
    // The key carries everything the poll needs, so the effect restarts exactly when the runs shown change.
    const watched = key
      .split(",")
      .filter(Boolean)
      .map((pair) => {
        const i = pair.indexOf("=");
        return { id: Number(pair.slice(0, i)), state: pair.slice(i + 1) };
      });
    if (watched.length === 0) return;
    let stopped = false;
    const tick = async () => {
      if (stopped || document.hidden) return;
      try {
        const results = await Promise.all(
          watched.map(async (r) => {
            const res = await fetch(`/workflows/runs/${r.id}/state?shown=${encodeURIComponent(r.state)}`, { cache: "no-store" });
            const body = (await res.json()) as { changed?: boolean; error?: string };
            if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
            return body.changed === true;
          }),
        );
        setNote(null);
        if (!stopped && results.some(Boolean)) router.refresh();
      } catch (err) {
        setNote((err as Error).message);
      }
    };
    const timer = setInterval(tick, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [key, intervalMs, router]);

  if (runs.length === 0) return null;
  return (
    <p className="text-xs text-slate-500" data-testid="run-poller" aria-live="polite">
      {note ? `Live updates paused: ${note}` : `Watching ${runs.length} active run${runs.length === 1 ? "" : "s"}…`}
    </p>
  );
}
