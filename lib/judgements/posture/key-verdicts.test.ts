import { describe, expect, it } from "vitest";
import { DEFAULT_KEY_THRESHOLDS, judgeAccessKey, judgeAccessKeys, type AccessKeyInfo } from "./key-verdicts";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time-util";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const key = (over: Partial<AccessKeyInfo> = {}): AccessKeyInfo => ({
  accessKeyId: "AKIAEXAMPLE0000001",
  status: "Active",
  createDate: ago(10 * DAY_MS),
  lastUsed: { date: ago(HOUR_MS), service: "ecr", region: "us-east-1" },
  ...over,
});
const judge = (k: AccessKeyInfo) => judgeAccessKey(k, new Date(NOW));

describe("judgeAccessKey: age", () => {
  it("a young, recently used key is ok with a factual reason", () => {
    const v = judge(key());
    expect(v.verdict).toBe("ok");
    expect(v.severity).toBe("ok");
    expect(v.ageDays).toBe(10);
    expect(v.reason).toBe("created 10 days ago (2026-11-15), last used less than a day ago (ecr in us-east-1)");
    expect(v.findings).toEqual([]);
  });

  it("the 97-day key must be rotated", () => {
    const v = judge(key({ createDate: ago(97 * DAY_MS) }));
    expect(v.verdict).toBe("rotate");
    expect(v.severity).toBe("fail");
    expect(v.reason).toBe("created 97 days ago (2026-08-20); rotate at 90 days");
  });

  it("exactly 90 days is rotate, one millisecond less is warn", () => {
    expect(judge(key({ createDate: ago(90 * DAY_MS) })).verdict).toBe("rotate");
    const just = judge(key({ createDate: ago(90 * DAY_MS - 1) }));
    expect(just.verdict).toBe("warn");
    expect(just.ageDays).toBe(89);
    expect(just.reason).toMatch(/rotation due in 1 day$/);
  });

  it("exactly 75 days is warn, 74 days is ok", () => {
    expect(judge(key({ createDate: ago(75 * DAY_MS) })).verdict).toBe("warn");
    expect(judge(key({ createDate: ago(75 * DAY_MS - 1) })).verdict).toBe("ok");
  });

  it("honours custom thresholds", () => {
    const v = judgeAccessKey(key({ createDate: ago(31 * DAY_MS) }), NOW_ISO(), { ...DEFAULT_KEY_THRESHOLDS, rotateAfterDays: 30, warnAfterDays: 20 });
    expect(v.verdict).toBe("rotate");
  });
});

function NOW_ISO() {
  return new Date(NOW).toISOString();
}

describe("judgeAccessKey: use", () => {
  it("exactly 45 days since last use is unused; 44 is fine", () => {
    const unused = judge(key({ lastUsed: { date: ago(45 * DAY_MS), service: "ecr", region: "us-east-1" }, createDate: ago(60 * DAY_MS) }));
    expect(unused.verdict).toBe("unused");
    expect(unused.reason).toMatch(/last used 45 days ago \(ecr in us-east-1\)/);
    expect(judge(key({ createDate: ago(60 * DAY_MS), lastUsed: { date: ago(44 * DAY_MS + 23 * HOUR_MS), service: "ecr", region: null } })).verdict).toBe("ok");
  });

  it("a key created minutes ago and never used is new, not a failure", () => {
    const v = judge(key({ createDate: ago(3 * MINUTE_MS), lastUsed: { date: null, service: null, region: null } }));
    expect(v.verdict).toBe("new");
    expect(v.severity).toBe("info");
    expect(v.reason).toMatch(/created 3 min ago and not used yet/);
  });

  it("never used past the grace is never-used: warn, then fail from the unused threshold", () => {
    const twoDays = judge(key({ createDate: ago(2 * DAY_MS), lastUsed: null }));
    expect(twoDays.verdict).toBe("never-used");
    expect(twoDays.severity).toBe("warn");
    const old = judge(key({ createDate: ago(50 * DAY_MS), lastUsed: { date: null, service: "N/A", region: "N/A" } }));
    expect(old.verdict).toBe("never-used");
    expect(old.severity).toBe("fail");
    expect(old.reason).toMatch(/active for 50 days and never used/);
  });

  it("an old and unused key leads with rotate and keeps the unused finding", () => {
    const v = judge(key({ createDate: ago(120 * DAY_MS), lastUsed: { date: ago(100 * DAY_MS), service: "ecr", region: "us-east-1" } }));
    expect(v.verdict).toBe("rotate");
    expect(v.findings.map((f) => f.code)).toEqual(["rotate", "unused"]);
  });
});

