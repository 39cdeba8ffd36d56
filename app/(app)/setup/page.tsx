import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { requireUser } from "@/lib/infra/auth/session";
import { toUserFacing } from "@/lib/errors";
import { pageReadContext, type ReadContext } from "@/lib/read/context";
import { planGuidedSetup, readActiveSetupElsewhere, readLatestSetup, setupNames } from "@/lib/read/setup";
import { PageHeader } from "@/components/page-header";
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
  // The repository the selector shows: its secrets and variable, with its push user. One setup runs at a time across
  // every repository: another repository's running or stopped setup is named, with a link to it.
  const ctx = pageReadContext(await searchParams);
  const repository = ctx.github.repository;
  const latest = readLatestSetup(ctx);
  const active = latest?.active ? latest : null;
  const elsewhere = active ? null : readActiveSetupElsewhere(ctx, servedRepositories(getConfig(), ctx.db));
  const names = setupNames(ctx);
  return (
    <>
      <PageHeader
        repository={ctx.github.repository}
        title="Setup"
        description={`The guide's Steps 1 to 5 for ${repository}: the IAM user ${names.userName}, the policy ${names.policyName} and the region ${names.region} (its push user, DECKHAND_IAM_POLICY, AWS_REGION).`}
      />
      {elsewhere ? (
        <p className="mb-4 rounded border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950" data-testid="setup-elsewhere">
          Setup #{elsewhere.id} of {elsewhere.repository} is {elsewhere.state}; one setup runs at a time.{" "}
          <Link href={`/setup?repo=${encodeURIComponent(elsewhere.repository)}`} className="font-medium underline">
            Open it
          </Link>
          .
        </p>
      ) : null}
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
          <PlanSection ctx={ctx} operator={operator} canStart={!elsewhere} />
        </Suspense>
      )}
    </>
  );
}

async function PlanSection({ ctx, operator, canStart }: { ctx: ReadContext; operator: boolean; canStart: boolean }) {
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
  const canApply = canStart && plan.blockers.length === 0 && permissions.kind !== "missing";
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
            fields={{ repo: ctx.github.repository }}
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
