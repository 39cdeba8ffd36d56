import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { invalidatePosture, readExpectedPolicy as loadExpectedPolicy, readKeys as loadKeys, readPosture as loadPosture, readSecrets as loadSecrets, type PostureContext } from "./posture";
import { runDoctorChecks } from "../judgements/posture/doctor-checks";
import { toSnapshot as toPostureSnapshot } from "./doctor";
import { buildPolicyView } from "./policy";
import { correlateParts as correlateSection } from "./credentials";
import { applyExpectedPolicy } from "../operations/policy/apply-expected-policy";
import { reviewDigest } from "../judgements/posture/policy-diff";
import { GUIDE_PUSH_POLICY } from "../judgements/posture/ecr-actions";
import { parseConfig } from "../infra/config/env";
import { openDb } from "../infra/db/open-db";
import fs from "node:fs";
import { createGitHubClient } from "../integrations/clients/github-client";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../sandbox/constants";
import os from "node:os";
import path from "node:path";

let sb: TestSandbox;
let deps: PostureContext;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(async () => {
  await sb.admin("DELETE", "/_sandbox/faults");
  deps = { clients: sb.clients, cache: new TtlCache(), userName: "github-ecr-push", policyName: "ecr-push-policy" };
});

const checksOf = (p: Awaited<ReturnType<typeof loadPosture>>) => runDoctorChecks(toPostureSnapshot(p, { now: new Date(), userName: "github-ecr-push", region: "us-east-1" }));

