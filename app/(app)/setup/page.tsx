import type { Metadata } from "next";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { toUserFacing } from "@/lib/errors";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { getConfig } from "@/lib/infra/config/env";
import { planGuidedSetup, readLatestSetup, setupNames } from "@/lib/read/setup";
import { PageHeader } from "@/components/page-header";
import { DefaultRepositoryOnly } from "@/components/fleet/default-repository-only";
import { SetupPlanView } from "@/components/setup/setup-plan-view";
import { SetupRunView } from "@/components/setup/setup-run-view";
import { RefreshWhileRunning } from "@/components/setup/refresh-while-running";
import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { startSetupAction } from "./actions";
import { ResumeSetupButton } from "../resume-buttons";

export const metadata: Metadata = { title: "Setup" };
export const dynamic = "force-dynamic";

export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const operator = user.role === "operator";
  // The guided setup (and its resume after a crash) acts on the default repository; its plan is always that one's,
  // whichever repository the selector shows, and the page says so rather than showing the default's state as another's.
  const ctx = pageReadContext();
  const shown = pageReadContext(await searchParams).github.repository;
  const defaultRepository = getConfig().github.repository;
  const latest = readLatestSetup(ctx);
  const active = latest?.active ? latest : null;
  const names = setupNames(ctx);
  return (
    <>
      <PageHeader
        title="Setup"
        description={`The guide's Steps 1 to 5 for ${defaultRepository}: the IAM user ${names.userName}, the policy ${names.policyName} and the region ${names.region} (DECKHAND_IAM_USER, DECKHAND_IAM_POLICY, AWS_REGION).`}
      />
      <DefaultRepositoryOnly operation="The guided setup" shown={shown} defaultRepository={defaultRepository} testId="setup-default-only">
        For {shown}, its Doctor and Credentials pages show what is missing; its key is rotated from its own Credentials page.
      </DefaultRepositoryOnly>
      <RefreshWhileRunning running={latest?.setup.state === "running"} />
      {latest ? (
        <section className="mb-8 rounded-lg border border-slate-200 bg-slate-50 p-4" aria-label="Latest setup">
          <h2 className="mb-2 text-lg font-semibold">{active ? "Setup in progress" : "Latest setup"}</h2>
          <SetupRunView setup={latest.setup} steps={latest.steps} />
          {operator && latest.setup.state === "stopped" ? (
            <div className="mt-3">
              <ResumeSetupButton setupId={latest.setup.id} />
            </div>
          ) : null}
        </section>
      ) : null}
      {active ? null : (
        <Suspense fallback={<p className="text-sm text-slate-500">Reading AWS and GitHub…</p>}>
          <PlanSection ctx={ctx} operator={operator} />
        </Suspense>
      )}
    </>
  );
}

async function PlanSection({ ctx, operator }: { ctx: ReadContext; operator: boolean }) {
  let overview;
  try {
    overview = await planGuidedSetup(ctx);
  } catch (err) {
    const { message } = toUserFacing(err, "setup plan");
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not read the current state: {message}
      </p>
    );
  }
  const { plan, permissions } = overview;
  const stray = plan.steps.find((s) => s.id === "remove-region-secret");
  const canApply = plan.blockers.length === 0 && permissions.kind !== "missing";
  return (
    <SetupPlanView plan={plan} permissions={permissions}>
      {plan.steps.length === 1 ? <p className="text-sm text-emerald-700">Every step of the guide is done; applying runs the verification only.</p> : null}
      {operator ? (
        canApply ? (
          <ConfirmActionButton
            action={startSetupAction}
            label="Apply setup"
            confirmLabel="Confirm setup"
            confirmValue="apply"
            tone="primary"
            consequence={
              <div className="space-y-3">
                <p>
                  Deckhand makes the {plan.steps.length} step(s) above in order, with the API calls listed, and records each before the next starts. A new access
                  key goes straight into GitHub&apos;s secrets; its secret is never stored or shown. A key of the user that GitHub does not hold is deactivated
                  (not deleted).
                </p>
                {stray?.needsConfirmation ? (
                  <label className="flex items-start gap-2">
                    <input type="checkbox" name="removeRegionSecret" className="mt-1" data-testid="confirm-remove-region-secret" />
                    <span>{stray.needsConfirmation} Without this box the secret stays and the step is skipped.</span>
                  </label>
                ) : null}
              </div>
            }
          />
        ) : null
      ) : (
        <p className="text-sm text-slate-600">Operators apply the setup; you can see its state.</p>
      )}
    </SetupPlanView>
  );
}
