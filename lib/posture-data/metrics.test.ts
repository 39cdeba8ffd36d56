import { describe, expect, it } from "vitest";
import { formatPostureMetrics } from "./metrics";
import { judgeAccessKeys } from "../posture/key-verdicts";
import type { DoctorCheck } from "./doctor-checks";

const check = (id: string, status: DoctorCheck["status"]): DoctorCheck => ({ id, title: id, error: "", status, summary: "", evidence: [], calls: [], fix: [] });

describe("formatPostureMetrics", () => {
  it("writes gauges in Prometheus text format", () => {
    const keys = judgeAccessKeys({ keys: [{ accessKeyId: "AKIAOLD", status: "Active", createDate: "2026-08-20T00:00:00Z", lastUsed: null }], now: "2026-11-25T00:00:00Z" }).keys;
    const text = formatPostureMetrics({
      keys,
      checks: [check("access-denied", "fail")],
      drift: [{ baseline: "expected", label: "", missing: [{} as never], extra: [{} as never, {} as never], uncertain: [], extraNonEcr: [], clean: false, incomplete: false, notes: [] }],
      sections: { keys: true, activity: false },
    });
    const lines = text.split("\n");
    expect(lines).toContain('deckhand_access_key_age_days{access_key_id="AKIAOLD",status="Active",verdict="rotate"} 97');
    expect(lines).toContain('deckhand_check_status{check="access-denied",status="fail"} 1');
    expect(lines).toContain('deckhand_check_status{check="access-denied",status="pass"} 0');
    expect(lines).toContain('deckhand_policy_drift_actions{baseline="expected",kind="missing"} 1');
    expect(lines).toContain('deckhand_policy_drift_actions{baseline="expected",kind="extra"} 2');
    expect(lines).toContain('deckhand_posture_section_up{section="activity"} 0');
    expect(lines.filter((l) => l.startsWith("# TYPE")).every((l) => l.endsWith(" gauge"))).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("escapes label values and omits what could not be read", () => {
    const text = formatPostureMetrics({ keys: null, checks: [check('we"ird\\id', "unknown")], drift: null, sections: {} });
    expect(text).toContain('deckhand_check_status{check="we\\"ird\\\\id",status="unknown"} 1');
    expect(text).not.toMatch(/^deckhand_access_key_age_days\{/m);
  });
});
