// Access key hygiene for the push user, with the thresholds the usual audits use: rotate at 90 days (warn
// from 75), an active key unused for 45 days, an active key never used, two active keys outside a rotation.

import { HOUR_MS, MINUTE_MS, toEpochMs, utcDay, wholeDaysBetween, type TimeInput } from "./time-util";
import { formatSpan } from "../../format";

export interface AccessKeyLastUsed {
  /** null when IAM reports the key as never used ("N/A"). */
  date: TimeInput | null;
  service: string | null;
  region: string | null;
}

/** One key as ListAccessKeys + GetAccessKeyLastUsed describe it. */
export interface AccessKeyInfo {
  accessKeyId: string;
  /** IAM's status: "Active", "Inactive" (or "Expired"). */
  status: string;
  createDate: TimeInput;
  lastUsed: AccessKeyLastUsed | null;
}

export interface KeyThresholds {
  rotateAfterDays: number;
  warnAfterDays: number;
  unusedAfterDays: number;
  /** A brand-new key is not "never used" yet: GitHub may simply not have run since it was created. */
  neverUsedGraceHours: number;
  /** Timestamps this far in the future are clock noise, not skew worth reporting. */
  clockSkewToleranceMinutes: number;
}

export const DEFAULT_KEY_THRESHOLDS: KeyThresholds = {
  rotateAfterDays: 90,
  warnAfterDays: 75,
  unusedAfterDays: 45,
  neverUsedGraceHours: 24,
  clockSkewToleranceMinutes: 5,
};

export type Severity = "ok" | "info" | "warn" | "fail";

export type KeyVerdictKind =
  | "ok"
  | "new"
  | "warn"
  | "rotate"
  | "unused"
  | "never-used"
  | "inactive"
  | "clock-skew"
  | "invalid-data";

export interface KeyFinding {
  code: KeyVerdictKind;
  severity: Severity;
  message: string;
}

export interface KeyVerdict {
  accessKeyId: string;
  status: string;
  active: boolean;
  verdict: KeyVerdictKind;
  severity: Severity;
  reason: string;
  /** Whole days since creation (0 for a future date), null when the date is unreadable. */
  ageDays: number | null;
  /** Whole days since last use, null when never used or unreadable. */
  daysSinceLastUse: number | null;
  lastUsed: AccessKeyLastUsed | null;
  /** Every finding, most severe first; the verdict is the first. */
  findings: KeyFinding[];
}

export type AccountKeyFindingCode = "no-keys" | "no-active-key" | "two-active-keys" | "rotation-in-progress" | "too-many-keys";

export interface AccountKeyFinding {
  code: AccountKeyFindingCode;
  severity: Severity;
  message: string;
  accessKeyIds: string[];
}

export interface KeyJudgement {
  keys: KeyVerdict[];
  account: AccountKeyFinding[];
}

const SEVERITY_RANK: Record<Severity, number> = { fail: 3, warn: 2, info: 1, ok: 0 };
// Among equally severe findings, the one the operator must act on first leads.
const CODE_RANK: Record<KeyFinding["code"], number> = {
  "invalid-data": 8,
  rotate: 7,
  unused: 6,
  "never-used": 5,
  inactive: 4,
  "clock-skew": 3,
  warn: 2,
  new: 1,
  ok: 0,
};

export function isActiveStatus(status: string): boolean {
  return status.trim().toLowerCase() === "active";
}

function describeLastUse(lu: AccessKeyLastUsed | null): string {
  if (!lu) return "";
  const where = [lu.service, lu.region].filter((x) => x && x !== "N/A").join(" in ");
  return where ? ` (${where})` : "";
}

