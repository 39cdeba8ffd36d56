import { describe, expect, it } from "vitest";
import { evaluatePolicies, parsePolicyDocument, wildcardMatch, type PolicyDocument } from "./policy";

const doc = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const repo = "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp";

describe("evaluatePolicies", () => {
  it("denies implicitly when nothing allows", () => {
    expect(evaluatePolicies([], "ecr:PutImage", repo)).toBe("implicit-deny");
    expect(evaluatePolicies([doc({ Effect: "Allow", Action: "ecr:DescribeImages", Resource: "*" })], "ecr:PutImage", repo)).toBe("implicit-deny");
  });
  it("matches actions case-insensitively with wildcards", () => {
    const d = doc({ Effect: "Allow", Action: ["ECR:put*", "ecr:Batch?etImage"], Resource: "*" });
    expect(evaluatePolicies([d], "ecr:PutImage", repo)).toBe("allow");
    expect(evaluatePolicies([d], "ecr:BatchGetImage", repo)).toBe("allow");
    expect(evaluatePolicies([d], "ecr:BatchDeleteImage", repo)).toBe("implicit-deny");
  });
  it("matches resources case-sensitively with wildcards", () => {
    const d = doc({ Effect: "Allow", Action: "ecr:*", Resource: "arn:aws:ecr:us-east-1:123456789012:repository/mcp-*" });
    expect(evaluatePolicies([d], "ecr:PutImage", repo)).toBe("allow");
    expect(evaluatePolicies([d], "ecr:PutImage", repo.replace("mcp", "MCP"))).toBe("implicit-deny");
    expect(evaluatePolicies([d], "ecr:PutImage", "arn:aws:ecr:eu-west-1:123456789012:repository/mcp-x")).toBe("implicit-deny");
  });
  it("lets an explicit deny in any policy win over allows", () => {
    const allow = doc({ Effect: "Allow", Action: "*", Resource: "*" });
    const deny = doc({ Effect: "Deny", Action: "ecr:Delete*", Resource: repo });
    expect(evaluatePolicies([allow, deny], "ecr:DeleteRepository", repo)).toBe("explicit-deny");
    expect(evaluatePolicies([allow, deny], "ecr:DeleteRepository", repo + "2")).toBe("allow");
  });
  it("supports NotAction and NotResource", () => {
    const d = doc({ Effect: "Allow", NotAction: "iam:*", NotResource: "arn:aws:ecr:*:*:repository/secret" });
    expect(evaluatePolicies([d], "ecr:PutImage", repo)).toBe("allow");
    expect(evaluatePolicies([d], "iam:CreateUser", "*")).toBe("implicit-deny");
    expect(evaluatePolicies([d], "ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:repository/secret")).toBe("implicit-deny");
  });
  it("does not apply statements with conditions", () => {
    const d = doc({ Effect: "Allow", Action: "*", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } });
    expect(evaluatePolicies([d], "ecr:PutImage", repo)).toBe("implicit-deny");
  });
});

describe("parsePolicyDocument", () => {
  it("accepts the guide's policy and a single statement object", () => {
    expect(parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "ecr:*", Resource: "*" } })).ok).toBe(true);
  });
  it("refuses malformed documents with IAM's messages", () => {
    expect(parsePolicyDocument("{not json")).toEqual({ ok: false, message: "Syntax errors in policy." });
    expect(parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: "Allow", Action: "PutImage", Resource: "*" }] }))).toMatchObject({ ok: false, message: expect.stringContaining("prefaced by a vendor") });
    expect(parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: "Allow", Action: "ecr:PutImage" }] }))).toMatchObject({ ok: false, message: "Policy statement must contain resources." });
    expect(parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: "Maybe", Action: "ecr:PutImage", Resource: "*" }] })).ok).toBe(false);
  });
});

describe("wildcardMatch", () => {
  it("escapes regex characters in patterns", () => {
    expect(wildcardMatch("arn:aws:s3:::a.b", "arn:aws:s3:::aXb", false)).toBe(false);
    expect(wildcardMatch("a?c", "abc", false)).toBe(true);
  });
});
