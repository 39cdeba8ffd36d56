import type { SetupRecord, SetupStepRecord } from "@/lib/operations/setup/types";
import { SETUP_STEP_TITLES } from "@/lib/operations/setup/types";
import { StatusBadge } from "./status-badge";

interface DoctorLine {
  id: string;
  title: string;
  status: string;
  summary: string;
}

const ms = (a: string, b: string | null) => (b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)} s` : "…");

/** One setup run: each planned step with its outcome, timing and message, then the verification. */
export function SetupRunView({ setup, steps }: { setup: SetupRecord; steps: SetupStepRecord[] }) {
  const verify = steps.filter((s) => s.step === "verify" && s.outcome === "succeeded").pop();
  const doctor = (verify?.detail?.doctor as DoctorLine[] | undefined) ?? null;
  const canary = verify?.detail?.canary as { outcome?: string; htmlUrl?: string | null; runId?: number | null; from?: string } | undefined;
  return (
    <div className="space-y-3" data-testid="setup-run" data-state={setup.state} data-setup-id={setup.id}>
      <div className="flex flex-wrap items-center gap-3">
        <StatusBadge status={setup.state} testId="setup-state" />
        <span className="text-sm text-slate-600">
          Setup #{setup.id} by {setup.requestedBy} · user {setup.names.userName} · policy {setup.names.policyName} · region {setup.names.region}
        </span>
      </div>
      {setup.message ? <p className="text-sm text-slate-800" data-testid="setup-message">{setup.message}</p> : null}
      {setup.warning ? <p className="rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="setup-warning">{setup.warning}</p> : null}
      <ol className="space-y-2">
        {setup.plan.map((p) => {
          const rec = steps.filter((s) => s.step === p.id).pop();
          return (
            <li key={p.id} className="rounded-md border border-slate-200 bg-white p-3" data-testid={`setup-step-${p.id}`} data-outcome={rec?.outcome ?? "pending"}>
              <div className="flex flex-wrap items-center gap-2">
                <StatusBadge status={rec?.outcome ?? "pending"} />
                <span className="font-medium">{SETUP_STEP_TITLES[p.id]}</span>
                {rec ? <span className="text-xs text-slate-500">{ms(rec.startedAt, rec.endedAt)}</span> : null}
              </div>
              {rec?.message ? <p className="mt-1 text-sm text-slate-700">{rec.message}</p> : null}
              {typeof rec?.detail?.rotationId === "number" ? (
                <a className="text-sm text-sky-700 underline" href={`/credentials/rotation/${rec.detail.rotationId}`}>
                  Key rotation #{rec.detail.rotationId}, step by step
                </a>
              ) : null}
              {typeof rec?.detail?.jobId === "string" ? (
                <a className="text-sm text-sky-700 underline" href={`/pushes/${rec.detail.jobId}`} data-testid="setup-first-push-job">
                  Push job {rec.detail.jobId.slice(0, 8)}, live
                </a>
              ) : null}
            </li>
          );
        })}
      </ol>
      {canary ? (
        <p className="text-sm text-slate-700" data-testid="setup-canary">
          Canary run: {canary.outcome}
          {canary.from ? ` (${canary.from})` : ""}
          {canary.htmlUrl ? (
            <>
              {" "}
              · <a className="text-sky-700 underline" href={canary.htmlUrl}>run {canary.runId}</a>
            </>
          ) : null}
        </p>
      ) : null}
      {doctor ? (
        <section aria-label="Doctor checks after setup" data-testid="setup-doctor">
          <h3 className="mb-1 font-semibold">Doctor checks</h3>
          <ul className="space-y-1">
            {doctor.map((c) => (
              <li key={c.id} className="flex items-start gap-2 text-sm" data-testid={`setup-doctor-${c.id}`} data-status={c.status}>
                <StatusBadge status={c.status} />
                <span>
                  <span className="font-medium">{c.title}</span> — {c.summary}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
