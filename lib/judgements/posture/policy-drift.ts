// Drift of what the push user may do against what it should be able to do. Three baselines answer three
// questions: does the user still match the guide's policy (expected), can it push at all (minimal push
// set), and does it hold privileges it never uses (actions seen in CloudTrail).

import {
  GUIDE_POLICY_NAME,
  GUIDE_PUSH_POLICY,
  MINIMAL_PUSH_ACTIONS,
  PUSH_CRITICAL_ACTIONS,
  PUSH_FAILURE_EFFECT,
  canonicalizeEcrAction,
} from "./ecr-actions";
import {
  computeEffectiveActions,
  describeProvenance,
  type ActionStatus,
  type EffectiveActions,
  type OtherGrant,
  type Provenance,
} from "./effective-actions";
import type { PolicyDocumentInput, PolicyParseError } from "./normalize-policy";
import { DAY_MS, toEpochMs, type TimeInput } from "./time-util";

export type BaselineKind = "expected" | "minimal-push" | "cloudtrail";

export interface Baseline {
  kind: BaselineKind;
  label: string;
  /** Canonical `ecr:` actions the baseline says the user should be able to perform. */
  actions: string[];
  notes: string[];
  /**
   * False when the baseline cannot tell an unused action from one not needed yet (CloudTrail over keys only days
   * old): computeDrift then reports no "extra" actions against it. Default true.
   */
  judgesUnused?: boolean;
}

export interface DriftItem {
  action: string;
  status: ActionStatus;
  reason: string;
  /** For missing items: the guide's workflow fails without this action. */
  breaksPush: boolean;
  provenance: Provenance[];
}

export interface DriftReport {
  baseline: BaselineKind;
  label: string;
  missing: DriftItem[];
  extra: DriftItem[];
  /** In the baseline but only conditionally allowed, or allowed and partly denied: cannot be decided here. */
  uncertain: DriftItem[];
  /** Grants outside ECR: always more privilege than an ECR push user needs. */
  extraNonEcr: OtherGrant[];
  /** True when nothing is missing, extra or uncertain. */
  clean: boolean;
  /** True when some policy documents could not be read, so "missing" may be overstated. */
  incomplete: boolean;
  notes: string[];
}

export type BaselineResult = { ok: true; baseline: Baseline } | { ok: false; error: PolicyParseError };

/** Baseline from an expected policy document (default: the guide's ecr-push-policy). */
export function buildExpectedBaseline(document: PolicyDocumentInput = GUIDE_PUSH_POLICY as unknown as Record<string, unknown>, label?: string): BaselineResult {
  const effective = computeEffectiveActions([
    { source: { kind: "expected", policyName: label ?? GUIDE_POLICY_NAME }, document },
  ]);
  if (effective.errors.length > 0) return { ok: false, error: effective.errors[0].error };
  const notes: string[] = [];
  if (effective.conditional.length > 0) {
    notes.push(`The expected policy grants ${effective.conditional.join(", ")} only under conditions; they are not counted`);
  }
  return {
    ok: true,
    baseline: {
      kind: "expected",
      label: label ? `expected policy (${label})` : `the guide's ${GUIDE_POLICY_NAME}`,
      actions: effective.allowed,
      notes,
    },
  };
}

export function buildMinimalPushBaseline(): Baseline {
  return {
    kind: "minimal-push",
    label: "AWS's minimal push set",
    actions: [...MINIMAL_PUSH_ACTIONS].sort(),
    notes: ["From the Amazon ECR User Guide: IAM permissions for pushing an image to an Amazon ECR private repository"],
  };
}

/** One CloudTrail record, reduced to what the baseline needs. */
export interface CloudTrailActionUse {
  eventName: string;
  eventSource: string;
  errorCode?: string | null;
  time?: TimeInput;
}

/** A CloudTrail history shorter than this (days) says nothing about which granted actions are unused. */
export const MIN_HISTORY_DAYS_FOR_UNUSED = 30;

/**
 * Actions this key was seen calling on ECR. Accepts full events or bare event names (taken as ECR's).
 * With `now`, events older than the window are dropped; without it the caller has already windowed them.
 * `observedSince`: when the oldest key whose events these are was created; a history shorter than
 * MIN_HISTORY_DAYS_FOR_UNUSED (right after a rotation, say) still shows what was used, but calls nothing unused.
 */