describe("judgeAccessKey: inactive and bad data", () => {
  it("an inactive key is inactive regardless of age; old ones are a warning to delete", () => {
    const recent = judge(key({ status: "Inactive", createDate: ago(20 * DAY_MS) }));
    expect(recent.verdict).toBe("inactive");
    expect(recent.severity).toBe("info");
    expect(recent.active).toBe(false);
    const old = judge(key({ status: "Inactive", createDate: ago(400 * DAY_MS), lastUsed: { date: ago(300 * DAY_MS), service: "ecr", region: "us-east-1" } }));
    expect(old.verdict).toBe("inactive");
    expect(old.severity).toBe("warn");
    expect(old.reason).toMatch(/Delete it \(guide: Managing Access Keys/);
    expect(old.findings.map((f) => f.code)).not.toContain("rotate");
  });

  it("reads status case-insensitively and treats Expired as not active", () => {
    expect(judge(key({ status: "active" })).active).toBe(true);
    const expired = judge(key({ status: "Expired" }));
    expect(expired.verdict).toBe("inactive");
    expect(expired.reason).toMatch(/^expired/);
  });

  it("a creation date in the future is clock skew with age 0", () => {
    const v = judge(key({ createDate: new Date(NOW + 2 * HOUR_MS).toISOString(), lastUsed: null }));
    expect(v.verdict).toBe("clock-skew");
    expect(v.ageDays).toBe(0);
    expect(v.reason).toMatch(/created 2 h in the future/);
  });

  it("a future date within the tolerance is just noise", () => {
    const v = judge(key({ createDate: new Date(NOW + 2 * MINUTE_MS).toISOString(), lastUsed: null }));
    expect(v.verdict).toBe("new");
    expect(v.ageDays).toBe(0);
  });

  it("last use in the future or before creation is reported", () => {
    const future = judge(key({ lastUsed: { date: new Date(NOW + DAY_MS).toISOString(), service: "ecr", region: "us-east-1" } }));
    expect(future.verdict).toBe("clock-skew");
    expect(future.daysSinceLastUse).toBe(0);
    const before = judge(key({ createDate: ago(5 * DAY_MS), lastUsed: { date: ago(6 * DAY_MS), service: "ecr", region: "us-east-1" } }));
    expect(before.verdict).toBe("invalid-data");
    expect(before.reason).toMatch(/last used before it was created/);
  });

  it("an unreadable creation date fails clearly instead of computing NaN days", () => {
    const v = judge(key({ createDate: "yesterday-ish" }));
    expect(v.verdict).toBe("invalid-data");
    expect(v.severity).toBe("fail");
    expect(v.ageDays).toBeNull();
  });
});

describe("judgeAccessKeys: account findings", () => {
  const a = key({ accessKeyId: "AKIAOLD", createDate: ago(97 * DAY_MS) });
  const b = key({ accessKeyId: "AKIANEW", createDate: ago(HOUR_MS), lastUsed: null });

  it("two active keys outside a rotation is a finding naming the older key", () => {
    const j = judgeAccessKeys({ keys: [a, b], now: NOW_ISO() });
    expect(j.account).toHaveLength(1);
    expect(j.account[0].code).toBe("two-active-keys");
    expect(j.account[0].message).toMatch(/the older is AKIAOLD \(97 days\)/);
    expect(j.keys.map((k) => k.verdict)).toEqual(["rotate", "new"]);
  });

  it("during a rotation two active keys are expected", () => {
    const j = judgeAccessKeys({ keys: [a, b], now: NOW_ISO(), rotationInProgress: true });
    expect(j.account.map((f) => [f.code, f.severity])).toEqual([["rotation-in-progress", "info"]]);
  });

  it("one active and one inactive key is fine", () => {
    const j = judgeAccessKeys({ keys: [a, { ...b, status: "Inactive" }], now: NOW_ISO() });
    expect(j.account).toEqual([]);
  });

  it("no keys, or no active key, fails", () => {
    expect(judgeAccessKeys({ keys: [], now: NOW_ISO() }).account[0].code).toBe("no-keys");
    const j = judgeAccessKeys({ keys: [{ ...a, status: "Inactive" }], now: NOW_ISO() });
    expect(j.account[0].code).toBe("no-active-key");
    expect(j.account[0].severity).toBe("fail");
  });

  it("more than two keys is inconsistent data", () => {
    const j = judgeAccessKeys({ keys: [a, { ...b, status: "Inactive" }, { ...a, accessKeyId: "AKIA3", status: "Inactive" }], now: NOW_ISO() });
    expect(j.account.map((f) => f.code)).toEqual(["too-many-keys"]);
  });

  it("partial thresholds merge with the defaults", () => {
    const j = judgeAccessKeys({ keys: [key({ createDate: ago(80 * DAY_MS) })], now: NOW_ISO(), thresholds: { warnAfterDays: 85 } });
    expect(j.keys[0].verdict).toBe("ok");
  });
});
