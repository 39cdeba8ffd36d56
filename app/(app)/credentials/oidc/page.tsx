import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { toUserFacing } from "@/lib/errors";
import { pageReadContext, repoParamOf, type ReadContext } from "@/lib/read/context";
import { oidcRoleName, readLatestOidcMove, readOidcPlan } from "@/lib/read/oidc";
import { OIDC_STEP_TITLES } from "@/lib/operations/oidc/types";
import { PageHeader } from "@/components/page-header";
import { withRepo } from "@/components/fleet/repo-href";
import { StatusBadge } from "@/components/setup/status-badge";
import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { RefreshWhileRunning } from "@/components/setup/refresh-while-running";
import { resumeOidcMoveAction, startOidcMoveAction } from "./actions";
import { ProofSection } from "./proof-section";
import { RefusalsSection } from "./refusals-section";

export const metadata: Metadata = { title: "Move to the OIDC role" };
export const dynamic = "force-dynamic";

export default async function OidcPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const operator = user.role === "operator";
  // The repository the selector chose: its own move, its own role (one per repository), its own push user's key.
  const ctx = pageReadContext(await searchParams);
  const repo = ctx.github.repository;
  const latest = readLatestOidcMove(ctx);
  const active = latest && (latest.move.state === "running" || latest.move.state === "stopped") ? latest : null;
  return (
    <>
      <PageHeader
        repository={ctx.github.repository}
        title="Move to GitHub's OIDC role"
        description={`Retire the access key of ${ctx.userName} in ${repo}: its ECR workflow assumes the role ${oidcRoleName(ctx)} with a GitHub ID token instead. Read from the account and the repository now; nothing changes until an operator applies it.`}
      >
        <Link href={withRepo("/credentials", repoParamOf(ctx))} className="text-sm font-medium underline">
          Back to Credentials
        </Link>
      </PageHeader>
      <RefreshWhileRunning running={latest?.move.state === "running"} />
      {latest ? (
        <section className="mb-8 rounded-lg border border-slate-200 bg-slate-50 p-4" aria-label="Latest move">
          <h2 className="mb-2 text-lg font-semibold">
            {active ? "Move in progress" : "Latest move"} #{latest.move.id} <StatusBadge status={latest.move.state} testId="oidc-move-state" />
          </h2>
          {latest.move.message ? <p className="mb-2 text-sm text-slate-700">{latest.move.message}</p> : null}
          <ol className="space-y-1 text-sm" data-testid="oidc-move-steps">
            {latest.steps.map((s) => (
              <li key={s.id}>
                <StatusBadge status={s.outcome} /> {OIDC_STEP_TITLES[s.step]}
                {s.message ? <span className="text-slate-600"> — {s.message}</span> : null}
                {typeof s.detail?.url === "string" && /^https?:\/\//.test(s.detail.url) ? (
                  <>
                    {" "}
                    <a href={s.detail.url} className="font-medium underline" data-testid="oidc-pull-request">
                      Pull request #{String(s.detail.pullRequest)}
                    </a>
                  </>
                ) : null}
              </li>
            ))}
          </ol>
          {operator && latest.move.state === "stopped" ? (
            <div className="mt-3">
              <ConfirmActionButton
                action={resumeOidcMoveAction}
                label="Resume"
                confirmLabel="Resume the move"
                fields={{ moveId: latest.move.id, repo }}
                tone="primary"
                consequence={<>The move continues with the step that stopped; steps already done are not repeated. An existing role&apos;s trust is never changed.</>}
              />
            </div>
          ) : null}
        </section>
      ) : null}
      {latest?.move.state === "completed" ? (
        <Suspense fallback={<p className="text-sm text-slate-500">Reading CloudTrail and the pull request…</p>}>
          <ProofSection ctx={ctx} operator={operator} />
        </Suspense>
      ) : null}
      <Suspense fallback={<p className="text-sm text-slate-500">Reading AWS and GitHub…</p>}>
        <PlanSection ctx={ctx} operator={operator} canStart={!active} />
      </Suspense>
    </>
  );
}

function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre aria-label={label} tabIndex={0} className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

