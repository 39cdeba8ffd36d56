import { describe, expect, it } from "vitest";
import { conditionHolds, evaluateTrust, parseTrustPolicy, type TrustPolicy } from "./trust-policy";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const KEY = "token.actions.githubusercontent.com";

function github(condition: Record<string, Record<string, string | string[]>> | undefined, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", ...(condition ? { Condition: condition } : {}), ...extra }] });
}

const guardMessage = `Trust policy with trusted principal ${PROVIDER} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, ${KEY}:sub or ${KEY}:job_workflow_ref which is not scoped to all`;

describe("parseTrustPolicy (CreateRole / UpdateAssumeRolePolicy validation)", () => {
  it("refuses what IAM refuses in any trust policy", () => {
    expect(parseTrustPolicy("{nope")).toEqual({ ok: false, message: "Syntax errors in policy." });
    expect(parseTrustPolicy(JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }))).toEqual({ ok: false, message: "Missing required field Principal" });
    expect(parseTrustPolicy(JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole", Resource: "*" }] }))).toEqual({ ok: false, message: "Has prohibited field Resource" });
    expect(parseTrustPolicy(JSON.stringify({ Statement: [{ Effect: "Maybe", Principal: "*", Action: "sts:AssumeRole" }] }))).toMatchObject({ ok: false });
    expect(parseTrustPolicy(JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] })).ok).toBe(true);
  });

  it("applies IAM's guardrail to roles trusting GitHub's provider: a sub or job_workflow_ref condition not scoped to all", () => {
    expect(parseTrustPolicy(github(undefined))).toEqual({ ok: false, message: guardMessage });
    expect(parseTrustPolicy(github({ StringEquals: { [`${KEY}:aud`]: "sts.amazonaws.com" } }))).toEqual({ ok: false, message: guardMessage });
    expect(parseTrustPolicy(github({ StringLike: { [`${KEY}:sub`]: "*" } }))).toEqual({ ok: false, message: guardMessage });
    expect(parseTrustPolicy(github({ StringLike: { [`${KEY}:sub`]: ["*", "repo:o/r:*"] } }))).toEqual({ ok: false, message: guardMessage });
    expect(parseTrustPolicy(github({ StringNotEquals: { [`${KEY}:sub`]: "repo:o/r:pull_request" } }))).toEqual({ ok: false, message: guardMessage });
    // What IAM lets through, as observed: only the first value and the shape are checked.
    expect(parseTrustPolicy(github({ StringLike: { [`${KEY}:sub`]: ["repo:o/r:*", "*"] } })).ok).toBe(true);
    expect(parseTrustPolicy(github({ StringLike: { [`${KEY}:sub`]: "repo:*" } })).ok).toBe(true);
    expect(parseTrustPolicy(github({ StringEquals: { [`${KEY}:aud`]: "sts.amazonaws.com", [`${KEY}:sub`]: "repo:o/r:ref:refs/heads/main" } })).ok).toBe(true);
    expect(parseTrustPolicy(github({ stringlike: { [`TOKEN.actions.githubusercontent.com:Job_Workflow_Ref`]: "o/r/.github/workflows/ecr.yml@refs/heads/main" } })).ok).toBe(true);
    // Other providers are not GitHub's business.
    const eks = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X" }, Action: "sts:AssumeRoleWithWebIdentity" }] });
    expect(parseTrustPolicy(eks).ok).toBe(true);
  });
});

