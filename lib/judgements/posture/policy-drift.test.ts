import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY, MINIMAL_PUSH_ACTIONS } from "./ecr-actions";
import { computeEffectiveActions, type PolicyInput } from "./effective-actions";
import {
  buildCloudTrailBaseline,
  buildExpectedBaseline,
  buildMinimalPushBaseline,
  computeDrift,
  findMissingPushActions,
  type Baseline,
} from "./policy-drift";

const guideActions = [...GUIDE_PUSH_POLICY.Statement[0].Action];
const inline = (Statement: unknown[], policyName = "ecr-push-policy"): PolicyInput => ({
  source: { kind: "inline", policyName },
  document: encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement })),
});
const expected = (): Baseline => {
  const r = buildExpectedBaseline();
  if (!r.ok) throw new Error(r.error.message);
  return r.baseline;
};

// The drift a careless edit produces: PutImage dropped, DeleteRepository added.
const drifted = inline([
  { Effect: "Allow", Action: [...guideActions.filter((a) => a !== "ecr:PutImage"), "ecr:DeleteRepository"], Resource: "*" },
]);

describe("baselines", () => {
  it("the default expected baseline is the guide's 11 actions", () => {
    const b = expected();
    expect(b.actions).toEqual([...guideActions].sort());
    expect(b.label).toBe("the guide's ecr-push-policy");
  });

  it("an override document can be URL-encoded and uses wildcards", () => {
    const r = buildExpectedBaseline(encodeURIComponent('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*Layer*","Resource":"*"}]}'), "team.json");
    expect(r.ok && r.baseline.actions.length).toBe(5);
    expect(r.ok && r.baseline.label).toBe("expected policy (team.json)");
  });

  it("a broken override is an error, not an empty baseline", () => {
    const r = buildExpectedBaseline("{not json", "bad.json");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe("bad-json");
  });

  it("the minimal push set is AWS's seven actions", () => {
    expect(buildMinimalPushBaseline().actions).toEqual([...MINIMAL_PUSH_ACTIONS].sort());
  });

  it("the CloudTrail baseline keeps only ECR events, canonicalised and deduplicated", () => {
    const b = buildCloudTrailBaseline([
      { eventName: "GetAuthorizationToken", eventSource: "ecr.amazonaws.com" },
      { eventName: "PutImage", eventSource: "ecr.amazonaws.com" },
      { eventName: "PutImage", eventSource: "ecr.amazonaws.com", errorCode: "AccessDenied" },
      { eventName: "GetCallerIdentity", eventSource: "sts.amazonaws.com" },
      { eventName: "PutImage", eventSource: "ecr-public.amazonaws.com" },
      { eventName: "DoSomethingNew", eventSource: "ecr.amazonaws.com" },
    ]);
    expect(b.actions).toEqual(["ecr:GetAuthorizationToken", "ecr:PutImage"]);
    expect(b.notes.join()).toMatch(/DoSomethingNew/);
  });

  it("accepts bare event names and drops events outside the window when given now", () => {
    expect(buildCloudTrailBaseline(["PutImage", "putimage", "GetAuthorizationToken"]).actions).toEqual(["ecr:GetAuthorizationToken", "ecr:PutImage"]);
    const b = buildCloudTrailBaseline(
      [
        { eventName: "PutImage", eventSource: "ecr.amazonaws.com", time: "2026-11-24T00:00:00Z" },
        { eventName: "DeleteRepository", eventSource: "ecr.amazonaws.com", time: "2026-08-01T00:00:00Z" },
        { eventName: "BatchGetImage", eventSource: "ecr.amazonaws.com", time: "not a time" },
      ],
      90,
      "2026-11-25T00:00:00Z",
    );
    expect(b.actions).toEqual(["ecr:PutImage"]);
  });

  it("an empty CloudTrail window says so", () => {
    const b = buildCloudTrailBaseline([], 90);
    expect(b.actions).toEqual([]);
    expect(b.notes[0]).toMatch(/No ECR calls in CloudTrail over the last 90 days/);
  });
});

