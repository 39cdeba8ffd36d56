"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

interface Line {
  id: number;
  attempt: number;
  at: string;
  stream: string;
  line: string;
}

/** Follows a job's log while it runs; stops polling once the job has finished and refreshes the page once. */
export function LiveLog({ jobId, initial, running }: { jobId: string; initial: Line[]; running: boolean }) {
  const router = useRouter();
  const [lines, setLines] = useState(initial);
  const last = useRef(initial.length ? initial[initial.length - 1].id : 0);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!running) return;
    let stopped = false;
    const tick = async () => {
      try {
        const res = await fetch(`/api/pushes/${jobId}/log?after=${last.current}`, { cache: "no-store" });
        if (res.ok) {
          const body = (await res.json()) as { lines: Line[]; finished: boolean };
          if (body.lines.length) {
            last.current = body.lines[body.lines.length - 1].id;
            setLines((prev) => [...prev, ...body.lines]);
          }
          if (body.finished) {
            stopped = true;
            router.refresh();
            return;
          }
        }
      } catch {
        // Network blip: the next tick tries again.
      }
      if (!stopped) timer = setTimeout(tick, 1000);
    };
    let timer = setTimeout(tick, 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId, running, router]);

  useEffect(() => {
    box.current?.scrollTo({ top: box.current.scrollHeight });
  }, [lines.length]);

  return (
    <pre ref={box} data-testid="job-log" tabIndex={0} className="max-h-[32rem] overflow-auto rounded-lg bg-slate-950 p-4 font-mono text-xs leading-5 text-slate-100">
      {lines.length === 0 ? <span className="text-slate-400">{running ? "Waiting for the worker…" : "No log lines."}</span> : null}
      {lines.map((l) => (
        <div key={l.id} className={l.stream === "stderr" ? "text-amber-300" : undefined}>
          <span className="select-none text-slate-400">{l.at.slice(11, 19)} </span>
          {l.line}
        </div>
      ))}
    </pre>
  );
}
