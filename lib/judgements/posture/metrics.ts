// Prometheus text exposition (format 0.0.4) for GET /api/metrics: key ages, doctor check status and drift
// counts. Families whose data could not be gathered keep their HELP/TYPE lines and simply have no samples,
// which Prometheus reads as "absent", not as zero.

import type { CheckResult, CheckStatus } from "./doctor-checks";
import type { KeyVerdict } from "./key-verdicts";
import type { DriftReport } from "./policy-drift";
import type { PushAnswer } from "./push-readiness";

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

const PUSH_ANSWER_VALUE: Record<PushAnswer, number> = { yes: 1, no: 0, unknown: -1, "not-set-up": 0 };

/** One push user's parts (keys and policy drift are the user's, shared by every repository holding its key). */
export interface UserMetrics {
  /** The IAM user name: the `user` label when given. */
  user?: string;
  keys: readonly KeyVerdict[] | null;
  drift: readonly DriftReport[] | null;
}

/** One repository's parts: its Doctor checks and its push verdict. */
export interface RepositoryMetrics {
  /** owner/name: the `repository` label when given. */
  repository?: string;
  /** The checks of the repository's sign-in mode (the guide's, or the Doctor's OIDC mode's `oidc-*`). */
  checks: ReadonlyArray<{ id: string; status: CheckStatus }> | null;
  /** The push verdict (deckhand_push_ready); omitted: no sample. */
  ready?: PushAnswer | null;
}

const withLabel = (name: string, value: string | undefined): Record<string, string> => (value === undefined ? {} : { [name]: value });

/**
 * The posture as Prometheus text. Pass null for a part that could not be computed. One repository and user: the
 * single object (no `repository`/`user` labels unless named). Several: `users` and `repositories`, each family
 * declared once with a `user` or `repository` label per sample.
 */
export function renderPostureMetrics(
  input: { keys: readonly KeyVerdict[] | null; checks: readonly CheckResult[] | null; drift: readonly DriftReport[] | null } | { users: readonly UserMetrics[]; repositories: readonly RepositoryMetrics[] },
): string {
  const users: readonly UserMetrics[] = "users" in input ? input.users : [{ keys: input.keys, drift: input.drift }];
  const repositories: readonly RepositoryMetrics[] = "repositories" in input ? input.repositories : [{ checks: input.checks }];
  const families: GaugeFamily[] = [
    {
      name: "deckhand_access_key_age_days",
      help: "Age of each access key of the push user in whole days since creation.",
      samples: users.flatMap((u) =>
        (u.keys ?? []).filter((k) => k.ageDays !== null).map((k) => ({ labels: { ...withLabel("user", u.user), access_key_id: k.accessKeyId, status: k.status }, value: k.ageDays! })),
      ),
    },
    {
      name: "deckhand_check_status",
      help: "Doctor check status: 1 pass, 0 fail, -1 unknown (a call it needs failed).",
      samples: repositories.flatMap((r) => (r.checks ?? []).map((c) => ({ labels: { ...withLabel("repository", r.repository), check: c.id }, value: CHECK_STATUS_VALUE[c.status] }))),
    },
    {
      name: "deckhand_policy_drift_actions",
      help: "Number of ECR actions drifting from each baseline, by kind (missing, extra, uncertain; extra_non_ecr counts non-ECR grants).",
      samples: users.flatMap((u) =>
        (u.drift ?? []).flatMap((d) => {
          const l = withLabel("user", u.user);
          return [
            { labels: { ...l, baseline: d.baseline, kind: "missing" }, value: d.missing.length },
            { labels: { ...l, baseline: d.baseline, kind: "extra" }, value: d.extra.length },
            { labels: { ...l, baseline: d.baseline, kind: "uncertain" }, value: d.uncertain.length },
            { labels: { ...l, baseline: d.baseline, kind: "extra_non_ecr" }, value: d.extraNonEcr.length },
          ];
        }),
      ),
    },
  ];
  if (repositories.some((r) => r.ready !== undefined)) {
    families.push({
      name: "deckhand_push_ready",
      help: "Can the repository push to ECR right now (the Overview's verdict): 1 yes, 0 no or not set up, -1 unknown.",
      samples: repositories.flatMap((r) => (r.ready ? [{ labels: withLabel("repository", r.repository), value: PUSH_ANSWER_VALUE[r.ready] }] : [])),
    });
  }
  return `${families.map(formatGaugeFamily).join("\n")}\n`;
}
