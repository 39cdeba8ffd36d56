import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireUser } from "@/lib/infra/auth/session";
import { getConfig } from "@/lib/infra/config/env";
import { getDb } from "@/lib/infra/db";
import { getClients } from "@/lib/integrations/clients";
import { appCache } from "@/lib/infra/cache/ttl-cache";
import { getThresholds } from "@/lib/operations/settings/thresholds";
import { PageHeader } from "@/components/page-header";
import { AutoRefresh } from "@/components/overview/auto-refresh";
import { Card, CardLoading, type Tone } from "@/components/overview/card";
import { PushChart } from "@/components/overview/push-chart";
import { RunStatus } from "@/components/workflows/run-status";
import { TimeCell } from "@/components/registry/time-cell";
import { pagePostureDeps } from "@/lib/read/page-support";
import {
  loadActivity,
  loadExpectedPolicy,
  loadKeys,
  loadPolicies,
  loadRepositories,
  loadRuns,
  loadSecrets,
  loadUser,
  loadVariables,
  SECTION_CALLS,
  type ActivityData,
  type PostureDeps,
} from "@/lib/read/load-posture";
import { runDoctorChecks } from "@/lib/judgements/posture/doctor-checks";
import { toPostureSnapshot } from "@/lib/read/to-snapshot";
import type { Section } from "@/lib/failures";
import { withinTime } from "@/lib/read/time-box";
import { correlateSection, judgeKeysSection } from "@/lib/read/views";
import { computeEffectiveActions } from "@/lib/judgements/posture/effective-actions";
import { buildExpectedBaseline, computeDrift } from "@/lib/judgements/posture/policy-drift";
import type { Severity } from "@/lib/judgements/posture/key-verdicts";
import { describeFailure } from "@/lib/overview/describe-failure";
import { bucketPushesByDay } from "@/lib/judgements/daily-pushes";
import { cachedRunsInWindow } from "@/lib/read/runs-window";
import { pageGitHub } from "@/lib/read/page-clients";
import { listRuns } from "@/lib/integrations/github/runs";
import { RUNS_CACHE_PREFIX } from "@/lib/operations/workflows/dispatch-workflow";
import { formatRunDuration, runDurationMs } from "@/lib/judgements/workflows/run-duration";
import { loadEcrWorkflow } from "../../lib/read/workflows";
import { jobOutcomesSince, lastPushPerService } from "@/lib/jobs/job-store";