export function buildCloudTrailBaseline(
  events: readonly (CloudTrailActionUse | string)[],
  windowDays = 90,
  now?: TimeInput,
  observedSince?: TimeInput,
): Baseline {
  const nowMs = toEpochMs(now ?? null);
  const oldest = nowMs === null ? null : nowMs - windowDays * DAY_MS;
  const seen = new Set<string>();
  const unknown = new Set<string>();
  for (const raw of events) {
    const e: CloudTrailActionUse = typeof raw === "string" ? { eventName: raw, eventSource: "ecr.amazonaws.com" } : raw;
    if (e.eventSource !== "ecr.amazonaws.com") continue;
    if (oldest !== null && e.time !== undefined) {
      const at = toEpochMs(e.time);
      if (at === null || at < oldest) continue;
    }
    const canonical = canonicalizeEcrAction(e.eventName);
    if (canonical) seen.add(canonical);
    else unknown.add(e.eventName);
  }
  const notes: string[] = [];
  const since = toEpochMs(observedSince ?? null);
  const historyDays = since === null ? null : ((nowMs ?? Date.now()) - since) / DAY_MS;
  const thin = historyDays !== null && historyDays < Math.min(windowDays, MIN_HISTORY_DAYS_FOR_UNUSED);
  if (thin) {
    notes.push(
      `The current key${historyDays! < 1 ? " was created today" : `s go back ${Math.floor(historyDays!)} day(s) only`}: too little history to call a granted action unused (needs ${MIN_HISTORY_DAYS_FOR_UNUSED} days), so nothing is reported extra against CloudTrail`,
    );
  } else if (seen.size === 0) {
    notes.push(`No ECR calls in CloudTrail over the last ${windowDays} days: every granted action counts as unused`);
  }
  if (unknown.size > 0) notes.push(`Ignored event names that are not ECR IAM actions: ${[...unknown].sort().join(", ")}`);
  return {
    kind: "cloudtrail",
    label: `actions seen in CloudTrail (${windowDays} days)`,
    actions: [...seen].sort(),
    notes,
    ...(thin ? { judgesUnused: false } : {}),
  };
}

function missingReason(baseline: Baseline, verdict: EffectiveActions["byAction"][string]): string {
  const why = verdict.status === "denied" ? verdict.reason : verdict.reason.replace(/^no statement allows it \(implicit deny\)$/, "no statement allows it");
  const where = baseline.kind === "cloudtrail" ? "was used in the window" : `is in ${baseline.label}`;
  let text = `${verdict.action} ${where} but ${why}`;
  const effect = PUSH_FAILURE_EFFECT[verdict.action];
  if (effect) text += `; pushes will fail: ${effect}`;
  return text;
}

function extraReason(baseline: Baseline, verdict: EffectiveActions["byAction"][string]): string {
  const grant = verdict.grants[0];
  const by = grant ? describeProvenance(grant) : "a policy";
  if (baseline.kind === "cloudtrail") return `${verdict.action} is allowed by ${by} but was not used in the window`;
  return `${verdict.action} is allowed by ${by} but is not in ${baseline.label}`;
}

/** Compare the effective set with one baseline. */
export function computeDrift(effective: EffectiveActions, baseline: Baseline): DriftReport {
  const inBaseline = new Set(baseline.actions);
  const critical = new Set(PUSH_CRITICAL_ACTIONS);
  const missing: DriftItem[] = [];
  const uncertain: DriftItem[] = [];
  const extra: DriftItem[] = [];

  for (const action of baseline.actions) {
    const v = effective.byAction[action];
    if (!v) continue;
    if (v.status === "allowed" || v.status === "allowed-scoped") continue;
    if (v.status === "conditionally-allowed" || v.status === "conditionally-denied") {
      uncertain.push({
        action,
        status: v.status,
        reason: `${action}: ${v.reason}${critical.has(action) ? (v.status === "conditionally-allowed" ? "; pushes fail whenever the condition does not hold" : "; pushes fail whenever the Deny applies") : ""}`,
        breaksPush: critical.has(action),
        provenance: [...v.grants, ...v.denies],
      });
      continue;
    }
    missing.push({
      action,
      status: v.status,
      reason: missingReason(baseline, v),
      breaksPush: critical.has(action),
      provenance: [...v.denies, ...v.ineffectiveGrants],
    });
  }
  for (const action of baseline.judgesUnused === false ? [] : effective.allowed) {
    if (inBaseline.has(action)) continue;
    const v = effective.byAction[action];
    extra.push({ action, status: v.status, reason: extraReason(baseline, v), breaksPush: false, provenance: v.grants });
  }
  const notes = [...baseline.notes];
  if (effective.errors.length > 0) {
    notes.push(
      `Could not read ${effective.errors.map((e) => e.source.policyName).join(", ")}: missing actions may be granted there`,
    );
  }
  return {
    baseline: baseline.kind,
    label: baseline.label,
    missing,
    extra,
    uncertain,
    extraNonEcr: effective.otherGrants,
    clean: missing.length === 0 && extra.length === 0 && uncertain.length === 0 && effective.otherGrants.length === 0,
    incomplete: effective.errors.length > 0,
    notes,
  };
}

/** Push-critical actions the user lacks, the question behind the doctor's access-denied check. */
export function findMissingPushActions(effective: EffectiveActions): DriftItem[] {
  const baseline: Baseline = {
    kind: "minimal-push",
    label: "the actions the guide's workflow needs",
    actions: [...PUSH_CRITICAL_ACTIONS],
    notes: [],
  };
  const report = computeDrift(effective, baseline);
  return [...report.missing, ...report.uncertain];
}
