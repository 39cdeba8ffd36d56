import { describe, expect, it } from "vitest";
import { diagnoseRefusal, type RefusalContext } from "./diagnose-refusal";
import type { WebIdentityEvent } from "./prove-role";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const MAIN = "repo:acme/mcp-servers:ref:refs/heads/main";
const pinnedToMain = { Version: "2012-10-17", Statement: [{ Sid: "GitHubActionsExact", Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": MAIN } } }] };
const ctx = (over: Partial<RefusalContext> = {}): RefusalContext => ({ trust: pinnedToMain, providerArn: PROVIDER, providerAudiences: ["sts.amazonaws.com"], planned: [{ value: MAIN, operator: "StringEquals", because: "push to main" }], ...over });
const refused = (over: Partial<WebIdentityEvent> = {}): WebIdentityEvent => ({ time: "2026-12-01T10:00:00Z", subject: "repo:acme/mcp-servers:pull_request", audience: "sts.amazonaws.com", provider: PROVIDER, roleArn: "arn:aws:iam::123456789012:role/github-ecr-push-oidc", errorCode: "AccessDenied", errorMessage: "An unknown error occurred", sessionKeyId: null, sourceIp: null, userAgent: null, ...over });

describe("diagnoseRefusal", () => {
  it("a trust pinned to main and a run from a pull request: names the subject, the condition and the fix", () => {
    const d = diagnoseRefusal(refused(), ctx());
    expect(d.subject).toBe("repo:acme/mcp-servers:pull_request");
    expect(d.cause).toBe(`GitHubActionsExact requires StringEquals token.actions.githubusercontent.com:sub "${MAIN}"; the run presented "repo:acme/mcp-servers:pull_request".`);
    expect(d.fix).toMatch(/came from a pull request.*if: github.event_name != 'pull_request'/);
  });

  it("a subject the workflow presents on purpose: add it to the trust", () => {
    const d = diagnoseRefusal(refused({ subject: "repo:acme/mcp-servers:environment:prod" }), ctx({ planned: [{ value: "repo:acme/mcp-servers:environment:prod", operator: "StringEquals", because: "environment prod" }] }));
    expect(d.fix).toMatch(/on purpose: add it to the role's trust/);
  });

  it("missing provider, wrong audience, expired token, explicit deny, missing role", () => {
    expect(diagnoseRefusal(refused({ errorCode: "InvalidIdentityToken", errorMessage: "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com" }), ctx({ providerAudiences: null })).fix).toMatch(/Create the provider/);
    const aud = diagnoseRefusal(refused({ errorCode: "InvalidIdentityToken", errorMessage: "Incorrect token audience", audience: "https://github.com/acme" }), ctx());
    expect(aud.cause).toContain('"https://github.com/acme" is not one of the provider\'s (sts.amazonaws.com)');
    expect(diagnoseRefusal(refused({ errorCode: "ExpiredTokenException", errorMessage: "Token expired" }), ctx()).cause).toMatch(/expired/);
    const deny = { Version: "2012-10-17", Statement: [...pinnedToMain.Statement, { Effect: "Deny", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "*" } } }] };
    expect(diagnoseRefusal(refused({ subject: MAIN }), ctx({ trust: deny })).cause).toMatch(/Statement 2 .* explicitly denies/);
    expect(diagnoseRefusal(refused(), ctx({ trust: null })).fix).toMatch(/Create the role/);
  });

  it("a trust of another provider only", () => {
    const other = { Statement: [{ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }, Action: "sts:AssumeRoleWithWebIdentity" }] };
    expect(diagnoseRefusal(refused(), ctx({ trust: other })).cause).toMatch(/No statement of the role's trust trusts/);
  });
});
