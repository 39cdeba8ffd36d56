import { withBearer } from "@/lib/http/route-wrappers";
import { getDb } from "@/lib/db";
import { getThresholds } from "@/lib/settings/thresholds";
import { appPostureDeps } from "@/lib/posture-data/app-posture";
import { loadPosture } from "@/lib/posture-data/load-posture";
import { toPostureSnapshot } from "@/lib/posture-data/to-snapshot";
import { runDoctorChecks } from "@/lib/posture/doctor-checks";
import { METRICS_CONTENT_TYPE, renderPostureMetrics } from "@/lib/posture/metrics";
import { buildPolicyView, judgeKeysSection } from "@/lib/posture-data/views";

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
