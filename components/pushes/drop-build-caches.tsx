"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

/** Operators: ask every worker to drop its kept build cache (base images and cached steps) before its next job. */
export function DropBuildCaches({ drop, lastRequest }: { drop: (input: Record<string, never>) => Promise<ActionResult<unknown>>; lastRequest: string | null }) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      <button
        type="button"
        disabled={pending}
        onClick={() => {
          if (!window.confirm("Drop every worker's build cache? Their next builds pull base images again and run every step.")) return;
          start(async () => {
            const out = await drop({});
            setMessage(out.message ?? null);
            router.refresh();
          });
        }}
        className="rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-50"
      >
        Drop build caches
      </button>
      <span className="text-slate-600">{lastRequest ? `Last asked ${lastRequest}.` : "Workers keep base images and unchanged steps between jobs."}</span>
      {message ? (
        <span role="status" className="text-slate-600">
          {message}
        </span>
      ) : null}
    </div>
  );
}