describe("computeDrift", () => {
  it("the guide's own policy is clean against the guide", () => {
    const e = computeEffectiveActions([inline([...GUIDE_PUSH_POLICY.Statement])]);
    const d = computeDrift(e, expected());
    expect(d.clean).toBe(true);
    expect(d.missing).toEqual([]);
    expect(d.extra).toEqual([]);
  });

  it("names the missing and extra actions of the seeded drift, and that pushes will fail", () => {
    const d = computeDrift(computeEffectiveActions([drifted]), expected());
    expect(d.clean).toBe(false);
    expect(d.missing.map((m) => m.action)).toEqual(["ecr:PutImage"]);
    expect(d.missing[0].breaksPush).toBe(true);
    expect(d.missing[0].reason).toMatch(/ecr:PutImage is in the guide's ecr-push-policy but no statement allows it; pushes will fail: docker push fails when writing the image manifest/);
    expect(d.extra.map((m) => m.action)).toEqual(["ecr:DeleteRepository"]);
    expect(d.extra[0].reason).toBe("ecr:DeleteRepository is allowed by inline policy ecr-push-policy, statement 1 but is not in the guide's ecr-push-policy");
  });

  it("against the minimal push set, the workflow extras are extra but nothing is missing for the guide policy", () => {
    const e = computeEffectiveActions([inline([...GUIDE_PUSH_POLICY.Statement])]);
    const d = computeDrift(e, buildMinimalPushBaseline());
    expect(d.missing).toEqual([]);
    expect(d.extra.map((x) => x.action).sort()).toEqual(
      ["ecr:CreateRepository", "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer"],
    );
  });

  it("against CloudTrail of keys days old (right after a rotation) nothing is called extra; a missing used action still is", () => {
    const e = computeEffectiveActions([inline([...GUIDE_PUSH_POLICY.Statement])]);
    const events = [{ eventName: "GetAuthorizationToken", eventSource: "ecr.amazonaws.com", time: "2026-12-01T10:00:00Z" }];
    const fresh = computeDrift(e, buildCloudTrailBaseline(events, 90, "2026-12-02T00:00:00Z", "2026-11-30T00:00:00Z"));
    expect(fresh.extra).toEqual([]);
    expect(fresh.notes.join()).toMatch(/go back 2 day\(s\) only: too little history to call a granted action unused/);
    // 40 days of history: the granted but never seen actions are extra.
    const old = computeDrift(e, buildCloudTrailBaseline(events, 90, "2026-12-02T00:00:00Z", "2026-10-23T00:00:00Z"));
    expect(old.extra.length).toBeGreaterThan(0);
    expect(old.extra.map((x) => x.action)).not.toContain("ecr:GetAuthorizationToken");
    // A used action the policy no longer grants is missing however short the history.
    const narrowed = computeEffectiveActions([inline([{ Effect: "Allow", Action: guideActions.filter((a) => a !== "ecr:GetAuthorizationToken"), Resource: "*" }])]);
    expect(computeDrift(narrowed, buildCloudTrailBaseline(events, 90, "2026-12-02T00:00:00Z", "2026-11-30T00:00:00Z")).missing.map((m) => m.action)).toEqual(["ecr:GetAuthorizationToken"]);
  });

  it("a missing non-push action does not break pushes", () => {
    const e = computeEffectiveActions([inline([{ Effect: "Allow", Action: guideActions.filter((a) => a !== "ecr:GetDownloadUrlForLayer"), Resource: "*" }])]);
    const d = computeDrift(e, expected());
    expect(d.missing).toHaveLength(1);
    expect(d.missing[0].breaksPush).toBe(false);
    expect(d.missing[0].reason).not.toMatch(/pushes will fail/);
  });

  it("explicitly denied baseline actions are missing with the denying statement as provenance", () => {
    const e = computeEffectiveActions([
      inline([...GUIDE_PUSH_POLICY.Statement]),
      inline([{ Sid: "Freeze", Effect: "Deny", Action: "ecr:Put*", Resource: "*" }], "freeze"),
    ]);
    const d = computeDrift(e, expected());
    expect(d.missing.map((m) => m.action)).toEqual(["ecr:PutImage"]);
    expect(d.missing[0].status).toBe("denied");
    expect(d.missing[0].provenance[0].source.policyName).toBe("freeze");
    expect(d.missing[0].reason).toMatch(/explicitly denied by inline policy freeze, statement 1 \(Sid Freeze\)/);
  });

  it("conditional grants are uncertain, not missing and not allowed", () => {
    const e = computeEffectiveActions([
      inline([
        { Effect: "Allow", Action: guideActions.filter((a) => a !== "ecr:PutImage"), Resource: "*" },
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
      ]),
    ]);
    const d = computeDrift(e, expected());
    expect(d.missing).toEqual([]);
    expect(d.uncertain.map((u) => u.action)).toEqual(["ecr:PutImage"]);
    expect(d.uncertain[0].reason).toMatch(/pushes fail whenever the condition does not hold/);
    expect(d.clean).toBe(false);
  });

  it("a conditional Deny fails pushes when it applies, not when it does not", () => {
    const e = computeEffectiveActions([
      inline([
        { Effect: "Allow", Action: guideActions, Resource: "*" },
        { Effect: "Deny", Action: "ecr:PutImage", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]),
    ]);
    const d = computeDrift(e, expected());
    expect(d.uncertain.map((u) => [u.action, u.status])).toEqual([["ecr:PutImage", "conditionally-denied"]]);
    expect(d.uncertain[0].reason).toMatch(/pushes fail whenever the Deny applies/);
    expect(d.uncertain[0].reason).not.toMatch(/does not apply/);
  });

  it("CloudTrail drift: unused grants are extra, used-but-now-missing actions are missing", () => {
    const e = computeEffectiveActions([drifted]);
    const b = buildCloudTrailBaseline(
      ["GetAuthorizationToken", "PutImage", "BatchCheckLayerAvailability"].map((eventName) => ({ eventName, eventSource: "ecr.amazonaws.com" })),
    );
    const d = computeDrift(e, b);
    expect(d.missing.map((m) => m.action)).toEqual(["ecr:PutImage"]);
    expect(d.missing[0].reason).toMatch(/^ecr:PutImage was used in the window but/);
    expect(d.extra.map((x) => x.action)).toContain("ecr:DeleteRepository");
    expect(d.extra.find((x) => x.action === "ecr:DeleteRepository")!.reason).toMatch(/was not used in the window/);
  });

  it("non-ECR grants are extra privilege and unreadable documents mark the report incomplete", () => {
    const e = computeEffectiveActions([
      inline([{ Effect: "Allow", Action: [...guideActions, "s3:*"], Resource: "*" }]),
      { source: { kind: "attached", policyName: "mystery" }, document: "%7B" },
    ]);
    const d = computeDrift(e, expected());
    expect(d.extraNonEcr.map((g) => g.pattern)).toEqual(["s3:*"]);
    expect(d.clean).toBe(false);
    expect(d.incomplete).toBe(true);
    expect(d.notes.join()).toMatch(/Could not read mystery/);
  });
});

describe("findMissingPushActions", () => {
  it("names each push-critical action the user lacks", () => {
    const e = computeEffectiveActions([inline([{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:*Layer*"], Resource: "*" }])]);
    expect(findMissingPushActions(e).map((m) => m.action).sort()).toEqual(
      ["ecr:BatchGetImage", "ecr:CreateRepository", "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:PutImage"],
    );
  });

  it("is empty for the guide's policy", () => {
    expect(findMissingPushActions(computeEffectiveActions([inline([...GUIDE_PUSH_POLICY.Statement])]))).toEqual([]);
  });
});
