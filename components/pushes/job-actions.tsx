"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

type JobAction = (input: { jobId: string }) => Promise<ActionResult<unknown>>;

export function JobActions({
  jobId,
  canCancel,
  canRerun,
  cancel,
  rerun,
  rebuildFresh,
}: {
  jobId: string;
  canCancel: boolean;
  canRerun: boolean;
  cancel: JobAction;
  rerun: JobAction;
  /** "Rebuild with fresh base images": a re-run that pulls every base image again. */
  rebuildFresh?: JobAction;
}) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const run = (action: JobAction, confirmText: string) => {
    if (!window.confirm(confirmText)) return;
    start(async () => {
      const out = await action({ jobId });
      setMessage(out.message ?? null);
      const next = out.ok && out.data && typeof out.data === "object" && "jobId" in out.data ? (out.data as { jobId: string }).jobId : null;
      if (next) router.push(`/pushes/${next}`);
      else router.refresh();
    });
  };
  return (
    <div className="flex items-center gap-2">
      {canCancel ? (
        <button type="button" disabled={pending} onClick={() => run(cancel, "Cancel this push job? A running build stops at its next heartbeat.")} className="rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50">
          Cancel job
        </button>
      ) : null}
      {canRerun ? (
        <button type="button" disabled={pending} onClick={() => run(rerun, "Run this commit again as a new push job?")} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
          Re-run
        </button>
      ) : null}
      {canRerun && rebuildFresh ? (
        <button
          type="button"
          disabled={pending}
          onClick={() => run(rebuildFresh, "Run this commit again, pulling every base image again (its builds will not come from cached base images)?")}
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50"
        >
          Rebuild with fresh base images
        </button>
      ) : null}
      {message ? (
        <span role="status" className="text-sm text-slate-600">
          {message}
        </span>
      ) : null}
    </div>
  );
}
