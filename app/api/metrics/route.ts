import { withBearer } from "@/lib/infra/http/route-wrappers";
import { getDb } from "@/lib/infra/db";
import { getThresholds } from "@/lib/operations/settings/thresholds";
import { appPostureDeps } from "@/lib/read/app-posture";
import { loadPosture } from "@/lib/read/load-posture";
import { toPostureSnapshot } from "@/lib/read/to-snapshot";
import { runDoctorChecks } from "@/lib/judgements/posture/doctor-checks";
import { METRICS_CONTENT_TYPE, renderPostureMetrics } from "@/lib/judgements/posture/metrics";
import { buildPolicyView, judgeKeysSection } from "@/lib/read/views";

export const dynamic = "force-dynamic";

/** Prometheus gauges: key age, check status, drift counts. */
export const GET = withBearer({ name: "api.metrics", token: (c) => c.apiToken }, async () => {
  const deps = appPostureDeps();
  const now = new Date();
  const p = await loadPosture(deps);
  const region = deps.clients.aws.region;
  const checks = runDoctorChecks(toPostureSnapshot(p, { now, userName: deps.userName, region }));
  const keys = p.keys.ok ? judgeKeysSection(p.keys.data, now, getThresholds(getDb())).keys : null;
  const drift = p.policies.ok
    ? buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region, policyName: deps.policyName }).drift
    : null;
  return new Response(renderPostureMetrics({ keys, checks, drift }), { headers: { "content-type": METRICS_CONTENT_TYPE } });
});
