import { Suspense } from "react";
import type { ReadContext } from "@/lib/read/context";
import { readPolicyStatements, readPolicyView, type PolicyStatementsView } from "@/lib/read/policy";
import { CallsMade, SectionCard, SectionLoading } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { StatusBadge } from "@/components/posture/status-badge";
import { ApplyPolicyForm } from "./apply-policy-form";
import { applyExpectedPolicyAction } from "./actions";
import { PolicyDiffView } from "./policy-diff-view";
import type { FetchedPolicy } from "@/lib/integrations/aws/iam";

/** The policies must load before anything can be judged; the baselines that need other services degrade on their own. */
export async function PolicySections({ ctx, canApply }: { ctx: ReadContext; canApply: boolean }) {
  const policies = await readPolicyStatements(ctx);
  if (!policies.ok) {
    return (
      <SectionCard title="Policies" label="Policies">
        <PartFailure failure={policies.failure} what="the user's policies" />
        <CallsMade calls={policies.calls} />
      </SectionCard>
    );
  }
  return (
    <>
      <SectionCard title="Policies" label="Policies">
        {policies.data.statements.length === 0 ? <p className="text-sm">The user has no inline or attached policies: every ECR call is denied.</p> : null}
        {policies.data.statements.map((p) => (
          <PolicyStatements key={`${p.source.kind}-${p.source.policyName}`} policy={p} />
        ))}
        <CallsMade calls={policies.calls} />
      </SectionCard>
      <Suspense
        fallback={
          <SectionCard title="Drift" label="Drift">
            <SectionLoading what="the baselines" />
          </SectionCard>
        }
      >
        <DriftSections ctx={ctx} canApply={canApply} policies={policies.data.policies} />
      </Suspense>
    </>
  );
}


