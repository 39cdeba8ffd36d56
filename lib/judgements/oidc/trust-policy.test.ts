import { describe, expect, it } from "vitest";
import { buildTrustPolicy, explainTrustPolicy, judgeTrustPolicy, trustAdmits } from "./trust-policy";
import type { PlannedSubject } from "./workflow-subjects";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const MAIN: PlannedSubject = { value: "repo:acme/mcp-servers:ref:refs/heads/main", operator: "StringEquals", because: "A push runs for branch main" };
const RELEASES: PlannedSubject = { value: "repo:acme/mcp-servers:ref:refs/heads/release/*", operator: "StringLike", because: "A push runs for release/*" };
const trust = (condition: object, extra: object = {}) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition, ...extra }] });
const kinds = (doc: unknown, planned = [MAIN]) => judgeTrustPolicy(doc, PROVIDER, "repo:acme/mcp-servers", planned).map((f) => f.kind);

describe("buildTrustPolicy", () => {
  it("puts exact subjects and patterns in separate statements (one statement would AND them)", () => {
    const p = buildTrustPolicy(PROVIDER, [MAIN, RELEASES]);
    expect(p.Statement).toHaveLength(2);
    expect(p.Statement[0].Condition).toEqual({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": MAIN.value } });
    expect(p.Statement[1].Condition.StringLike).toEqual({ "token.actions.githubusercontent.com:sub": RELEASES.value });
    expect(trustAdmits(p, PROVIDER, "repo:acme/mcp-servers:ref:refs/heads/release/1.2").allowed).toBe(true);
    expect(trustAdmits(p, PROVIDER, "repo:acme/mcp-servers:pull_request").allowed).toBe(false);
    expect(trustAdmits(p, PROVIDER, MAIN.value, "https://github.com/acme").allowed).toBe(false);
    expect(explainTrustPolicy(p, [MAIN, RELEASES])[0]).toContain('"repo:acme/mcp-servers:ref:refs/heads/main" (A push runs for branch main)');
    expect(kinds(p, [MAIN, RELEASES])).toEqual([]);
  });

  it("never proposes a trust without a subject", () => {
    expect(() => buildTrustPolicy(PROVIDER, [])).toThrow(/sub condition/);
  });
});

describe("judgeTrustPolicy", () => {
  it("finds a trust with no sub condition at all", () => {
    expect(kinds(trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }))).toEqual(expect.arrayContaining(["unconstrained-sub", "other-repositories", "wider-than-plan"]));
  });

  it("finds a wildcard that admits the owner's other repositories", () => {
    const k = kinds(trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" } }));
    expect(k).toContain("other-repositories");
    expect(k).not.toContain("unconstrained-sub");
  });

  it("finds `repo:o/r*` admitting a repository whose name starts with this one's", () => {
    const f = judgeTrustPolicy(trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/mcp-servers*" } }), PROVIDER, "repo:acme/mcp-servers", [MAIN]);
    expect(f.map((x) => x.message).join(" ")).toContain("repo:acme/mcp-servers-fork");
  });

  it("finds `repo:o/r:*` wider than the plan: pull requests, any branch, tag, environment", () => {
    const f = judgeTrustPolicy(trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/mcp-servers:*" } }), PROVIDER, "repo:acme/mcp-servers", [MAIN]);
    expect(f.filter((x) => x.kind === "wider-than-plan").map((x) => x.message)).toHaveLength(4);
    expect(f.some((x) => x.kind === "other-repositories")).toBe(false);
  });

  it("finds a trust pinned elsewhere that refuses the planned subject (pinned to main, workflow on pull requests)", () => {
    const pr: PlannedSubject = { value: "repo:acme/mcp-servers:pull_request", operator: "StringEquals", because: "pull_request runs" };
    const f = judgeTrustPolicy(trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": MAIN.value } }), PROVIDER, "repo:acme/mcp-servers", [pr]);
    expect(f.map((x) => x.kind)).toEqual(["refuses-planned"]);
    expect(f[0].message).toContain('"repo:acme/mcp-servers:pull_request"');
  });

  it("finds a missing audience condition, an explicit Deny, a trust of another provider", () => {
    expect(kinds(trust({ StringEquals: { "token.actions.githubusercontent.com:sub": MAIN.value } }))).toEqual(["audience"]);
    const deny = { Version: "2012-10-17", Statement: [...trust({ StringEquals: { "token.actions.githubusercontent.com:sub": MAIN.value, "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }).Statement, { Effect: "Deny", Principal: { Federated: PROVIDER }, Action: "sts:*", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "*:ref:refs/heads/main" } } }] };
    expect(kinds(deny)).toEqual(["refuses-planned"]);
    expect(kinds(trust({}, { Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" } }))).toEqual(["no-github-statement", "refuses-planned"]);
  });

  it("probes other repositories in GitHub's immutable subject form too", () => {
    const doc = trust({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme@2001/*" } });
    const f = judgeTrustPolicy(doc, PROVIDER, "repo:acme@2001/mcp-servers@812345670", [{ ...MAIN, value: "repo:acme@2001/mcp-servers@812345670:ref:refs/heads/main" }]);
    const others = f.filter((x) => x.kind === "other-repositories").map((x) => x.message);
    expect(others).toContainEqual(expect.stringContaining("(immutable subject)"));
    // The name-form probe is not admitted by a pattern in the immutable form.
    expect(others.some((x) => x.includes('"repo:acme/other-repository'))).toBe(false);
  });

  it("takes hostile documents without throwing", () => {
    for (const doc of [null, "x", { Statement: "x" }, { Statement: [null, 3, { Effect: "Allow" }] }]) expect(() => judgeTrustPolicy(doc, PROVIDER, "repo:acme/mcp-servers", [MAIN])).not.toThrow();
  });
});
