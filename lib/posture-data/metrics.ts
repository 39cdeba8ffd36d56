// Prometheus text exposition (version 0.0.4) of the posture: key ages, check status, drift counts, and
// whether each part could be read. Pure: the route only serialises what this returns.

import type { DoctorCheck } from "./doctor-checks";
import type { DriftReport } from "../posture/policy-drift";
import type { KeyVerdict } from "../posture/key-verdicts";

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;

export interface MetricsInput {
  keys: KeyVerdict[] | null;
  checks: DoctorCheck[];
  drift: DriftReport[] | null;
  /** Section name → whether it loaded. */
  sections: Record<string, boolean>;
}

export function formatPostureMetrics(input: MetricsInput): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: "gauge") => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family("deckhand_access_key_age_days", "Age of each access key of the push user, in whole days.", "gauge");
  for (const k of input.keys ?? []) if (k.ageDays !== null) out.push(`deckhand_access_key_age_days${labels({ access_key_id: k.accessKeyId, status: k.status, verdict: k.verdict })} ${k.ageDays}`);

  family("deckhand_check_status", "Doctor check status: 1 for the status the check is in, 0 for the others.", "gauge");
  for (const c of input.checks) for (const s of ["pass", "fail", "unknown"] as const) out.push(`deckhand_check_status${labels({ check: c.id, status: s })} ${c.status === s ? 1 : 0}`);

  family("deckhand_policy_drift_actions", "ECR actions missing from or extra to each baseline.", "gauge");
  for (const d of input.drift ?? []) {
    out.push(`deckhand_policy_drift_actions${labels({ baseline: d.baseline, kind: "missing" })} ${d.missing.length}`);
    out.push(`deckhand_policy_drift_actions${labels({ baseline: d.baseline, kind: "extra" })} ${d.extra.length}`);
  }

  family("deckhand_posture_section_up", "1 when the posture part could be read from AWS or GitHub, 0 when the call failed.", "gauge");
  for (const [section, up] of Object.entries(input.sections)) out.push(`deckhand_posture_section_up${labels({ section })} ${up ? 1 : 0}`);
  return `${out.join("\n")}\n`;
}
