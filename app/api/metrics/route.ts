import { withBearer } from "@/lib/http/route-wrappers";
import { getDb } from "@/lib/db";
import { getThresholds } from "@/lib/settings/thresholds";
import { appPostureDeps } from "@/lib/posture-data/app-posture";
import { loadPosture } from "@/lib/posture-data/load-posture";
import { runDoctorChecks } from "@/lib/posture-data/doctor-checks";
import { buildPolicyView, judgeKeysSection } from "@/lib/posture-data/views";
import { formatPostureMetrics } from "@/lib/posture-data/metrics";

export const dynamic = "force-dynamic";

/** Prometheus gauges: key age, check status, drift counts. */
export const GET = withBearer({ name: "api.metrics", token: (c) => c.apiToken }, async () => {
  const deps = appPostureDeps();
  const now = new Date();
  const p = await loadPosture(deps);
  const region = deps.clients.aws.region;
  const checks = runDoctorChecks({ ...p, now, region });
  const keys = p.keys.ok ? judgeKeysSection(p.keys.data, now, getThresholds(getDb())).keys : null;
  const drift = p.policies.ok
    ? buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region, policyName: deps.policyName }).drift
    : null;
  const sections = Object.fromEntries(Object.entries(p).map(([k, s]) => [k, s.ok]));
  return new Response(formatPostureMetrics({ keys, checks, drift, sections }), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
});
