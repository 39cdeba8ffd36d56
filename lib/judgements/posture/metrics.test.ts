import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY } from "./ecr-actions";
import { computeEffectiveActions } from "./effective-actions";
import { judgeAccessKeys } from "./key-verdicts";
import { escapeHelp, escapeLabelValue, formatGaugeFamily, formatSampleValue, renderPostureMetrics } from "./metrics";
import { buildMinimalPushBaseline, computeDrift } from "./policy-drift";
import type { CheckResult } from "./doctor-checks";

const check = (id: CheckResult["id"], status: CheckResult["status"]): CheckResult => ({
  id,
  title: id,
  guideError: "",
  status,
  summary: "",
  evidence: [],
  apiCalls: [],
  failedCalls: [],
  fixSteps: [],
});

// A minimal parser of the exposition format: enough to prove the output reads back as intended.
function parse(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) {
      types[t[1]] = t[2];
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let lm: RegExpExecArray | null;
    while ((lm = re.exec(m[2] ?? ""))) labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

describe("escaping", () => {
  it("escapes label values and help text as the format requires", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
    expect(formatSampleValue(NaN)).toBe("NaN");
    expect(formatSampleValue(Infinity)).toBe("+Inf");
    expect(formatSampleValue(-1)).toBe("-1");
  });

  it("rejects invalid metric and label names", () => {
    expect(() => formatGaugeFamily({ name: "bad-name", help: "", samples: [] })).toThrow(/metric name/);
    expect(() => formatGaugeFamily({ name: "ok", help: "", samples: [{ labels: { "bad-label": "x" }, value: 1 }] })).toThrow(/label name/);
    expect(() => formatGaugeFamily({ name: "ok", help: "", samples: [{ labels: { __reserved: "x" }, value: 1 }] })).toThrow(/label name/);
  });
});

describe("renderPostureMetrics", () => {
  const now = "2026-11-25T12:00:00Z";
  const keys = judgeAccessKeys({
    keys: [
      { accessKeyId: "AKIAOLD", status: "Active", createDate: "2026-08-20T12:00:00Z", lastUsed: null },
      { accessKeyId: 'AKIA"WEIRD\\', status: "Inactive", createDate: "2026-11-20T12:00:00Z", lastUsed: null },
      { accessKeyId: "AKIABAD", status: "Active", createDate: "garbage", lastUsed: null },
    ],
    now,
  }).keys;
  const drift = [
    computeDrift(
      computeEffectiveActions([{ source: { kind: "inline", policyName: "p" }, document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...GUIDE_PUSH_POLICY.Statement[0].Action.filter((a) => a !== "ecr:PutImage"), "s3:*"], Resource: "*" }] } }]),
      buildMinimalPushBaseline(),
    ),
  ];
  const text = renderPostureMetrics({
    keys,
    checks: [check("access-denied", "fail"), check("image-not-found", "pass"), check("invalid-access-key", "unknown")],
    drift,
  });
  const { samples, types } = parse(text);

  it("declares each family once as a gauge, with HELP before TYPE, and ends with a newline", () => {
    expect(types).toEqual({
      deckhand_access_key_age_days: "gauge",
      deckhand_check_status: "gauge",
      deckhand_policy_drift_actions: "gauge",
    });
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.split("\n");
    expect(lines.indexOf("# TYPE deckhand_check_status gauge") - 1).toBe(lines.findIndex((l) => l.startsWith("# HELP deckhand_check_status ")));
  });

  it("reports key ages with escaped labels and skips unreadable dates", () => {
    const ages = samples.filter((s) => s.name === "deckhand_access_key_age_days");
    expect(ages).toEqual([
      { name: "deckhand_access_key_age_days", labels: { access_key_id: "AKIAOLD", status: "Active" }, value: 97 },
      { name: "deckhand_access_key_age_days", labels: { access_key_id: 'AKIA"WEIRD\\', status: "Inactive" }, value: 5 },
    ]);
  });

  it("maps check status to 1/0/-1", () => {
    const checks = Object.fromEntries(samples.filter((s) => s.name === "deckhand_check_status").map((s) => [s.labels.check, s.value]));
    expect(checks).toEqual({ "access-denied": 0, "image-not-found": 1, "invalid-access-key": -1 });
  });

  it("counts drift per baseline and kind", () => {
    const d = Object.fromEntries(samples.filter((s) => s.name === "deckhand_policy_drift_actions").map((s) => [`${s.labels.baseline}/${s.labels.kind}`, s.value]));
    expect(d).toEqual({ "minimal-push/missing": 1, "minimal-push/extra": 4, "minimal-push/uncertain": 0, "minimal-push/extra_non_ecr": 1 });
  });

  it("keeps HELP/TYPE with no samples when a part is unavailable", () => {
    const empty = renderPostureMetrics({ keys: null, checks: null, drift: null });
    expect(parse(empty).samples).toEqual([]);
    expect(empty.match(/^# TYPE/gm)).toHaveLength(3);
  });
});

describe("renderPostureMetrics with several repositories", () => {
  const keys = judgeAccessKeys({ keys: [{ accessKeyId: "AKIAOLD", status: "Active", createDate: "2026-08-20T12:00:00Z", lastUsed: null }], now: "2026-11-25T12:00:00Z" }).keys;
  const text = renderPostureMetrics({
    users: [{ user: "github-ecr-push", keys, drift: null }],
    repositories: [
      { repository: "acme/mcp-servers", checks: [check("access-denied", "pass")], ready: "yes" },
      { repository: 'acme/we"ird', checks: [check("access-denied", "fail")], ready: "no" },
      { repository: "acme/unread", checks: null, ready: null },
    ],
  });
  const { samples, types } = parse(text);

  it("labels checks and the push verdict by repository and keys by user, each family declared once", () => {
    expect(types).toMatchObject({ deckhand_check_status: "gauge", deckhand_push_ready: "gauge" });
    expect(text.match(/^# TYPE deckhand_check_status/gm)).toHaveLength(1);
    expect(samples.filter((s) => s.name === "deckhand_check_status")).toEqual([
      { name: "deckhand_check_status", labels: { repository: "acme/mcp-servers", check: "access-denied" }, value: 1 },
      { name: "deckhand_check_status", labels: { repository: 'acme/we"ird', check: "access-denied" }, value: 0 },
    ]);
    expect(samples.filter((s) => s.name === "deckhand_push_ready").map((s) => [s.labels.repository, s.value])).toEqual([
      ["acme/mcp-servers", 1],
      ['acme/we"ird', 0],
    ]);
    expect(samples.find((s) => s.name === "deckhand_access_key_age_days")?.labels).toEqual({ user: "github-ecr-push", access_key_id: "AKIAOLD", status: "Active" });
  });
});