/** Verdict for one key at `now`. */
export function judgeAccessKey(key: AccessKeyInfo, nowInput: TimeInput, thresholds: KeyThresholds = DEFAULT_KEY_THRESHOLDS): KeyVerdict {
  const now = toEpochMs(nowInput);
  if (now === null) throw new TypeError("judgeAccessKey: now is not a valid time");
  const tolerance = thresholds.clockSkewToleranceMinutes * MINUTE_MS;
  const active = isActiveStatus(key.status);
  const findings: KeyFinding[] = [];
  const created = toEpochMs(key.createDate);
  const lastUsedAt = toEpochMs(key.lastUsed?.date ?? null);
  const lastUsedUnreadable = key.lastUsed?.date != null && key.lastUsed.date !== "" && lastUsedAt === null;

  let ageDays: number | null = null;
  if (created === null) {
    findings.push({ code: "invalid-data", severity: "fail", message: `creation date ${JSON.stringify(key.createDate)} is not a valid time` });
  } else if (created > now + tolerance) {
    ageDays = 0;
    findings.push({
      code: "clock-skew",
      severity: "warn",
      message: `created ${formatSpan(created - now)} in the future (${new Date(created).toISOString()}); check the clock of this server`,
    });
  } else {
    ageDays = Math.max(0, wholeDaysBetween(created, now));
  }

  let daysSinceLastUse: number | null = null;
  if (lastUsedUnreadable) {
    findings.push({ code: "invalid-data", severity: "warn", message: `last-used date ${JSON.stringify(key.lastUsed?.date)} is not a valid time` });
  } else if (lastUsedAt !== null) {
    if (lastUsedAt > now + tolerance) {
      findings.push({ code: "clock-skew", severity: "warn", message: `last used ${formatSpan(lastUsedAt - now)} in the future; check the clock of this server` });
      daysSinceLastUse = 0;
    } else {
      daysSinceLastUse = Math.max(0, wholeDaysBetween(lastUsedAt, now));
    }
    if (created !== null && lastUsedAt < created - tolerance) {
      findings.push({ code: "invalid-data", severity: "warn", message: "last used before it was created: IAM data is inconsistent" });
    }
  }

  const createdText = created !== null ? ` (${utcDay(created)})` : "";

  if (!active) {
    const expired = key.status.trim().toLowerCase() === "expired";
    const old = ageDays !== null && ageDays >= thresholds.rotateAfterDays;
    findings.push({
      code: "inactive",
      severity: old ? "warn" : "info",
      message: `${expired ? "expired" : "inactive"}${ageDays !== null ? `, ${ageDays} days old` : ""}; it cannot sign requests. ${old ? "Delete it" : "Delete it once the rotation is confirmed"} (guide: Managing Access Keys → Delete an old access key)`,
    });
  } else if (ageDays !== null) {
    if (ageDays >= thresholds.rotateAfterDays) {
      findings.push({ code: "rotate", severity: "fail", message: `created ${ageDays} days ago${createdText}; rotate at ${thresholds.rotateAfterDays} days` });
    } else if (ageDays >= thresholds.warnAfterDays) {
      findings.push({
        code: "warn",
        severity: "warn",
        message: `created ${ageDays} days ago${createdText}; rotation due in ${thresholds.rotateAfterDays - ageDays} day${thresholds.rotateAfterDays - ageDays === 1 ? "" : "s"}`,
      });
    }
    if (lastUsedAt === null && !lastUsedUnreadable) {
      const sinceCreated = created !== null ? now - created : 0;
      if (sinceCreated < thresholds.neverUsedGraceHours * HOUR_MS) {
        findings.push({ code: "new", severity: "info", message: `created ${formatSpan(Math.max(0, sinceCreated))} ago and not used yet; expected until the next workflow run` });
      } else {
        findings.push({
          code: "never-used",
          severity: ageDays >= thresholds.unusedAfterDays ? "fail" : "warn",
          message: `active for ${ageDays >= 2 ? `${ageDays} days` : formatSpan(sinceCreated)} and never used: GitHub is probably not holding it`,
        });
      }
    } else if (daysSinceLastUse !== null && daysSinceLastUse >= thresholds.unusedAfterDays) {
      findings.push({
        code: "unused",
        severity: "fail",
        message: `active but last used ${daysSinceLastUse} days ago${describeLastUse(key.lastUsed)}; unused keys should be deactivated after ${thresholds.unusedAfterDays} days`,
      });
    }
  }

  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || CODE_RANK[b.code] - CODE_RANK[a.code]);
  const lead = findings[0];
  const okReason = `created ${ageDays} days ago${createdText}${daysSinceLastUse !== null ? `, last used ${daysSinceLastUse === 0 ? "less than a day ago" : `${daysSinceLastUse} days ago`}${describeLastUse(key.lastUsed)}` : ""}`;
  return {
    accessKeyId: key.accessKeyId,
    status: key.status,
    active,
    verdict: lead ? lead.code : "ok",
    severity: lead ? lead.severity : "ok",
    reason: lead ? lead.message : okReason,
    ageDays,
    daysSinceLastUse,
    lastUsed: key.lastUsed,
    findings,
  };
}

/** Verdicts for all the user's keys plus the findings that only make sense across keys. */
export function judgeAccessKeys(input: {
  keys: readonly AccessKeyInfo[];
  now: TimeInput;
  thresholds?: Partial<KeyThresholds>;
  rotationInProgress?: boolean;
}): KeyJudgement {
  const thresholds = { ...DEFAULT_KEY_THRESHOLDS, ...input.thresholds };
  const keys = input.keys.map((k) => judgeAccessKey(k, input.now, thresholds));
  const account: AccountKeyFinding[] = [];
  const active = keys.filter((k) => k.active);
  if (keys.length === 0) {
    account.push({ code: "no-keys", severity: "fail", message: "The push user has no access keys: GitHub cannot hold a working one", accessKeyIds: [] });
  } else if (active.length === 0) {
    account.push({
      code: "no-active-key",
      severity: "fail",
      message: "No access key is active: every workflow run fails to authenticate",
      accessKeyIds: keys.map((k) => k.accessKeyId),
    });
  }
  if (keys.length > 2) {
    account.push({
      code: "too-many-keys",
      severity: "warn",
      message: `${keys.length} keys listed; IAM allows at most 2 per user, so the data is inconsistent`,
      accessKeyIds: keys.map((k) => k.accessKeyId),
    });
  }
  if (active.length >= 2) {
    const ids = active.map((k) => k.accessKeyId);
    if (input.rotationInProgress) {
      account.push({ code: "rotation-in-progress", severity: "info", message: "Two active keys while a rotation is in progress: expected until the old key is deactivated", accessKeyIds: ids });
    } else {
      const oldest = [...active].sort((a, b) => (b.ageDays ?? 0) - (a.ageDays ?? 0))[0];
      account.push({
        code: "two-active-keys",
        severity: "warn",
        message: `Two active keys outside a rotation: one is probably not in GitHub and doubles the exposure; the older is ${oldest.accessKeyId} (${oldest.ageDays ?? "?"} days)`,
        accessKeyIds: ids,
      });
    }
  }
  return { keys, account };
}