async function PlanSection({ ctx, operator, canStart }: { ctx: ReadContext; operator: boolean; canStart: boolean }) {
  let overview;
  try {
    overview = await readOidcPlan(ctx);
  } catch (err) {
    const { message } = toUserFacing(err, "OIDC plan");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not read the current state: {message}
      </p>
    );
  }
  const { state, plan } = overview;
  const change = plan.workflowChange;
  return (
    <div className="space-y-8">
      {plan.prerequisite ? (
        <section role="alert" aria-labelledby="oidc-prerequisite" className="rounded-md border-2 border-sky-300 bg-sky-50 p-3 text-sm" data-testid="oidc-prerequisite">
          <h2 id="oidc-prerequisite" className="mb-1 text-lg font-semibold">
            Set up first
          </h2>
          <p>{plan.prerequisite.missing}</p>
          <Link href={plan.prerequisite.href} className="mt-2 inline-block font-medium underline">
            Start the guided setup →
          </Link>
        </section>
      ) : null}

      {state.errors.length ? (
        <ul role="alert" className="list-disc pl-5 text-sm text-red-700">
          {state.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}

      <section aria-labelledby="oidc-steps">
        <h2 id="oidc-steps" className="mb-2 text-lg font-semibold">
          Steps
        </h2>
        <ol className="space-y-3" data-testid="oidc-plan-steps">
          {plan.steps.map((s) => (
            <li key={s.id} data-step={s.id} className="rounded-md border border-slate-200 p-3">
              <div className="flex items-center gap-2 font-medium">
                <StatusBadge status={s.status === "to-do" ? "missing" : s.status === "blocked" ? "wrong" : s.status} testId={`oidc-step-${s.id}`} /> {s.title}
              </div>
              <p className="mt-1 text-sm text-slate-700">{s.state}</p>
              <p className="text-sm text-slate-600">{s.action}</p>
            </li>
          ))}
          <li className="rounded-md border border-dashed border-slate-300 p-3 text-sm text-slate-600">
            Then, once the pull request is merged: prove the role works (a run assuming it and a push with its session, from CloudTrail), wait a grace period
            without any use of the key, and only then retire the key and the two secrets, each step confirmed and reversible until the key is deleted.
          </li>
        </ol>
      </section>

      <Suspense fallback={<p className="text-sm text-slate-500">Reading CloudTrail…</p>}>
        <RefusalsSection
          ctx={ctx}
          planned={plan.subjects?.subjects ?? []}
          subjectPrefix={state.template?.prefix ?? null}
          roleArn={state.role && state.role !== "missing" ? state.role.arn : null}
        />
      </Suspense>

      {plan.trustFindings.length ? (
        <section aria-labelledby="oidc-findings" className="rounded-md border-2 border-red-300 bg-red-50 p-3">
          <h2 id="oidc-findings" className="mb-2 text-lg font-semibold">
            The existing role&apos;s trust
          </h2>
          <p className="mb-2 text-sm">Reported, not changed: Deckhand never rewrites an existing role&apos;s trust policy.</p>
          <ul className="list-disc pl-5 text-sm" data-testid="oidc-trust-findings">
            {plan.trustFindings.map((f) => (
              <li key={f.message} data-kind={f.kind}>
                {f.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="oidc-subjects">
        <h2 id="oidc-subjects" className="mb-2 text-lg font-semibold">
          Subjects the workflow&apos;s runs present
        </h2>
        {plan.subjects ? (
          <>
            <p className="mb-2 text-sm text-slate-600">
              From {state.workflow?.path ?? "the workflow"} (job {plan.subjects.job ?? "?"}) and the repository&apos;s sub-claim template (
              {state.template?.useDefault ? "GitHub's default" : `customised: ${state.template?.includeClaimKeys.join(", ")}`}, prefix {state.template?.prefix}).
            </p>
            <ul className="space-y-2 text-sm" data-testid="oidc-subjects">
              {plan.subjects.subjects.map((s) => (
                <li key={s.value}>
                  <code className="rounded bg-slate-100 px-1">{s.value}</code> ({s.operator}) — {s.because}.
                  {s.widerThanWorkflow ? <span className="block text-amber-800">Wider than the workflow: {s.widerThanWorkflow}.</span> : null}
                  {s.risk ? <span className="block text-amber-800">Weigh this: {s.risk}.</span> : null}
                </li>
              ))}
            </ul>
            {[...plan.subjects.problems, ...plan.subjects.notes].length ? (
              <ul className="mt-2 list-disc pl-5 text-sm text-slate-700" data-testid="oidc-subject-notes">
                {plan.subjects.problems.map((p) => (
                  <li key={p} className="text-red-700">
                    {p}
                  </li>
                ))}
                {plan.subjects.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            ) : null}
          </>
        ) : (
          <p className="text-sm text-slate-600">Not known: the workflow file or the repository&apos;s template could not be read.</p>
        )}
      </section>

      {plan.trustPolicy ? (
        <section aria-labelledby="oidc-trust">
          <h2 id="oidc-trust" className="mb-2 text-lg font-semibold">
            Proposed trust policy
          </h2>
          <ul className="mb-2 list-disc pl-5 text-sm" data-testid="oidc-trust-explained">
            {plan.trustExplained.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
          <Json value={plan.trustPolicy} label="Proposed trust policy" />
        </section>
      ) : null}

      <section aria-labelledby="oidc-permissions">
        <h2 id="oidc-permissions" className="mb-2 text-lg font-semibold">
          Permission policy ({state.policyName})
        </h2>
        <p className="mb-2 text-sm text-slate-600" data-testid="oidc-permission-scope">
          The expected push policy (DECKHAND_EXPECTED_POLICY, else the guide&apos;s), never the user&apos;s drifted one
          {state.permissionPolicy.scopedTo
            ? `, with its repository actions narrowed to ${state.permissionPolicy.scopedTo.join(", ")} (registry-level actions stay on "*": ECR has no resource for them). A repository created later needs the policy widened.`
            : `. ${state.permissionPolicy.note ?? ""}`}
        </p>
        <Json value={state.permissionPolicy.document} label="Permission policy" />
      </section>

      <section aria-labelledby="oidc-workflow">
        <h2 id="oidc-workflow" className="mb-2 text-lg font-semibold">
          Workflow change
        </h2>
        {change?.ok ? (
          <>
            <ul className="mb-2 list-disc pl-5 text-sm" data-testid="oidc-workflow-changes">
              {change.changes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
            {change.changes.length ? (
              <pre aria-label="Workflow diff" tabIndex={0} className="overflow-x-auto rounded-md border border-slate-200 p-2 text-xs" data-testid="oidc-workflow-diff">
                {change.diff
                  .filter((l, i, all) => l.kind !== "same" || all.slice(Math.max(0, i - 3), i + 4).some((x) => x.kind !== "same"))
                  .map((l, i) => (
                    <span key={i} className={`block ${l.kind === "add" ? "bg-emerald-50 text-emerald-900" : l.kind === "remove" ? "bg-red-50 text-red-900" : "text-slate-600"}`}>
                      {l.kind === "add" ? "+ " : l.kind === "remove" ? "- " : "  "}
                      {l.text}
                    </span>
                  ))}
              </pre>
            ) : null}
            <p className="mt-2 text-sm text-slate-600">
              Applying commits exactly this change to the branch deckhand/oidc-role and opens a pull request into the default branch; nothing is pushed to the
              default branch. If the file changes before then, the move stops and asks for a new review.
            </p>
          </>
        ) : (
          <p className="text-sm text-red-700">{change && !change.ok ? change.reason : "Not known yet."}</p>
        )}
      </section>

      {operator ? (
        canStart && !state.openPullRequest && plan.steps.some((s) => s.status === "to-do") ? (
          plan.prerequisite ? (
            <p className="text-sm text-slate-700" data-testid="oidc-apply-blocked">
              The move can be applied once the guided setup has run (see above).
            </p>
          ) : plan.steps.every((s) => s.status === "done" || s.status === "to-do") && plan.trustPolicy ? (
            <ConfirmActionButton
              action={startOidcMoveAction}
              label="Apply the move"
              confirmLabel="Confirm: create the role and open the pull request"
              confirmValue="apply"
              fields={{ repo: ctx.github.repository }}
              tone="primary"
              consequence={
                <p>
                  Deckhand creates (or reuses) GitHub&apos;s OIDC provider, creates the role {state.roleName} with the trust policy above and puts the push policy on it,
                  then opens the pull request with the workflow diff above, recording each step before the next. An existing role whose trust differs is
                  reported and left as it is. The key keeps working until it is retired.
                </p>
              }
            />
          ) : (
            <p className="text-sm text-slate-700">Fix what is blocked above before applying.</p>
          )
        ) : null
      ) : (
        <p className="text-sm text-slate-600">Operators apply the move; you can see its plan.</p>
      )}
    </div>
  );
}