function PolicyStatements({ policy: { name, parsed } }: { policy: PolicyStatementsView }) {
  if (!parsed.ok) return <p className="text-sm text-red-700">{name}: {parsed.error.message}</p>;
  return (
    <div className="mb-4" data-testid="policy">
      <h3 className="font-medium">{name}</h3>
      {parsed.policy.warnings.map((w) => (
        <p key={w} className="text-xs text-amber-800">{w}</p>
      ))}
      <div tabIndex={0} className="overflow-x-auto">
      <table className="mt-2 w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs uppercase text-slate-500">
          <tr>
            <th className="px-2 py-1">#</th>
            <th className="px-2 py-1">Effect</th>
            <th className="px-2 py-1">Actions (as written → ECR actions)</th>
            <th className="px-2 py-1">Resources</th>
          </tr>
        </thead>
        <tbody>
          {parsed.policy.statements.map((s) => (
            <tr key={s.index} className="border-t border-slate-100 align-top">
              <td className="px-2 py-1">{s.index + 1}{s.sid ? ` (${s.sid})` : ""}</td>
              <td className="px-2 py-1">{s.effect}</td>
              <td className="px-2 py-1">
                <span className="text-xs text-slate-500">{s.actionMode}: {s.patterns.join(", ")}</span>
                <br />
                <span className="font-mono text-xs">{s.ecrActions.join(", ") || "no ECR action"}</span>
                {s.otherActions.length ? <p className="text-xs text-amber-800">Other services: {s.otherActions.join(", ")}</p> : null}
                {s.unknownEcrPatterns.length ? <p className="text-xs text-amber-800">Unknown ECR patterns: {s.unknownEcrPatterns.join(", ")}</p> : null}
              </td>
              <td className="px-2 py-1 font-mono text-xs">
                {s.resourceMode === "NotResource" ? "NotResource " : ""}
                {s.resources.join(", ")}
                {s.condition ? <p className="text-slate-500">with Condition</p> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}

async function DriftSections({ ctx, canApply, policies }: { ctx: ReadContext; canApply: boolean; policies: FetchedPolicy[] }) {
  const { view, expected, activity, identity, repositories, reviewed } = await readPolicyView(ctx, policies);
  return (
    <>
      <SectionCard title="Drift" label="Drift">
        {view.drift.map((d) => (
          <div key={d.baseline} className="mb-4" data-testid={`drift-${d.baseline}`} aria-label={`Drift against ${d.label}`} role="group">
            <h3 className="font-medium">
              Against {d.label} {d.clean ? <StatusBadge status="ok" text="no drift" /> : <StatusBadge status={d.missing.length ? "fail" : "warn"} text="drift" />}
            </h3>
            {d.missing.length ? (
              <div className="mt-1 text-sm">
                <p className="font-medium text-red-800">Missing (pushes may fail):</p>
                <ul className="list-disc pl-5">
                  {d.missing.map((m) => (
                    <li key={m.action}>
                      <span className="font-mono">{m.action}</span> — {m.reason}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {d.extra.length ? (
              <div className="mt-1 text-sm">
                <p className="font-medium text-amber-900">Extra (more privilege than needed):</p>
                <ul className="list-disc pl-5">
                  {d.extra.map((m) => (
                    <li key={m.action}>
                      <span className="font-mono">{m.action}</span> — {m.reason}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {d.uncertain.length ? (
              <ul className="mt-1 list-disc pl-5 text-sm">
                {d.uncertain.map((m) => (
                  <li key={m.action}>Undecided: {m.reason}</li>
                ))}
              </ul>
            ) : null}
            {d.extraNonEcr.length ? <p className="mt-1 text-sm text-amber-900">Grants outside ECR: {d.extraNonEcr.map((g) => g.pattern).join(", ")}</p> : null}
            {d.notes.map((n) => (
              <p key={n} className="text-xs text-slate-500">{n}</p>
            ))}
          </div>
        ))}
        {view.baselineErrors.map((b) => (
          <div key={b.label} role="alert" className="mb-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800">
            No drift against {b.label}: {b.message}.
          </div>
        ))}
        <CallsMade calls={[...new Set([...activity.calls])]} />
      </SectionCard>
      <SectionCard title={'Resource "*"'} label="Resource wildcard">
        {!identity.ok ? <PartFailure failure={identity.failure} what="the account id" /> : !repositories.ok ? <PartFailure failure={repositories.failure} what="the ECR repositories" /> : null}
        {identity.ok && repositories.ok && view.wildcardFindings.length === 0 ? <p className="text-sm">No statement grants repository actions on every repository.</p> : null}
        {view.wildcardFindings.map((f) => (
          <div key={`${f.source.policyName}-${f.statementIndex}`} className="mb-3 text-sm">
            <p>
              <StatusBadge status="warn" text="finding" /> {f.message}
            </p>
          </div>
        ))}
        {view.scopedProposal ? (
          <>
            <p className="mt-1 text-xs text-slate-600">
              Use instead: the expected policy ({expected.ok && expected.data.origin === "file" ? `from ${expected.data.label}` : "the guide's Step 2"}), scoped to the
              account&apos;s repositories:
            </p>
            <pre tabIndex={0} className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-testid="scoped-statement">
              {JSON.stringify(view.scopedProposal, null, 2)}
            </pre>
          </>
        ) : view.wildcardFindings.length > 0 && !expected.ok ? (
          <p className="mt-1 text-xs text-slate-600">No scoped policy to propose: the expected policy could not be read.</p>
        ) : null}
        <CallsMade calls={[...identity.calls, ...repositories.calls]} />
      </SectionCard>
      <SectionCard title="Apply the expected policy" label="Apply the expected policy">
        {!expected.ok ? <PartFailure failure={expected.failure} what="the expected policy" /> : null}
        {expected.ok && view.diff && !view.diff.ok ? <p className="text-sm text-red-700">The {view.diff.which} policy cannot be read: {view.diff.error.message}</p> : null}
        {expected.ok && view.diff?.ok ? (
          view.diff.diff.identical ? (
            <p className="text-sm" data-testid="policy-identical">
              Inline policy {ctx.policyName} already matches the expected policy ({expected.data.origin === "file" ? `from ${expected.data.label}` : "the guide's Step 2"}).
            </p>
          ) : (
            <>
              <p className="text-sm">
                Diff of inline policy {ctx.policyName} (left, current{view.currentInline ? "" : ": does not exist"}) against the expected policy (right,{" "}
                {expected.data.origin === "file" ? `from ${expected.data.label}` : "the guide's Step 2"}). Adds {view.diff.diff.addedActions.join(", ") || "nothing"}; removes{" "}
                {view.diff.diff.removedActions.join(", ") || "nothing"}.
              </p>
              <PolicyDiffView lines={view.diff.diff.lines} />
              {canApply ? (
                <ApplyPolicyForm
                  action={applyExpectedPolicyAction}
                  reviewed={reviewed ?? ""}
                  policyName={ctx.policyName}
                  userName={ctx.userName}
                  repo={ctx.github.repository}
                  added={view.diff.diff.addedActions}
                  removed={view.diff.diff.removedActions}
                />
              ) : (
                <p className="mt-3 text-sm text-slate-600">Only operators can apply the expected policy.</p>
              )}
            </>
          )
        ) : null}
      </SectionCard>
    </>
  );
}