describe("conditionHolds (single-valued keys)", () => {
  const ctx = { [`${KEY}:sub`]: "repo:acme/mcp-servers:ref:refs/heads/main", [`${KEY}:aud`]: "sts.amazonaws.com" };
  it("matches keys case-insensitively and values as the operator says", () => {
    expect(conditionHolds("StringEquals", `${KEY.toUpperCase()}:SUB`, "repo:acme/mcp-servers:ref:refs/heads/main", ctx)).toBe(true);
    expect(conditionHolds("StringEquals", `${KEY}:sub`, "REPO:acme/mcp-servers:ref:refs/heads/main", ctx)).toBe(false);
    expect(conditionHolds("StringEqualsIgnoreCase", `${KEY}:sub`, "REPO:ACME/mcp-servers:ref:refs/heads/main", ctx)).toBe(true);
    expect(conditionHolds("StringLike", `${KEY}:sub`, ["repo:other/*", "repo:acme/mcp-servers:*"], ctx)).toBe(true);
    expect(conditionHolds("StringLike", `${KEY}:sub`, "repo:acme/mcp-servers:pull_request", ctx)).toBe(false);
    expect(conditionHolds("StringLike", `${KEY}:sub`, "repo:acme/mcp-server?:ref:refs/heads/main", ctx)).toBe(true);
    expect(conditionHolds("StringNotLike", `${KEY}:sub`, "repo:acme/*:pull_request", ctx)).toBe(true);
    expect(conditionHolds("ForAnyValue:StringEquals", `${KEY}:aud`, "sts.amazonaws.com", ctx)).toBe(true);
  });

  it("treats a key the request lacks as IAM does", () => {
    expect(conditionHolds("StringEquals", `${KEY}:environment`, "prod", ctx)).toBe(false);
    expect(conditionHolds("StringNotEquals", `${KEY}:environment`, "prod", ctx)).toBe(true);
    expect(conditionHolds("StringEqualsIfExists", `${KEY}:environment`, "prod", ctx)).toBe(true);
    expect(conditionHolds("ForAllValues:StringEquals", `${KEY}:environment`, "prod", ctx)).toBe(true);
    expect(conditionHolds("Null", `${KEY}:environment`, "true", ctx)).toBe(true);
    expect(conditionHolds("Null", `${KEY}:sub`, "true", ctx)).toBe(false);
    expect(conditionHolds("NumericEquals", `${KEY}:sub`, "1", ctx)).toBe(false);
  });
});

describe("evaluateTrust", () => {
  const policy = (statements: unknown[]): TrustPolicy => ({ Statement: statements as TrustPolicy["Statement"] });
  const request = (sub: string) => ({ action: "sts:AssumeRoleWithWebIdentity", federatedPrincipal: PROVIDER, context: { [`${KEY}:sub`]: sub, [`${KEY}:aud`]: "sts.amazonaws.com" } });
  const allowMain = { Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${KEY}:aud`]: "sts.amazonaws.com", [`${KEY}:sub`]: "repo:acme/mcp-servers:ref:refs/heads/main" } } };

  it("allows only the pinned subject, every key of a block ANDed", () => {
    expect(evaluateTrust(policy([allowMain]), request("repo:acme/mcp-servers:ref:refs/heads/main"))).toEqual({ decision: "allow", statement: 0 });
    expect(evaluateTrust(policy([allowMain]), request("repo:acme/mcp-servers:pull_request"))).toEqual({ decision: "implicit-deny" });
    const wrongAud = { ...request("repo:acme/mcp-servers:ref:refs/heads/main"), context: { [`${KEY}:sub`]: "repo:acme/mcp-servers:ref:refs/heads/main", [`${KEY}:aud`]: "https://github.com/acme" } };
    expect(evaluateTrust(policy([allowMain]), wrongAud).decision).toBe("implicit-deny");
  });

  it("needs the federated principal and the action, and lets an explicit Deny win", () => {
    expect(evaluateTrust(policy([{ ...allowMain, Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/other" } }]), request("repo:acme/mcp-servers:ref:refs/heads/main")).decision).toBe("implicit-deny");
    expect(evaluateTrust(policy([{ ...allowMain, Action: "sts:AssumeRole" }]), request("repo:acme/mcp-servers:ref:refs/heads/main")).decision).toBe("implicit-deny");
    const deny = { Effect: "Deny", Principal: "*", Action: "sts:*", Condition: { StringLike: { [`${KEY}:sub`]: "*:ref:refs/heads/main" } } };
    expect(evaluateTrust(policy([allowMain, deny]), request("repo:acme/mcp-servers:ref:refs/heads/main"))).toEqual({ decision: "explicit-deny", statement: 1 });
  });
});
