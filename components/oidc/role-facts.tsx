import type { RoleSummary } from "@/lib/read/oidc";
import { TimeCell } from "@/components/registry/time-cell";

/** What matters about a role that pushes (no key to age): whom it trusts, when it was last assumed, what it may do. */
export function RoleFacts({ role, compact = false }: { role: RoleSummary; compact?: boolean }) {
  const p = role.policy;
  const drift = p ? [...(p.missingActions.length ? [`missing ${p.missingActions.join(", ")}`] : []), ...(p.extraActions.length ? [`extra ${p.extraActions.join(", ")}`] : [])] : [];
  return (
    <div className={compact ? "space-y-1 text-xs" : "space-y-2 text-sm"}>
      <p data-testid="oidc-role-breadth" data-clean={role.findings.length === 0}>
        <strong>Trust:</strong>{" "}
        {role.findings.length === 0 ? (
          <span className="text-emerald-800">pinned — no pull request, other branch, tag, environment or repository beyond what it names.</span>
        ) : (
          <span className="text-red-800">wider than it should be ({role.findings.length} finding{role.findings.length === 1 ? "" : "s"}).</span>
        )}
      </p>
      {role.findings.length ? (
        <ul className="list-disc pl-5 text-red-800" data-testid="oidc-role-findings">
          {role.findings.map((f) => (
            <li key={f.message}>{f.message}</li>
          ))}
        </ul>
      ) : null}
      <p data-testid="oidc-role-last-session">
        <strong>Last role session:</strong>{" "}
        {role.lastSession ? (
          <>
            <TimeCell iso={role.lastSession.time} /> by <code className="break-all">{role.lastSession.subject ?? "an unknown subject"}</code>
          </>
        ) : role.sessionsUnread ? (
          <span className="text-amber-900">not known ({role.sessionsUnread})</span>
        ) : (
          <>none in the last {role.sessionDays} days of CloudTrail</>
        )}
        {role.lastUsed && !compact ? <span className="text-slate-600"> (IAM last used {role.lastUsed})</span> : null}
      </p>
      <p data-testid="oidc-role-policy" data-matches={p ? String(p.present && p.matches) : "unknown"}>
        <strong>Permissions:</strong>{" "}
        {!p ? (
          <span className="text-amber-900">not compared (the expected policy or the role&apos;s could not be read).</span>
        ) : !p.present ? (
          <span className="text-red-800">no push policy: runs assuming it cannot push.</span>
        ) : p.matches ? (
          <span className="text-emerald-800">equal to the expected push policy{p.scopedTo ? `, narrowed to ${p.scopedTo.join(", ")}` : ""}.</span>
        ) : (
          <span className="text-amber-900">drifted from the expected push policy{drift.length ? `: ${drift.join("; ")}` : " (resources or conditions differ)"}.</span>
        )}
      </p>
    </div>
  );
}
