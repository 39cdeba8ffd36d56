import { describe, expect, it } from "vitest";
import { ECR_ACTIONS, GUIDE_PUSH_POLICY } from "./ecr-actions";
import { computeEffectiveActions, computeResourceCoverage, loadPolicies, type PolicyInput } from "./effective-actions";

const inline = (document: PolicyInput["document"], policyName = "ecr-push-policy"): PolicyInput => ({
  source: { kind: "inline", policyName },
  document,
});
const attached = (document: PolicyInput["document"], policyName: string): PolicyInput => ({
  source: { kind: "attached", policyName, policyArn: `arn:aws:iam::123456789012:policy/${policyName}`, versionId: "v2" },
  document,
});
const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });
const REPO = "arn:aws:ecr:us-east-1:123456789012:repository/app";

describe("computeEffectiveActions", () => {
  it("gives exactly the guide's 11 actions for the guide's URL-encoded policy", () => {
    const e = computeEffectiveActions([inline(encodeURIComponent(JSON.stringify(GUIDE_PUSH_POLICY)))]);
    expect(e.allowed).toEqual([...GUIDE_PUSH_POLICY.Statement[0].Action].sort());
    expect(e.byAction["ecr:PutImage"].status).toBe("allowed");
    expect(e.byAction["ecr:PutImage"].reason).toBe("allowed by inline policy ecr-push-policy, statement 1");
    expect(e.byAction["ecr:DeleteRepository"].status).toBe("not-allowed");
    expect(e.errors).toEqual([]);
  });

  it("unions inline and attached policies and records every granting statement", () => {
    const e = computeEffectiveActions([
      inline(doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "*" })),
      attached(doc({ Sid: "Pull", Effect: "Allow", Action: ["ecr:BatchGetImage", "ECR:putimage"], Resource: "*" }), "pull"),
    ]);
    expect(e.allowed).toEqual(["ecr:BatchGetImage", "ecr:PutImage"]);
    const grants = e.byAction["ecr:PutImage"].grants;
    expect(grants.map((g) => g.source.policyName)).toEqual(["ecr-push-policy", "pull"]);
    expect(grants[1].sid).toBe("Pull");
    expect(grants[1].matchedBy).toEqual(["ECR:putimage"]);
  });

  it("expands wildcards and names the pattern that matched", () => {
    const e = computeEffectiveActions([inline(doc({ Effect: "Allow", Action: ["ecr:*Layer*", "ecr:Describe*"], Resource: "*" }))]);
    expect(e.byAction["ecr:UploadLayerPart"].grants[0].matchedBy).toEqual(["ecr:*Layer*"]);
    expect(e.byAction["ecr:DescribeImages"].grants[0].matchedBy).toEqual(["ecr:Describe*"]);
    expect(e.byAction["ecr:PutImage"].status).toBe("not-allowed");
  });

  it("handles NotAction as every ECR action except", () => {
    const e = computeEffectiveActions([inline(doc({ Effect: "Allow", NotAction: ["ecr:Delete*", "ecr:Put*"], Resource: "*" }))]);
    expect(e.byAction["ecr:PutImage"].status).toBe("not-allowed");
    expect(e.byAction["ecr:DeleteRepository"].status).toBe("not-allowed");
    expect(e.byAction["ecr:GetAuthorizationToken"].status).toBe("allowed");
    expect(e.byAction["ecr:GetAuthorizationToken"].grants[0].matchedBy[0]).toMatch(/^NotAction /);
    // NotAction also hands out every other service: that is reported as extra privilege.
    expect(e.otherGrants).toHaveLength(1);
    expect(e.otherGrants[0].pattern).toMatch(/every action of every other service/);
  });

  it("an unconditional Deny on * wins over any Allow", () => {
    const e = computeEffectiveActions([
      inline(doc({ Effect: "Allow", Action: "ecr:*", Resource: "*" })),
      attached(doc({ Sid: "NoPut", Effect: "Deny", Action: "ecr:PutImage", Resource: "*" }), "guardrail"),
    ]);
    const v = e.byAction["ecr:PutImage"];
    expect(v.status).toBe("denied");
    expect(v.reason).toBe("explicitly denied by attached policy guardrail, statement 1 (Sid NoPut)");
    expect(e.denied).toEqual(["ecr:PutImage"]);
    expect(e.allowed).not.toContain("ecr:PutImage");
    expect(e.allowed).toHaveLength(ECR_ACTIONS.length - 1);
  });

  it("a Deny with a Condition only conditionally denies", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "*" },
        { Effect: "Deny", Action: "ecr:PutImage", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
      )),
    ]);
    const v = e.byAction["ecr:PutImage"];
    expect(v.status).toBe("conditionally-denied");
    expect(v.reason).toMatch(/when its condition holds/);
    expect(e.conditional).toEqual(["ecr:PutImage"]);
    expect(e.denied).toEqual([]);
  });

  it("a Deny on a narrower Resource only partly denies", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: ["ecr:PutImage", "ecr:GetAuthorizationToken"], Resource: "*" },
        { Effect: "Deny", Action: ["ecr:PutImage", "ecr:GetAuthorizationToken"], Resource: REPO },
      )),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("conditionally-denied");
    expect(e.byAction["ecr:PutImage"].reason).toContain(REPO);
    // A repository ARN cannot reach a registry-level action: that Deny does nothing to it.
    expect(e.byAction["ecr:GetAuthorizationToken"].status).toBe("allowed");
  });

  it("a Deny on every repository ARN in every region counts as a full deny", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "*" },
        { Effect: "Deny", Action: "ecr:PutImage", Resource: "arn:aws:ecr:*:*:repository/*" },
      )),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("denied");
  });

  it("an Allow with a Condition is conditionally allowed", () => {
    const e = computeEffectiveActions([
      inline(doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } })),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("conditionally-allowed");
    expect(e.allowed).toEqual([]);
  });

  it("repository-scoped grants are allowed-scoped; registry actions on an ARN grant nothing", () => {
    const e = computeEffectiveActions([
      inline(doc({ Effect: "Allow", Action: ["ecr:PutImage", "ecr:GetAuthorizationToken"], Resource: REPO })),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("allowed-scoped");
    expect(e.byAction["ecr:PutImage"].reason).toContain(REPO);
    const token = e.byAction["ecr:GetAuthorizationToken"];
    expect(token.status).toBe("not-allowed");
    expect(token.ineffectiveGrants).toHaveLength(1);
    expect(token.reason).toMatch(/needs Resource "\*"/);
    expect(e.allowed).toEqual(["ecr:PutImage"]);
  });

  it("a grant on another service's ARNs does not reach ECR", () => {
    const e = computeEffectiveActions([inline(doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:s3:::bucket/*" }))]);
    expect(e.byAction["ecr:PutImage"].status).toBe("not-allowed");
  });

  it("reports non-ECR grants as other grants", () => {
    const e = computeEffectiveActions([inline(doc({ Effect: "Allow", Action: ["s3:*", "ecr:PutImage", "*"], Resource: "*" }))]);
    expect(e.otherGrants.map((g) => g.pattern)).toEqual(["s3:*", "*"]);
    expect(e.allowed).toHaveLength(ECR_ACTIONS.length);
  });

  it("keeps readable documents and reports unreadable ones", () => {
    const e = computeEffectiveActions([
      inline("%7B%22Version", "broken"),
      attached(doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "*" }), "ok"),
      inline("", "empty"),
    ]);
    expect(e.allowed).toEqual(["ecr:PutImage"]);
    expect(e.errors.map((x) => [x.source.policyName, x.error.code])).toEqual([
      ["broken", "bad-json"],
      ["empty", "empty"],
    ]);
  });

  it("no policies at all means nothing is allowed", () => {
    const e = computeEffectiveActions([]);
    expect(e.allowed).toEqual([]);
    expect(Object.keys(e.byAction)).toHaveLength(ECR_ACTIONS.length);
    expect(e.byAction["ecr:PutImage"].reason).toBe("no statement allows it (implicit deny)");
  });

  it("accepts already loaded policies", () => {
    const { policies } = loadPolicies([inline(doc({ Effect: "Allow", Action: "ecr:BatchGetImage", Resource: "*" }))]);
    expect(computeEffectiveActions(policies).allowed).toEqual(["ecr:BatchGetImage"]);
  });
});

describe("computeResourceCoverage", () => {
  it.each([
    ["ecr:PutImage", "Resource", ["*"], "all"],
    ["ecr:PutImage", "Resource", [REPO], "some"],
    ["ecr:PutImage", "Resource", ["arn:aws:ecr:*:*:repository/*"], "all"],
    ["ecr:PutImage", "Resource", ["arn:aws:ecr:us-east-1:*:repository/*"], "some"],
    ["ecr:PutImage", "Resource", ["arn:aws:ecr:*:*:*"], "all"],
    ["ecr:PutImage", "Resource", ["arn:aws:ecr:*:*:repo*"], "some"],
    ["ecr:PutImage", "Resource", ["arn:aws:s3:::x"], "none"],
    ["ecr:PutImage", "Resource", ["not-an-arn"], "none"],
    ["ecr:GetAuthorizationToken", "Resource", ["arn:aws:ecr:*:*:*"], "none"],
    ["ecr:GetAuthorizationToken", "NotResource", [REPO], "all"],
    ["ecr:PutImage", "NotResource", [REPO], "some"],
    ["ecr:PutImage", "NotResource", ["arn:aws:s3:::x"], "all"],
    ["ecr:PutImage", "NotResource", ["*"], "none"],
  ] as const)("%s %s %j → %s", (action, mode, resources, expected) => {
    expect(computeResourceCoverage(action, mode, resources)).toBe(expected);
  });
});

describe("more Deny shapes", () => {
  it("Deny with NotAction denies every ECR action except the listed ones", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", NotAction: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], Resource: "*" },
      )),
    ]);
    expect(e.allowed).toEqual(["ecr:BatchGetImage", "ecr:GetAuthorizationToken"]);
    expect(e.byAction["ecr:PutImage"].status).toBe("denied");
    expect(e.byAction["ecr:PutImage"].denies[0].matchedBy[0]).toMatch(/^NotAction/);
  });

  it("Deny with NotResource on some repositories only partly denies repository actions", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: ["ecr:PutImage", "ecr:GetAuthorizationToken"], Resource: "*" },
        { Effect: "Deny", Action: ["ecr:PutImage", "ecr:GetAuthorizationToken"], NotResource: REPO },
      )),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("conditionally-denied");
    // "*" is not the excluded repository, so the registry-level action is denied outright.
    expect(e.byAction["ecr:GetAuthorizationToken"].status).toBe("denied");
  });

  it("an empty Resource list grants nothing and warns", () => {
    const { policies } = loadPolicies([inline(doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: [] }))]);
    expect(policies[0].policy.warnings.join()).toMatch(/Resource is an empty list/);
    expect(computeEffectiveActions(policies).allowed).toEqual([]);
  });
});

describe("narrow Deny covering a narrow Allow", () => {
  it("is a full deny when it covers every resource the grants reach", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: "ecr:PutImage", Resource: [REPO, "arn:aws:ecr:us-east-1:123456789012:repository/app-*"] },
        { Sid: "NoApp", Effect: "Deny", Action: "ecr:PutImage", Resource: "arn:aws:ecr:us-east-1:123456789012:repository/app*" },
      )),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("denied");
    expect(e.byAction["ecr:PutImage"].reason).toMatch(/\(Sid NoApp\) on every resource it is allowed on/);
  });

  it("stays partial when some granted resource escapes the Deny", () => {
    const e = computeEffectiveActions([
      inline(doc(
        { Effect: "Allow", Action: "ecr:PutImage", Resource: [REPO, "arn:aws:ecr:us-east-1:123456789012:repository/web"] },
        { Effect: "Deny", Action: "ecr:PutImage", Resource: REPO },
      )),
    ]);
    expect(e.byAction["ecr:PutImage"].status).toBe("conditionally-denied");
  });
});