export const metadata: Metadata = { title: "Overview" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const TONE: Record<Severity, Tone> = { ok: "ok", info: "ok", warn: "warn", fail: "fail" };

/**
 * 90 days of CloudTrail can take many LookupEvents pages. The Overview waits for it at most this long;
 * the load carries on into the shared cache, so the next (auto-)refresh has the full evidence.
 */
const ACTIVITY_WAIT_MS = 1200;

async function activityWithinTime(deps: PostureDeps): Promise<Section<ActivityData>> {
  const r = await withinTime(loadActivity(deps), ACTIVITY_WAIT_MS);
  if (r.done) return r.value;
  return {
    ok: false,
    calls: [...SECTION_CALLS.events],
    error: { service: "cloudtrail", operation: "LookupEvents", kind: "failed", message: "CloudTrail LookupEvents is still loading (90 days of events); the next refresh includes it" },
  };
}

export default async function OverviewPage({ searchParams }: { searchParams: SearchParams }) {
  await requireUser();
  const sp = await searchParams;
  // "Refresh now": drop every cached read this page shows, posture and runs alike.
  const deps = pagePostureDeps(sp);
  if (sp.refresh) appCache().invalidate(RUNS_CACHE_PREFIX);
  const config = getConfig();
  return (
    <>
      <PageHeader title="Overview" description={`Can ${config.github.repository} push to ECR right now, and is anything about to break?`}>
        <AutoRefresh />
      </PageHeader>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        <Suspense fallback={<CardLoading title="Push key" />}>
          <KeyCard deps={deps} />
        </Suspense>
        <Suspense fallback={<CardLoading title="Key GitHub holds" />}>
          <HeldKeyCard deps={deps} />
        </Suspense>
        <Suspense fallback={<CardLoading title="Policy drift" />}>
          <DriftCard deps={deps} />
        </Suspense>
        <Suspense fallback={<CardLoading title="Last workflow run" />}>
          <LastRunCard />
        </Suspense>
        <DeckhandPushesCard />
        <Suspense fallback={<CardLoading title="Doctor" />}>
          <DoctorCard deps={deps} />
        </Suspense>
      </div>
      <section className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-2 text-sm font-medium text-slate-500">Pushes and failures, last 30 days</h2>
        <Suspense fallback={<p className="text-sm text-slate-400">Loading runs…</p>}>
          <ChartSection />
        </Suspense>
      </section>
    </>
  );
}

function Failed({ message }: { message: string }) {
  return (
    <p role="alert" data-testid="card-error" className="text-amber-800">
      {message}
    </p>
  );
}

async function KeyCard({ deps }: { deps: PostureDeps }) {
  const keys = await loadKeys(deps);
  if (!keys.ok)
    return (
      <Card title="Push key" href="/credentials" tone="warn" testId="card-key">
        <Failed message={keys.error.message} />
      </Card>
    );
  const judgement = judgeKeysSection(keys.data, new Date(), getThresholds(getDb()));
  const active = judgement.keys.filter((k) => k.active);
  const shown = active.length ? active : judgement.keys;
  const worst = [...shown.map((k) => k.severity), ...judgement.account.map((a) => a.severity)].sort((a, b) => rank(b) - rank(a))[0] ?? "ok";
  return (
    <Card title="Push key" href="/credentials" tone={TONE[worst]} testId="card-key">
      {shown.map((k) => (
        <div key={k.accessKeyId} className="mb-1" data-key={k.accessKeyId}>
          <p>
            <code className="font-mono text-xs">{k.accessKeyId}</code> · {k.status} · <span data-testid="key-age">{k.ageDays ?? "?"} days old</span>
          </p>
          <p className="text-xs" data-testid="key-verdict" data-verdict={k.verdict}>
            <strong>{k.verdict}</strong>: {k.reason}
          </p>
        </div>
      ))}
      {judgement.account.map((a) => (
        <p key={a.code} className="text-xs text-amber-800">
          {a.message}
        </p>
      ))}
      {judgement.keys.length === 0 ? <p>No access keys for {getConfig().iamUser}.</p> : null}
    </Card>
  );
}

const rank = (s: Severity) => ({ ok: 0, info: 1, warn: 2, fail: 3 })[s];

async function HeldKeyCard({ deps }: { deps: PostureDeps }) {
  const [secrets, keys, activity, runs] = await Promise.all([loadSecrets(deps), loadKeys(deps), activityWithinTime(deps), loadRuns(deps)]);
  const result = correlateSection({ secrets, keys, activity, runs, now: new Date() });
  if (!result) {
    const failed = !secrets.ok ? secrets.error.message : !keys.ok ? keys.error.message : "unknown";
    return (
      <Card title="Key GitHub holds" href="/credentials" tone="warn" testId="card-held-key">
        <Failed message={failed} />
      </Card>
    );
  }
  const { correlation, caveats } = result;
  const worst = correlation.flags.map((f) => f.severity).sort((a, b) => rank(b) - rank(a))[0] ?? "ok";
  return (
    <Card title="Key GitHub holds" href="/credentials" tone={TONE[worst]} testId="card-held-key">
      {correlation.mostLikely ? (
        <p>
          Most likely <code className="font-mono text-xs" data-testid="held-key">{correlation.mostLikely.accessKeyId}</code> ({correlation.mostLikely.level} confidence)
        </p>
      ) : (
        <p>No key can be matched to the GitHub secret.</p>
      )}
      {correlation.secretWrittenAt ? (
        <p className="text-xs text-slate-600">
          AWS_ACCESS_KEY_ID written <TimeCell iso={correlation.secretWrittenAt} />
        </p>
      ) : null}
      {correlation.flags.map((f) => (
        <p key={`${f.code}-${f.accessKeyId ?? ""}`} className="text-xs text-amber-800">
          {f.message}
        </p>
      ))}
      {caveats.map((c) => (
        <p key={c} className="text-xs text-slate-500">
          {c}
        </p>
      ))}
    </Card>
  );
}

async function DriftCard({ deps }: { deps: PostureDeps }) {
  const [policies, expected] = await Promise.all([loadPolicies(deps), loadExpectedPolicy(deps)]);
  if (!policies.ok || !expected.ok) {
    return (
      <Card title="Policy drift" href="/policy" tone="warn" testId="card-drift">
        <Failed message={!policies.ok ? policies.error.message : !expected.ok ? expected.error.message : ""} />
      </Card>
    );
  }
  const baseline = buildExpectedBaseline(expected.data.document, expected.data.origin === "file" ? expected.data.label : undefined);
  if (!baseline.ok)
    return (
      <Card title="Policy drift" href="/policy" tone="warn" testId="card-drift">
        <Failed message={baseline.error.message} />
      </Card>
    );
  const drift = computeDrift(computeEffectiveActions(policies.data), baseline.baseline);
  const breaks = drift.missing.some((m) => m.breaksPush);
  return (
    <Card title="Policy drift" href="/policy" tone={drift.clean ? "ok" : breaks ? "fail" : "warn"} testId="card-drift">
      {drift.clean ? (
        <p>Matches {drift.label}.</p>
      ) : (
        <>
          <p>
            Against {drift.label}: <span data-testid="drift-missing">{drift.missing.length} missing</span>, <span data-testid="drift-extra">{drift.extra.length} extra</span>
            {drift.uncertain.length ? `, ${drift.uncertain.length} uncertain` : ""}
          </p>
          {drift.missing.length ? <p className="text-xs text-red-800">Missing: {drift.missing.map((m) => m.action).join(", ")}{breaks ? " (pushes fail)" : ""}</p> : null}
          {drift.extra.length ? <p className="text-xs text-amber-800">Extra: {drift.extra.map((m) => m.action).join(", ")}</p> : null}
        </>
      )}
    </Card>
  );
}

async function LastRunCard() {
  const loaded = await loadLastRun().then(
    (run) => ({ ok: true as const, run }),
    (err: unknown) => ({ ok: false as const, message: describeFailure(err, "GitHub", "list workflow runs").message }),
  );
  if (!loaded.ok)
    return (
      <Card title="Last workflow run" href="/workflows" tone="warn" testId="card-last-run">
        <Failed message={loaded.message} />
      </Card>
    );
  const run = loaded.run;
  const tone: Tone = !run ? "neutral" : run.status !== "completed" ? "neutral" : run.conclusion === "success" ? "ok" : run.conclusion === "failure" ? "fail" : "warn";
  return (
    <Card title="Last workflow run" href={run ? `/workflows/runs/${run.id}` : "/workflows"} tone={tone} testId="card-last-run">
      {run ? (
        <>
          <p>
            <RunStatus status={run.status} conclusion={run.conclusion} /> {run.displayTitle}
          </p>
          <p className="text-xs text-slate-600">
            {run.name} #{run.runNumber} · {run.event} on {run.headBranch ?? "—"} · <TimeCell iso={run.runStartedAt ?? run.createdAt} /> · {formatRunDuration(runDurationMs(run))}
          </p>
        </>
      ) : (
        <p>No runs of “{getConfig().workflowName}” yet.</p>
      )}
    </Card>
  );
}

async function loadLastRun() {
  const wf = await loadEcrWorkflow();
  const { runs } = await appCache().get(`${RUNS_CACHE_PREFIX}:last:${wf?.id ?? "all"}`, 10_000, () =>
    listRuns({ github: pageGitHub(), repo: getClients().repo, workflowId: wf?.id, perPage: 1 }),
  );
  return runs[0] ?? null;
}

async function DoctorCard({ deps }: { deps: PostureDeps }) {
  const loaded = await doctorChecksWithinTime(deps).then(
    (checks) => ({ ok: true as const, checks }),
    (err: unknown) => ({ ok: false as const, message: describeFailure(err, "AWS", "doctor checks").message }),
  );
  if (!loaded.ok)
    return (
      <Card title="Doctor" href="/doctor" tone="warn" testId="card-doctor">
        <Failed message={loaded.message} />
      </Card>
    );
  const checks = loaded.checks;
  const failed = checks.filter((c) => c.status === "fail");
  const unknown = checks.filter((c) => c.status === "unknown");
  return (
    <Card title="Doctor" href="/doctor" tone={failed.length ? "fail" : unknown.length ? "warn" : "ok"} testId="card-doctor">
      <p>
        {checks.length - failed.length - unknown.length} passed, <span data-testid="doctor-failed-count">{failed.length} failed</span>, {unknown.length} unknown
      </p>
      <ul className="mt-1 space-y-0.5 text-xs">
        {failed.map((c) => (
          <li key={c.id}>
            <Link href={`/doctor#${c.id}`} className="text-red-800 hover:underline" data-check-id={c.id}>
              ✗ {c.title}
            </Link>
            : {c.summary}
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** The Doctor's checks over the same cached sections, with CloudTrail time-boxed (checks needing it say unknown). */
async function doctorChecksWithinTime(deps: PostureDeps) {
  const [user, keys, policies, activity, secrets, variables, runs, repositories] = await Promise.all([
    loadUser(deps),
    loadKeys(deps),
    loadPolicies(deps),
    activityWithinTime(deps),
    loadSecrets(deps),
    loadVariables(deps),
    loadRuns(deps),
    loadRepositories(deps),
  ]);
  return runDoctorChecks(
    toPostureSnapshot({ user, keys, policies, activity, secrets, variables, runs, repositories }, { now: new Date(), userName: deps.userName, region: deps.clients.aws.region }),
  );
}

/** Read from Deckhand's own store: no AWS or GitHub call, so it never waits. */
function DeckhandPushesCard() {
  const last = lastPushPerService(getDb());
  const tone: Tone = last.some((l) => l.decision === "failed") ? "fail" : "ok";
  return (
    <Card title="Last Deckhand push per service" href="/pushes" tone={last.length ? tone : undefined} testId="card-pushes">
      {last.length === 0 ? (
        <>
          <p data-testid="no-deckhand-pushes">No Deckhand pushes yet.</p>
          <p className="mt-1 text-xs text-slate-500">Pushes made by Deckhand&apos;s worker appear here per compose service.</p>
        </>
      ) : (
        <ul className="space-y-1">
          {last.map((l) => (
            <li key={l.service} data-service={l.service}>
              <span className="font-medium">{l.service}</span>: {l.decision === "skipped" ? "unchanged" : l.decision} at{" "}
              <Link href={`/pushes/${l.jobId}`} className="font-mono text-xs underline">
                {l.sha.slice(0, 7)}
              </Link>{" "}
              <span className="text-xs text-slate-500">
                <TimeCell iso={l.at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

async function ChartSection() {
  const loaded = await loadChartRuns().then(
    (data) => ({ ok: true as const, ...data }),
    (err: unknown) => ({ ok: false as const, message: describeFailure(err, "GitHub", "list workflow runs").message }),
  );
  if (!loaded.ok) return <Failed message={loaded.message} />;
  const buckets = bucketPushesByDay(
    [
      ...loaded.runs.map((r) => ({ at: r.createdAt, outcome: r.status === "completed" ? r.conclusion : null, source: "workflow" as const })),
      ...jobOutcomesSince(getDb(), 30).map((j) => ({ ...j, source: "deckhand" as const })),
    ],
    new Date(),
  );
  return (
    <>
      <PushChart buckets={buckets} />
      <p className="mt-1 text-xs text-slate-500">
        Runs of “{loaded.workflowName ?? "all workflows"}” and Deckhand&apos;s own push jobs, by day (UTC).
        {loaded.truncated ? " GitHub lists at most 1,000 runs per query: older days in the window may be incomplete." : ""}
      </p>
    </>
  );
}

async function loadChartRuns() {
  const wf = await loadEcrWorkflow();
  const { runs, truncated } = await cachedRunsInWindow({ github: pageGitHub(), repo: getClients().repo, workflowId: wf?.id, days: 30 });
  return { runs, truncated, workflowName: wf?.name ?? null };
}
