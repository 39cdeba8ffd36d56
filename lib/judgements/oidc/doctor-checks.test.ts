import { describe, expect, it } from "vitest";
import { failure } from "../../failures";
import { diagnoseRefusal } from "./diagnose-refusal";
import { ID_TOKEN_HINT, runOidcDoctorChecks, type OidcCheckId, type OidcDoctorInput } from "./doctor-checks";
import { buildTrustPolicy, judgeTrustPolicy } from "./trust-policy";
import type { PlannedSubject } from "./workflow-subjects";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const ROLE = "arn:aws:iam::123456789012:role/github-ecr-push-oidc";
const PREFIX = "repo:acme/mcp-servers";
const MAIN: PlannedSubject = { value: `${PREFIX}:ref:refs/heads/main`, operator: "StringEquals", because: "push to main" };
const pinned = buildTrustPolicy(PROVIDER, [MAIN]);
const ok = <T>(data: T) => ({ ok: true as const, data, calls: [] });

function input(over: Partial<OidcDoctorInput> = {}): OidcDoctorInput {
  const trust = (over.role && over.role !== "missing" ? over.role.trust : pinned) as unknown;
  return {
    providerArn: PROVIDER,
    provider: { clientIds: ["sts.amazonaws.com"], thumbprints: [] },
    roleName: "github-ecr-push-oidc",
    role: { arn: ROLE, trust: pinned },
    rolePolicy: { present: true, matches: true, missingActions: [], extraActions: [], scopedTo: ["mcp-server-http", "mcp-server-tcp"] },
    policyName: "ecr-push-policy",
    trustFindings: judgeTrustPolicy(trust, PROVIDER, PREFIX, [MAIN]),
    planned: [MAIN],
    workflow: { path: ".github/workflows/ecr.yml", credentials: { kind: "role", job: "build-and-push", roleToAssume: ROLE, audience: "sts.amazonaws.com", idTokenWrite: true, permissions: "job build-and-push: contents: read, id-token: write" } },
    workflowChangedAt: "2026-12-01T10:00:00Z",
    refusals: ok([]),
    subjectPrefix: PREFIX,
    runs: ok([{ id: 1, createdAt: "2026-12-01T10:01:00Z", conclusion: "success" }]),
    readErrors: [],
    ...over,
  };
}

const statusOf = (i: OidcDoctorInput) => Object.fromEntries(runOidcDoctorChecks(i).map((c) => [c.id, c.status])) as Record<OidcCheckId, string>;
const byId = (i: OidcDoctorInput, id: OidcCheckId) => runOidcDoctorChecks(i).find((c) => c.id === id)!;

function prRefusal(time: string) {
  const event = { time, subject: `${PREFIX}:pull_request`, audience: "sts.amazonaws.com", provider: PROVIDER, roleArn: ROLE, errorCode: "AccessDenied", errorMessage: "Not authorized to perform sts:AssumeRoleWithWebIdentity", sessionKeyId: null, sourceIp: null, userAgent: null };
  return diagnoseRefusal(event, { trust: pinned, providerArn: PROVIDER, providerAudiences: ["sts.amazonaws.com"], planned: [MAIN] });
}

