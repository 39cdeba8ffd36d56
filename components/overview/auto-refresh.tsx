"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

const CHOICES = [0, 15, 30, 60, 300];
const STORAGE_KEY = "deckhand.overview.refreshSeconds";

/**
 * Re-renders the page from the server on an interval (router.refresh keeps scroll position, open
 * details and anything typed), pausable, with the interval remembered in this browser. "Refresh now"
 * also drops the server's cached reads.
 */
export function AutoRefresh({ defaultSeconds = 30 }: { defaultSeconds?: number }) {
  const router = useRouter();
  const [seconds, setSeconds] = useState(defaultSeconds);
  const [paused, setPaused] = useState(false);
  const [last, setLast] = useState<Date | null>(null);

  useEffect(() => {
    const saved = Number(window.localStorage.getItem(STORAGE_KEY));
    // Browser storage only exists after hydration: one sync from it, on mount, is the point here.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (CHOICES.includes(saved)) setSeconds(saved);
  }, []);

  useEffect(() => {
    if (paused || seconds === 0) return;
    const t = setInterval(() => {
      if (document.hidden) return;
      router.refresh();
      setLast(new Date());
    }, seconds * 1000);
    return () => clearInterval(t);
  }, [paused, seconds, router]);

  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="auto-refresh">
      <label className="flex items-center gap-1 text-slate-600">
        Auto-refresh
        <select
          aria-label="Auto-refresh interval"
          value={seconds}
          onChange={(e) => {
            const v = Number(e.target.value);
            setSeconds(v);
            window.localStorage.setItem(STORAGE_KEY, String(v));
          }}
          className="rounded border border-slate-300 px-1.5 py-1"
        >
          {CHOICES.map((c) => (
            <option key={c} value={c}>
              {c === 0 ? "off" : c < 60 ? `${c} s` : `${c / 60} min`}
            </option>
          ))}
        </select>
      </label>
      {seconds > 0 ? (
        <button type="button" onClick={() => setPaused((p) => !p)} className="rounded px-2 py-1 ring-1 ring-slate-300" aria-pressed={paused}>
          {paused ? "Resume" : "Pause"}
        </button>
      ) : null}
      <button
        type="button"
        onClick={() => {
          router.push(`/?refresh=${Date.now()}`, { scroll: false });
          setLast(new Date());
        }}
        className="rounded bg-white px-3 py-1 font-medium ring-1 ring-slate-300 hover:bg-slate-50"
      >
        Refresh now
      </button>
      <span className="text-xs text-slate-500" suppressHydrationWarning>
        {paused ? "paused" : last ? `refreshed ${last.toLocaleTimeString()}` : ""}
      </span>
    </div>
  );
}
