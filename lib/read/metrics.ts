// GET /api/metrics: the posture as Prometheus gauges (key ages, check status, drift counts), over the same
// cached parts as the pages.

import { judgeAccessKeys } from "../judgements/posture/key-verdicts";
import { renderPostureMetrics } from "../judgements/posture/metrics";
import { runDoctorChecks } from "../judgements/posture/doctor-checks";
import { getThresholds } from "../operations/settings/thresholds";
import type { ReadContext } from "./context";
import { toSnapshot } from "./doctor";
import { buildPolicyView } from "./policy";
import { readPosture } from "./posture";
import { keyChangeUnderway } from "./rotation";

export { METRICS_CONTENT_TYPE } from "../judgements/posture/metrics";

/** The metrics text (Prometheus exposition format 0.0.4); a part that failed leaves its gauges out. */
export async function readMetricsText(ctx: ReadContext): Promise<string> {
  const now = ctx.now?.() ?? new Date();
  const p = await readPosture(ctx);
  const region = ctx.clients.aws.region;
  const rotationInProgress = keyChangeUnderway(ctx);
  const checks = runDoctorChecks(toSnapshot(p, { now, userName: ctx.userName, region, rotationInProgress }));
  const keys = p.keys.ok ? judgeAccessKeys({ keys: p.keys.data, now, thresholds: getThresholds(ctx.db), rotationInProgress }).keys : null;
  const drift = p.policies.ok
    ? buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region, policyName: ctx.policyName }).drift
    : null;
  return renderPostureMetrics({ keys, checks, drift });
}