// Octokit's retry plugin waits 1 s, then 4 s; one retry keeps the GitHub-down tests quick.
const withQuickGithub = (d: PostureContext): PostureContext => ({
  ...d,
  clients: { ...d.clients, github: createGitHubClient({ baseUrl: `${sb.url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 1, log: { warn: () => {} } }) },
});

describe("readPosture against the seeded sandbox", () => {
  it("reads keys, policies, identity, secrets and variables in one parallel load", async () => {
    const p = await loadPosture(deps);
    expect(p.keys.ok && p.keys.data.map((k) => k.status)).toEqual(["Active"]);
    expect(p.policies.ok && p.policies.data.map((x) => x.source.policyName)).toEqual(["ecr-push-policy"]);
    expect(p.identity.ok && p.identity.data.account).toBe("123456789012");
    expect(p.secrets.ok && p.secrets.data.map((s) => s.name).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(p.variables.ok && p.variables.data.find((v) => v.name === "AWS_REGION")?.value).toBe("us-east-1");
    expect(p.expected.ok && p.expected.data.origin).toBe("guide");
    expect(p.repositories.ok && p.repositories.data.length).toBeGreaterThan(0);
  });

  it("pages through 90 days of CloudTrail for the key, newest first, with the seeded AccessDenied errors", async () => {
    const p = await loadPosture(deps);
    if (!p.activity.ok) throw new Error(p.activity.failure.message);
    const events = p.activity.data.events;
    expect(events.length).toBeGreaterThan(50); // more than one LookupEvents page
    const times = events.map((e) => Date.parse(String(e.time)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const denied = events.filter((e) => e.errorCode === "AccessDeniedException");
    expect(denied.length).toBeGreaterThan(0);
    expect(new Set(denied.map((e) => e.eventName))).toEqual(new Set(["CompleteLayerUpload", "ListImages"]));
    const checks = checksOf(p);
    const accessDenied = checks.find((c) => c.id === "access-denied")!;
    expect(accessDenied.status).toBe("fail");
    expect(accessDenied.summary).toContain("ecr:CompleteLayerUpload");
    expect(accessDenied.evidence.join("\n")).toMatch(/CloudTrail .*: CompleteLayerUpload → AccessDeniedException/);
  });

  it("a later CloudTrail page that fails keeps the history read before it and names the gap", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "503", count: -1, skip: 1 });
    const p = await loadPosture(deps);
    if (!p.activity.ok) throw new Error(`the activity part failed: ${p.activity.failure.message}`);
    expect(p.activity.data.events.length).toBe(50);
    expect(p.activity.data.gaps).toHaveLength(1);
    expect(p.activity.data.gaps[0].failure).toMatchObject({ service: "cloudtrail", call: "LookupEvents", kind: "unavailable" });
    expect(p.activity.data.gaps[0].missingBefore).toBe(String(p.activity.data.events[49].time));
  });

  it("shows the seeded drift by name against the guide's policy", async () => {
    const p = await loadPosture(deps);
    if (!p.policies.ok) throw new Error(p.policies.failure.message);
    const view = buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region: "us-east-1", policyName: "ecr-push-policy" });
    const expected = view.drift.find((d) => d.baseline === "expected")!;
    expect(expected.missing.map((m) => m.action)).toEqual(["ecr:CompleteLayerUpload"]);
    expect(expected.extra.map((m) => m.action).sort()).toEqual(["ecr:BatchDeleteImage", "ecr:DeleteRepository"]);
  });

  it("a throttled ListAccessKeys is retried by the SDK and the section loads", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "iam", operation: "ListAccessKeys", kind: "throttle", count: 2 });
    const keys = await loadKeys(deps);
    expect(keys.ok).toBe(true);
  });

  it("throttling that never stops becomes a section error naming IAM ListAccessKeys; other sections still load", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "iam", operation: "ListAccessKeys", kind: "throttle", count: -1 });
    const p = await loadPosture(deps);
    expect(p.keys.ok).toBe(false);
    if (!p.keys.ok) {
      expect(p.keys.failure).toMatchObject({ service: "iam", call: "ListAccessKeys", kind: "throttled" });
      expect(p.keys.failure.message).toBe("IAM ListAccessKeys was throttled and still failed after retries with backoff");
      expect(p.keys.failure.message).not.toMatch(/Rate exceeded/);
    }
    // The activity needs the key list, so it reports the same cause; the rest is unaffected.
    expect(!p.activity.ok && p.activity.failure.call).toBe("ListAccessKeys");
    expect(p.policies.ok).toBe(true);
    expect(p.secrets.ok).toBe(true);
    const checks = checksOf(p);
    expect(checks.find((c) => c.id === "invalid-access-key")?.status).toBe("unknown");
    expect(checks.find((c) => c.id === "access-denied")?.status).toBe("fail");
  });

  it("CloudTrail denied: the activity says so, the policy drops only the CloudTrail baseline, the key correlation carries a caveat", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "access-denied", count: -1 });
    const p = await loadPosture(deps);
    expect(!p.activity.ok && p.activity.failure.message).toBe("CloudTrail LookupEvents was refused: Deckhand's credentials are not allowed to make it");
    if (!p.policies.ok) throw new Error("policies");
    const view = buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region: "us-east-1", policyName: "ecr-push-policy" });
    expect(view.drift.map((d) => d.baseline)).toEqual(["expected", "minimal-push"]);
    expect(view.baselineErrors).toEqual([{ label: "actions seen in CloudTrail", message: "CloudTrail LookupEvents was refused: Deckhand's credentials are not allowed to make it" }]);
    const held = correlateSection({ ...p, now: new Date() });
    expect(held.ok && held.data.caveats[0]).toMatch(/^Without CloudTrail \(CloudTrail LookupEvents was refused/);
    expect(held.ok && held.data.correlation.mostLikely?.accessKeyId).toBe(p.keys.ok && p.keys.data[0].accessKeyId);
  });

  it("GitHub down: secrets, variables and runs fail by name while IAM-based checks still judge", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "*", kind: "503", count: -1 });
    const p = await loadPosture(withQuickGithub(deps));
    expect(!p.secrets.ok && p.secrets.failure.message).toBe("GitHub list repository secrets failed: GitHub is unreachable right now (server errors, still failing after retries)");
    expect(!p.variables.ok && p.variables.failure.kind).toBe("unavailable");
    expect(!p.runs.ok && p.runs.failure.call).toBe("list workflow runs");
    expect(p.keys.ok && p.policies.ok).toBe(true);
    const checks = Object.fromEntries(checksOf(p).map((c) => [c.id, c.status]));
    expect(checks).toMatchObject({ "credential-error": "unknown", "aws-region-not-found": "unknown", "access-denied": "fail", "secret-access-key-not-found": "unknown" });
  });

  it("caches reads until invalidated (the Refresh button)", async () => {
    deps = withQuickGithub(deps);
    const first = await loadSecrets(deps);
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "*", kind: "500", count: -1 });
    const cached = await loadSecrets(deps);
    expect(cached.ok && first.ok && cached.data).toEqual(first.ok && first.data);
    invalidatePosture(deps.cache);
    const after = await loadSecrets(deps);
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.failure.message).toMatch(/^GitHub list repository secrets/);
  });
});

describe("the expected policy from DECKHAND_EXPECTED_POLICY", () => {
  it("is read from the file, and a missing or broken file is a named section error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-expected-"));
    try {
      const file = path.join(dir, "team-policy.json");
      fs.writeFileSync(file, JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:Describe*"], Resource: "*" }] }));
      const fromFile = await loadExpectedPolicy({ ...deps, expectedPolicyPath: file });
      expect(fromFile.ok && fromFile.data).toMatchObject({ origin: "file", label: "team-policy.json" });
      const p = await loadPosture(deps);
      if (!p.policies.ok) throw new Error("policies");
      const view = buildPolicyView({ policies: p.policies.data, expected: fromFile, activity: p.activity, identity: p.identity, repositories: p.repositories, region: "us-east-1", policyName: "ecr-push-policy" });
      const drift = view.drift.find((d) => d.baseline === "expected")!;
      expect(drift.label).toBe("expected policy (team-policy.json)");
      // ecr:Describe* expands to every Describe action; the user holds only the two the guide lists.
      const missing = drift.missing.map((m) => m.action);
      expect(missing).toContain("ecr:DescribeRegistry");
      expect(missing.every((a) => a.startsWith("ecr:Describe"))).toBe(true);
      expect(missing).not.toContain("ecr:DescribeImages");
      expect(drift.extra.map((e) => e.action)).toContain("ecr:PutImage");

      const absent = await loadExpectedPolicy({ ...deps, expectedPolicyPath: path.join(dir, "nope.json") });
      expect(!absent.ok && absent.failure.message).toBe("Deckhand read of DECKHAND_EXPECTED_POLICY reported that the resource does not exist");
      fs.writeFileSync(file, "{ not json");
      const broken = await loadExpectedPolicy({ ...deps, expectedPolicyPath: file });
      expect(!broken.ok && broken.failure.kind).toBe("bad-data");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("applyExpectedPolicy", () => {
  it("refuses a stale review, then puts the guide's policy so drift reads clean and access-denied passes", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-apply-"));
    const db = openDb(dataDir);
    const config = parseConfig({ DECKHAND_MODE: "sandbox", DECKHAND_DATA_DIR: dataDir });
    const ctx = { clients: sb.clients, actor: { login: "octo-operator", role: "operator" as const }, db, config, cache: deps.cache };
    try {
      await expect(applyExpectedPolicy(ctx, { reviewed: "0".repeat(32) })).rejects.toThrow(/changed since the diff was shown/);
      const before = await loadPosture(deps);
      const current = before.policies.ok ? before.policies.data[0].document : null;
      const result = await applyExpectedPolicy(ctx, { reviewed: reviewDigest(current, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>) });
      expect(result.addedActions).toEqual(["ecr:CompleteLayerUpload"]);
      expect(result.removedActions.sort()).toEqual(["ecr:BatchDeleteImage", "ecr:DeleteRepository"]);
      const p = await loadPosture(deps);
      if (!p.policies.ok) throw new Error("policies");
      const view = buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, identity: p.identity, repositories: p.repositories, region: "us-east-1", policyName: "ecr-push-policy" });
      const expected = view.drift.find((d) => d.baseline === "expected")!;
      expect(expected.missing).toEqual([]);
      expect(expected.extra).toEqual([]);
      expect(view.diff?.ok && view.diff.diff.identical).toBe(true);
      const checks = checksOf(p);
      expect(checks.find((c) => c.id === "access-denied")?.status).toBe("pass");
    } finally {
      db.close();
      await sb.admin("POST", "/_sandbox/reset");
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