describe("runOidcDoctorChecks", () => {
  it("the happy path is all green, in the order a run meets the checks", () => {
    const checks = runOidcDoctorChecks(input());
    expect(checks.map((c) => c.id)).toEqual(["oidc-provider", "oidc-audience", "oidc-role", "oidc-trust-breadth", "oidc-id-token", "oidc-role-policy", "oidc-refusals"]);
    expect(checks.filter((c) => c.status !== "pass").map((c) => [c.id, c.summary])).toEqual([]);
  });

  it("thumbprints on GitHub's provider are informational: IAM uses its trusted CAs, never a failure", () => {
    const c = byId(input({ provider: { clientIds: ["sts.amazonaws.com"], thumbprints: ["6938fd4d98bab03faadb97b34396831e3780aea1"] } }), "oidc-provider");
    expect(c.status).toBe("pass");
    expect(c.evidence.join(" ")).toMatch(/6938fd4d.*not used: IAM verifies GitHub's issuer with its library of trusted root CAs/);
  });

  it("a missing provider fails with the create command; a failed read is unknown, never pass", () => {
    expect(byId(input({ provider: "missing" }), "oidc-provider")).toMatchObject({ status: "fail", fixSteps: expect.arrayContaining([expect.stringContaining("create-open-id-connect-provider")]) });
    expect(byId(input({ provider: null, readErrors: ["IAM GetOpenIDConnectProvider failed"] }), "oidc-provider")).toMatchObject({ status: "unknown", evidence: ["IAM GetOpenIDConnectProvider failed"] });
  });

  it("audience mismatch: a custom audience the provider lacks, or a trust requiring another audience", () => {
    const custom = input({ workflow: { path: "w.yml", credentials: { kind: "role", job: "b", roleToAssume: ROLE, audience: "https://github.com/acme", idTokenWrite: true, permissions: "" } } });
    const c = byId(custom, "oidc-audience");
    expect(c.status).toBe("fail");
    expect(c.summary).toMatch(/provider's audiences \(sts.amazonaws.com\) do not include "https:\/\/github.com\/acme"/);
    expect(c.evidence.join(" ")).toMatch(/trust requires .*:aud "sts.amazonaws.com"; the workflow presents "https:\/\/github.com\/acme"/);
    // Provider accepts both, the trust only sts: still a mismatch.
    const both = { ...custom, provider: { clientIds: ["sts.amazonaws.com", "https://github.com/acme"], thumbprints: [] } };
    expect(byId(both, "oidc-audience").summary).toMatch(/trust requires/);
  });

  it("before the move (the workflow still uses the key) a missing provider or role is not set up yet, not a failure", () => {
    const keyWorkflow = { workflow: { path: "w.yml", credentials: { kind: "key" as const, job: "b" } } };
    expect(byId(input({ ...keyWorkflow, provider: "missing" }), "oidc-provider")).toMatchObject({ status: "unknown", summary: expect.stringMatching(/^Not set up yet/) });
    expect(byId(input({ ...keyWorkflow, role: "missing", trustFindings: [] }), "oidc-role")).toMatchObject({ status: "unknown", summary: expect.stringMatching(/^Not set up yet/) });
  });

  it("no role, or a trust that refuses what the workflow presents, fails the role check", () => {
    expect(byId(input({ role: "missing", trustFindings: [] }), "oidc-role")).toMatchObject({ status: "fail", summary: expect.stringMatching(/does not exist/) });
    const dev = buildTrustPolicy(PROVIDER, [{ value: `${PREFIX}:ref:refs/heads/dev`, operator: "StringEquals", because: "x" }]);
    const r = byId(input({ role: { arn: ROLE, trust: dev } }), "oidc-role");
    expect(r.status).toBe("fail");
    expect(r.summary).toContain(`"${MAIN.value}"`);
  });

  it("a wildcard sub is a breadth finding naming what it admits; the role still admits the workflow", () => {
    const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": `${PREFIX}:*` } } }] };
    const i = input({ role: { arn: ROLE, trust: wide } });
    expect(statusOf(i)).toMatchObject({ "oidc-trust-breadth": "fail", "oidc-role": "pass" });
    expect(byId(i, "oidc-trust-breadth").evidence.join(" ")).toMatch(/any pull request/);
    // No sub condition at all: any repository on GitHub.
    const open = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } } }] };
    expect(byId(input({ role: { arn: ROLE, trust: open } }), "oidc-trust-breadth").evidence.join(" ")).toMatch(/does not constrain .*any GitHub repository/);
  });

  it("missing id-token: write, from the workflow and from the failed run's log (configure-aws-credentials' hint)", () => {
    const noToken = input({ workflow: { path: "w.yml", credentials: { kind: "role", job: "b", roleToAssume: ROLE, audience: "sts.amazonaws.com", idTokenWrite: false, permissions: "job b: contents: read" } } });
    expect(byId(noToken, "oidc-id-token")).toMatchObject({ status: "fail", summary: expect.stringMatching(/cannot request an ID token \(permissions of job b: contents: read\)/) });
    const log = `2026-12-01T11:00:00.0000000Z ${ID_TOKEN_HINT} If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.\n##[error]Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers`;
    const runs = ok([
      { id: 7, createdAt: "2026-12-01T11:00:00Z", conclusion: "failure", failingSteps: [{ job: "b", step: "Configure AWS credentials", log }] },
      { id: 6, createdAt: "2026-12-01T09:00:00Z", conclusion: "success" },
    ]);
    const fromLog = byId(input({ runs, workflowChangedAt: "2026-12-01T08:00:00Z" }), "oidc-id-token");
    expect(fromLog.status).toBe("fail");
    expect(fromLog.summary).toMatch(/^run #7 \(failure\), Configure AWS credentials: It looks like you might be trying to authenticate with OIDC/);
    // The workflow changed after that run and grants the token now: the run is history, not the present.
    expect(byId(input({ runs, workflowChangedAt: "2026-12-01T12:00:00Z" }), "oidc-id-token")).toMatchObject({ status: "pass", evidence: expect.arrayContaining([expect.stringMatching(/before the workflow changed/)]) });
    // A success after the failure resolves it too (the doctor's rule for run logs).
    const later = ok([{ id: 8, createdAt: "2026-12-01T13:00:00Z", conclusion: "success" }, ...runs.data]);
    expect(byId(input({ runs: later, workflowChangedAt: "2026-12-01T08:00:00Z" }), "oidc-id-token").status).toBe("pass");
  });

  it("unreadable runs leave the id-token check unknown when the workflow alone cannot fail it", () => {
    const c = byId(input({ runs: { ok: false, failure: failure("github", "list workflow runs", "unavailable"), calls: [] } }), "oidc-id-token");
    expect(c.status).toBe("unknown");
    expect(c.failedCalls).toHaveLength(1);
  });

  it("the role's push policy: missing, drifted, or only its resources differ", () => {
    expect(byId(input({ rolePolicy: { present: false, matches: false, missingActions: [], extraActions: [], scopedTo: null } }), "oidc-role-policy").summary).toMatch(/cannot push/);
    expect(byId(input({ rolePolicy: { present: true, matches: false, missingActions: ["ecr:PutImage"], extraActions: ["iam:*"], scopedTo: null } }), "oidc-role-policy").summary).toBe("The role's push policy drifted from the expected one: missing ecr:PutImage; extra iam:*");
    expect(byId(input({ rolePolicy: { present: true, matches: false, missingActions: [], extraActions: [], scopedTo: null } }), "oidc-role-policy").summary).toMatch(/resources or conditions differ/);
  });

  it("a pull request refused by a trust pinned to main: the subject, the condition and the fix", () => {
    const c = byId(input({ refusals: ok([prRefusal("2026-12-01T11:30:00Z")]) }), "oidc-refusals");
    expect(c.status).toBe("fail");
    expect(c.summary).toBe(`STS refused the subject "${PREFIX}:pull_request" (AccessDenied): GitHubActionsExact requires StringEquals token.actions.githubusercontent.com:sub "${MAIN.value}"; the run presented "${PREFIX}:pull_request".`);
    expect(c.evidence[0]).toContain(`issuer ${PROVIDER}`);
    expect(c.fixSteps[0]).toMatch(/^This run came from a pull request/);
  });

  it("a refusal is history once the trust admits it, or once the workflow changed after it and no longer presents it", () => {
    const r = prRefusal("2026-12-01T11:30:00Z");
    const withPr = buildTrustPolicy(PROVIDER, [MAIN, { value: `${PREFIX}:pull_request`, operator: "StringEquals", because: "pr" }]);
    expect(byId(input({ refusals: ok([r]), role: { arn: ROLE, trust: withPr } }), "oidc-refusals")).toMatchObject({ status: "pass", evidence: [expect.stringMatching(/Resolved: the provider and the role's trust admit it now/)] });
    expect(byId(input({ refusals: ok([r]), workflowChangedAt: "2026-12-01T12:00:00Z" }), "oidc-refusals")).toMatchObject({ status: "pass", summary: "No refusal stands: 1 earlier one is resolved" });
    // Changed before the refusal: it still stands. Unknown change time: it still stands.
    expect(byId(input({ refusals: ok([r]), workflowChangedAt: "2026-12-01T11:00:00Z" }), "oidc-refusals").status).toBe("fail");
    expect(byId(input({ refusals: ok([r]), workflowChangedAt: null }), "oidc-refusals").status).toBe("fail");
    // The workflow presents the refused subject on purpose: a later change does not make the refusal history.
    const prPlanned: PlannedSubject = { value: `${PREFIX}:pull_request`, operator: "StringEquals", because: "pr" };
    expect(byId(input({ refusals: ok([r]), planned: [MAIN, prPlanned], workflowChangedAt: "2026-12-01T12:00:00Z" }), "oidc-refusals").status).toBe("fail");
    // Another role's refusal is never resolved by this role's trust.
    const other = { ...r, roleArn: "arn:aws:iam::123456789012:role/other" };
    expect(byId(input({ refusals: ok([other]), role: { arn: ROLE, trust: withPr } }), "oidc-refusals").status).toBe("fail");
  });

  it("only this repository's refused runs fail the check: another subject refused by this role is the trust working, another role's and repository's is not this check's", () => {
    const r = prRefusal("2026-12-01T11:30:00Z");
    const outsider = { ...r, subject: "repo:evil/fork:ref:refs/heads/main" };
    const neighbour = { ...r, subject: "repo:acme/web-gateway:pull_request", roleArn: "arn:aws:iam::123456789012:role/github-ecr-push-oidc-acme+web-gateway" };
    const c = byId(input({ refusals: ok([outsider, neighbour]) }), "oidc-refusals");
    expect(c.status).toBe("pass");
    expect(c.summary).toBe("STS refused no token of this repository's runs; the role refused 1 token of other subjects, as it should");
    expect(c.evidence).toEqual([expect.stringMatching(/repo:evil\/fork.*Refused as it should/)]);
    // A prefix in another case is the same GitHub repository; this repository's refusal among outsiders still fails it.
    expect(byId(input({ refusals: ok([outsider, { ...r, subject: "repo:ACME/MCP-Servers:pull_request" }]) }), "oidc-refusals").status).toBe("fail");
    // No subject, or a customised template's subject without the repo claim: it may be this repository's runs.
    expect(byId(input({ refusals: ok([{ ...r, subject: null }]) }), "oidc-refusals").status).toBe("fail");
    expect(byId(input({ refusals: ok([{ ...r, subject: "repository_owner:acme:context:main" }]) }), "oidc-refusals").status).toBe("fail");
    // A prefix that cannot be read (the template unreadable): every refusal counts, as it cannot be told apart.
    expect(byId(input({ refusals: ok([outsider]), subjectPrefix: null }), "oidc-refusals").status).toBe("fail");
  });

  it("CloudTrail unreadable: the refusals check is unknown and names the failed call", () => {
    const c = byId(input({ refusals: { ok: false, failure: failure("cloudtrail", "LookupEvents", "unavailable"), calls: [] } }), "oidc-refusals");
    expect(c).toMatchObject({ status: "unknown", failedCalls: [expect.objectContaining({ service: "cloudtrail" })] });
  });

  it("a workflow still on the key: the id-token check says so instead of failing", () => {
    expect(byId(input({ workflow: { path: "w.yml", credentials: { kind: "key", job: "b" } } }), "oidc-id-token")).toMatchObject({ status: "unknown", summary: expect.stringMatching(/access key/) });
  });
});
