// Prometheus text exposition (format 0.0.4) for GET /api/metrics: key ages, doctor check status and drift
// counts. Families whose data could not be gathered keep their HELP/TYPE lines and simply have no samples,
// which Prometheus reads as "absent", not as zero.

import type { CheckResult, CheckStatus } from "./doctor-checks";
import type { KeyVerdict } from "./key-verdicts";
import type { DriftReport } from "./policy-drift";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

export interface GaugeFamily {
  name: string;
  help: string;
  samples: GaugeSample[];
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  for (const n of names) {
    if (!LABEL_NAME_RE.test(n) || n.startsWith("__")) throw new Error(`Invalid Prometheus label name: ${n}`);
  }
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(",")}}`;
}

/** One gauge family: HELP, TYPE and its samples. */
export function formatGaugeFamily(family: GaugeFamily): string {
  if (!METRIC_NAME_RE.test(family.name)) throw new Error(`Invalid Prometheus metric name: ${family.name}`);
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  for (const s of family.samples) lines.push(`${family.name}${formatLabels(s.labels)} ${formatSampleValue(s.value)}`);
  return lines.join("\n");
}

const CHECK_STATUS_VALUE: Record<CheckStatus, number> = { pass: 1, fail: 0, unknown: -1 };

/** The posture as Prometheus text. Pass null for a part that could not be computed. */
export function renderPostureMetrics(input: {
  keys: readonly KeyVerdict[] | null;
  checks: readonly CheckResult[] | null;
  drift: readonly DriftReport[] | null;
}): string {
  const families: GaugeFamily[] = [
    {
      name: "deckhand_access_key_age_days",
      help: "Age of each access key of the push user in whole days since creation.",
      samples: (input.keys ?? [])
        .filter((k) => k.ageDays !== null)
        .map((k) => ({ labels: { access_key_id: k.accessKeyId, status: k.status }, value: k.ageDays! })),
    },
    {
      name: "deckhand_check_status",
      help: "Doctor check status: 1 pass, 0 fail, -1 unknown (a call it needs failed).",
      samples: (input.checks ?? []).map((c) => ({ labels: { check: c.id }, value: CHECK_STATUS_VALUE[c.status] })),
    },
    {
      name: "deckhand_policy_drift_actions",
      help: "Number of ECR actions drifting from each baseline, by kind (missing, extra, uncertain; extra_non_ecr counts non-ECR grants).",
      samples: (input.drift ?? []).flatMap((d) => [
        { labels: { baseline: d.baseline, kind: "missing" }, value: d.missing.length },
        { labels: { baseline: d.baseline, kind: "extra" }, value: d.extra.length },
        { labels: { baseline: d.baseline, kind: "uncertain" }, value: d.uncertain.length },
        { labels: { baseline: d.baseline, kind: "extra_non_ecr" }, value: d.extraNonEcr.length },
      ]),
    },
  ];
  return `${families.map(formatGaugeFamily).join("\n")}\n`;
}
