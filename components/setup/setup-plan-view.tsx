import type { SetupPlan } from "@/lib/operations/setup/types";
import type { PermissionVerdict } from "@/lib/operations/setup/permissions";
import { StatusBadge } from "./status-badge";

/** The state of each of the guide's items, then the plan: only the missing or wrong steps, with their calls. */
export function SetupPlanView({ plan, permissions, children }: { plan: SetupPlan; permissions: PermissionVerdict; children?: React.ReactNode }) {
  return (
    <div className="space-y-4">
      <section aria-label="Current state" data-testid="setup-state-items">
        <h2 className="mb-2 text-lg font-semibold">Current state</h2>
        <ul className="space-y-1">
          {plan.items.map((i) => (
            <li key={i.id} className="flex items-start gap-2 text-sm" data-testid={`setup-item-${i.id}`} data-status={i.status}>
              <StatusBadge status={i.status} />
              <span>
                <span className="font-medium">{i.label}</span> — {i.detail}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Plan" data-testid="setup-plan">
        <h2 className="mb-2 text-lg font-semibold">Plan</h2>
        <ol className="list-decimal space-y-2 pl-5">
          {plan.steps.map((s) => (
            <li key={s.id} data-testid={`plan-step-${s.id}`}>
              <span className="font-medium">{s.title}</span> <span className="text-sm text-slate-600">— {s.why}</span>
              <ul className="mt-1 space-y-0.5">
                {s.calls.map((c) => (
                  <li key={c}>
                    <code className="text-xs text-slate-700">{c}</code>
                  </li>
                ))}
              </ul>
              {s.needsConfirmation ? <p className="text-sm text-amber-900">Needs your confirmation: {s.needsConfirmation}</p> : null}
            </li>
          ))}
        </ol>
      </section>
      {plan.blockers.length ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800" data-testid="setup-blockers">
          {plan.blockers.map((b) => (
            <p key={b}>{b}</p>
          ))}
        </div>
      ) : null}
      <p className={`text-sm ${permissions.kind === "missing" ? "text-red-700" : "text-slate-600"}`} data-testid="setup-permissions" data-kind={permissions.kind}>
        Permission check: {permissions.kind === "missing" ? `refused — Deckhand's credentials lack ${permissions.actions.join(", ")}.` : permissions.why}
      </p>
      {children}
    </div>
  );
}
