import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY } from "./ecr-actions";
import { runDoctorChecks, type CheckId, type CheckResult } from "./doctor-checks";
import type { PostureSnapshot } from "./snapshot";
import { failedPart, failure, partOf as gathered } from "../../failures";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time-util";
import type { CloudTrailEvent, WorkflowRunInfo } from "./types";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const at = (ms: number) => new Date(NOW - ms).toISOString();
const GH_UA = "aws-sdk-nodejs/3 exec-env/GitHub_Actions configure-aws-credentials";
const KEY = "AKIAHEALTHY00000001";

const policyDoc = (actions: string[]) =>
  encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] }));
const guideActions = [...GUIDE_PUSH_POLICY.Statement[0].Action];

const ctEvent = (over: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  time: at(DAY_MS),
  eventName: "PutImage",
  eventSource: "ecr.amazonaws.com",
  errorCode: null,
  errorMessage: null,
  accessKeyId: KEY,
  sourceIp: "20.1.2.3",
  userAgent: GH_UA,
  region: "us-east-1",
  ...over,
});
const failedRun = (id: number, agoMs: number, log: string, step = "Push to ECR"): WorkflowRunInfo => ({
  id,
  createdAt: at(agoMs),
  updatedAt: at(agoMs - 3 * MINUTE_MS),
  conclusion: "failure",
  failingSteps: [{ job: "build-and-push", step, log: `2026-11-25T11:00:00.0000000Z ##[error]${log}` }],
});

function healthy(): PostureSnapshot {
  return {
    now: new Date(NOW).toISOString(),
    userName: "github-ecr-push",
    user: gathered({ userName: "github-ecr-push", arn: "arn:aws:iam::123456789012:user/github-ecr-push" }),
    accessKeys: gathered([
      { accessKeyId: KEY, status: "Active", createDate: at(30 * DAY_MS), lastUsed: { date: at(DAY_MS), service: "ecr", region: "us-east-1" } },
    ]),
    policies: gathered([{ source: { kind: "inline", policyName: "ecr-push-policy" }, document: policyDoc(guideActions) }]),
    secrets: gathered([
      { name: "AWS_ACCESS_KEY_ID", createdAt: at(30 * DAY_MS - 5 * MINUTE_MS), updatedAt: at(30 * DAY_MS - 5 * MINUTE_MS) },
      { name: "AWS_SECRET_ACCESS_KEY", createdAt: at(30 * DAY_MS - 4 * MINUTE_MS), updatedAt: at(30 * DAY_MS - 4 * MINUTE_MS) },
    ]),
    variables: gathered([{ name: "AWS_REGION", value: "us-east-1" }]),
    runs: gathered([{ id: 100, createdAt: at(DAY_MS + 2 * MINUTE_MS), updatedAt: at(DAY_MS - 3 * MINUTE_MS), conclusion: "success" }]),
    cloudTrail: gathered([ctEvent({ eventName: "GetAuthorizationToken" }), ctEvent()]),
    ecrRepositories: {
      "us-east-1": gathered([{ name: "mcp-server-tcp", hasImages: true, latestPushedAt: at(DAY_MS) }]),
    },
  };
}

const byId = (results: CheckResult[], id: CheckId) => results.find((r) => r.id === id)!;
const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));

describe("runDoctorChecks on a healthy setup", () => {
  const results = runDoctorChecks(healthy());

  it("passes every check, with the guide's headings in order", () => {
    expect(results.map((r) => r.title)).toEqual([
      "Credential Error in Workflow",
      "AWS_REGION Not Found",
      "Access Denied / Permission Error",
      "Invalid Access Key",
      "Secret Access Key Not Found",
      "ECR Repository Creation Failed",
      "Image Not Found in ECR",
    ]);
    expect(results.every((r) => r.status === "pass")).toBe(true);
  });

  it("names the API calls each check relies on and the guide's fix steps", () => {
    expect(byId(results, "credential-error").apiCalls).toContain("iam:ListAccessKeys");
    expect(byId(results, "access-denied").apiCalls).toEqual(expect.arrayContaining(["iam:GetUserPolicy", "iam:GetPolicyVersion", "cloudtrail:LookupEvents"]));
    expect(byId(results, "image-not-found").apiCalls).toContain("ecr:DescribeRepositories");
    expect(byId(results, "access-denied").fixSteps[2]).toBe("If the policy is missing, add it using Step 2");
    expect(byId(results, "invalid-access-key").evidence.join()).toMatch(/GitHub most likely holds AKIAHEALTHY00000001/);
    expect(results.every((r) => r.failedCalls.length === 0)).toBe(true);
  });
});

describe("access denied", () => {
  it("names the drifted action as the reason pushes fail, with the failing run", () => {
    const snap = healthy();
    snap.policies = gathered([{ source: { kind: "inline", policyName: "ecr-push-policy" }, document: policyDoc(guideActions.filter((a) => a !== "ecr:PutImage")) }]);
    snap.runs = gathered([
      failedRun(101, HOUR_MS, "denied: User: arn:aws:iam::123456789012:user/github-ecr-push is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp"),
      ...(healthy().runs as { ok: true; data: WorkflowRunInfo[] }).data,
    ]);
    snap.cloudTrail = gathered([ctEvent({ time: at(HOUR_MS), errorCode: "AccessDenied", errorMessage: "not authorized to perform: ecr:PutImage" })]);
    const r = byId(runDoctorChecks(snap), "access-denied");
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("The policy does not allow ecr:PutImage: pushes fail");
    expect(r.evidence.join("\n")).toMatch(/run #101 \(failure\), build-and-push → Push to ECR: denied: User: .* ecr:PutImage/);
    expect(r.evidence.join("\n")).toMatch(/CloudTrail .*PutImage → AccessDenied/);
  });

  it("passes after the expected policy is applied, keeping the old denial as history", () => {
    const snap = healthy();
    snap.runs = gathered([failedRun(101, HOUR_MS, "is not authorized to perform: ecr:PutImage")]);
    const r = byId(runDoctorChecks(snap), "access-denied");
    expect(r.status).toBe("pass");
    expect(r.evidence[0]).toMatch(/no longer explained by the policy/);
  });

  it("is unknown, naming the failed call, when IAM is throttled, while other checks still run", () => {
    const snap = healthy();
    snap.policies = failedPart(failure("iam", "ListAttachedUserPolicies", "throttled"));
    const results = runDoctorChecks(snap);
    const r = byId(results, "access-denied");
    expect(r.status).toBe("unknown");
    expect(r.failedCalls).toEqual([failure("iam", "ListAttachedUserPolicies", "throttled")]);
    expect(r.evidence).toContain("IAM ListAttachedUserPolicies was throttled and still failed after retries with backoff");
    expect(byId(results, "repository-creation-failed").status).toBe("unknown");
    expect(byId(results, "credential-error").status).toBe("pass");
  });

  it("an unknown check names the read that failed, not every read it needs", () => {
    const keysFailed = healthy();
    keysFailed.accessKeys = failedPart(failure("iam", "ListAccessKeys", "throttled"));
    expect(byId(runDoctorChecks(keysFailed), "credential-error")).toMatchObject({ status: "unknown", summary: `Could not read ${keysFailed.userName}'s access keys` });
    const variablesFailed = healthy();
    variablesFailed.variables = failedPart(failure("github", "list repository variables", "unavailable"));
    expect(byId(runDoctorChecks(variablesFailed), "credential-error")).toMatchObject({ status: "unknown", summary: "Could not read the repository's variables" });
    const secretsFailed = healthy();
    secretsFailed.secrets = failedPart(failure("github", "list repository secrets", "unavailable"));
    expect(byId(runDoctorChecks(secretsFailed), "secret-access-key-not-found")).toMatchObject({ status: "unknown", summary: "Could not read the repository's secrets" });
  });

  it("creation is unknown, not a pass, when AWS_REGION could not be read (the variables failed)", () => {
    const snap = healthy();
    snap.variables = failedPart(failure("github", "list repository variables", "unavailable"));
    const r = byId(runDoctorChecks(snap), "repository-creation-failed");
    expect(r.status).toBe("unknown");
    expect(r.summary).toBe("Depends on AWS_REGION, which could not be read (the repository's variables and secrets)");
  });

  it("still fails on a run's denial when the policies cannot be read", () => {
    const snap = healthy();
    snap.policies = failedPart(failure("iam", "GetUserPolicy", "failed"));
    snap.runs = gathered([failedRun(5, HOUR_MS, "is not authorized to perform: ecr:BatchGetImage")]);
    const r = byId(runDoctorChecks(snap), "access-denied");
    expect(r.status).toBe("fail");
    expect(r.summary).toMatch(/ecr:BatchGetImage/);
  });

  it("is unknown when a push action is allowed only under a condition and no run was denied", () => {
    const snap = healthy();
    snap.policies = gathered([
      { source: { kind: "inline", policyName: "ecr-push-policy" }, document: policyDoc(guideActions.filter((a) => a !== "ecr:PutImage")) },
      { source: { kind: "inline", policyName: "ip" }, document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:PutImage", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }] } },
    ]);
    const r = byId(runDoctorChecks(snap), "access-denied");
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(/ecr:PutImage allowed only under conditions/);
  });

  it("fails when the user does not exist", () => {
    const snap = healthy();
    snap.user = gathered(null);
    expect(byId(runDoctorChecks(snap), "access-denied").summary).toMatch(/IAM user github-ecr-push does not exist/);
  });

  it("a Deny statement counts as missing", () => {
    const snap = healthy();
    snap.policies = gathered([
      { source: { kind: "inline", policyName: "ecr-push-policy" }, document: policyDoc(guideActions) },
      { source: { kind: "attached", policyName: "freeze" }, document: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "ecr:PutImage", Resource: "*" }] } },
    ]);
    const r = byId(runDoctorChecks(snap), "access-denied");
    expect(r.status).toBe("fail");
    expect(r.evidence[0]).toMatch(/explicitly denied by attached policy freeze/);
  });
});

describe("credential error", () => {
  it("fails on near-miss secret names", () => {
    const snap = healthy();
    snap.secrets = gathered([
      { name: "AWS_ACCESS_KEY_ID", createdAt: at(DAY_MS), updatedAt: at(30 * DAY_MS) },
      { name: "AWS_SECRET_KEY", createdAt: at(DAY_MS), updatedAt: at(30 * DAY_MS) },
    ]);
    const r = byId(runDoctorChecks(snap), "credential-error");
    expect(r.status).toBe("fail");
    expect(r.summary).toMatch(/AWS_SECRET_ACCESS_KEY is missing, but "AWS_SECRET_KEY"/);
  });

  it("fails when the key GitHub holds was deactivated", () => {
    const snap = healthy();
    snap.accessKeys = gathered([{ accessKeyId: KEY, status: "Inactive", createDate: at(30 * DAY_MS), lastUsed: { date: at(DAY_MS), service: "ecr", region: "us-east-1" } }]);
    const r = byId(runDoctorChecks(snap), "credential-error");
    expect(r.status).toBe("fail");
    expect(r.evidence.join()).toMatch(/No access key is active/);
    expect(r.evidence.join()).toMatch(/which is Inactive/);
  });

  it("fails on the guide's error text in a run and is unknown when GitHub is down", () => {
    const snap = healthy();
    snap.runs = gathered([failedRun(9, HOUR_MS, "Error: Credentials could not be loaded, please check your action inputs", "Configure AWS credentials")]);
    expect(byId(runDoctorChecks(snap), "credential-error").status).toBe("fail");
    const down = healthy();
    down.secrets = failedPart(failure("github", "list repository secrets", "unavailable"));
    down.runs = failedPart(failure("github", "list workflow runs", "unavailable"));
    const results = runDoctorChecks(down);
    expect(byId(results, "credential-error").status).toBe("unknown");
    expect(byId(results, "credential-error").failedCalls.map((f) => f.kind)).toEqual(["unavailable", "unavailable"]);
    expect(byId(results, "access-denied").status).toBe("pass");
  });
});

describe("AWS_REGION not found", () => {
  it("fails when AWS_REGION is a secret instead of a variable", () => {
    const snap = healthy();
    snap.variables = gathered([]);
    snap.secrets = gathered([...(healthy().secrets as { ok: true; data: { name: string; createdAt: string; updatedAt: string }[] }).data, { name: "AWS_REGION", createdAt: at(DAY_MS), updatedAt: at(DAY_MS) }]);
    const results = runDoctorChecks(snap);
    expect(byId(results, "aws-region-not-found").status).toBe("fail");
    expect(byId(results, "aws-region-not-found").summary).toMatch(/set as a Secret, not a Variable/);
    // One cause, one red finding: the checks that depend on the region cannot be judged, they do not fail again.
    expect(results.filter((r) => r.status === "fail").map((r) => r.id)).toEqual(["aws-region-not-found"]);
    expect(byId(results, "image-not-found").status).toBe("unknown");
    expect(byId(results, "image-not-found").summary).toMatch(/fix AWS_REGION Not Found first/);
    expect(byId(results, "repository-creation-failed").status).toBe("unknown");
    expect(byId(results, "repository-creation-failed").summary).toMatch(/Depends on AWS_REGION/);
  });

  it("a missing AWS_REGION variable is one failing check, and creation's own denial still fails beside it", () => {
    const snap = healthy();
    snap.variables = gathered([]);
    expect(runDoctorChecks(snap).filter((r) => r.status === "fail").map((r) => r.id)).toEqual(["aws-region-not-found"]);
    snap.runs = gathered([failedRun(3, HOUR_MS, "AccessDenied: User is not authorized to perform: ecr:CreateRepository")]);
    expect(byId(runDoctorChecks(snap), "repository-creation-failed").status).toBe("fail");
  });

  it("fails on the action's input error in a run", () => {
    const snap = healthy();
    snap.runs = gathered([failedRun(3, HOUR_MS, 'Error: Input required and not supplied: aws-region')]);
    expect(byId(runDoctorChecks(snap), "aws-region-not-found").status).toBe("fail");
  });
});

describe("invalid access key", () => {
  it("fails when GitHub holds a deleted key", () => {
    const snap = healthy();
    snap.accessKeys = gathered([{ accessKeyId: "AKIAOTHER", status: "Active", createDate: at(40 * DAY_MS), lastUsed: null }]);
    const r = byId(runDoctorChecks(snap), "invalid-access-key");
    expect(r.status).toBe("fail");
    expect(r.summary).toMatch(/AKIAHEALTHY00000001, which no longer exists/);
  });

  it("passes when a deleted key was used long ago but GitHub holds the live one", () => {
    const snap = healthy();
    snap.cloudTrail = gathered([ctEvent({ accessKeyId: "AKIAGONE", time: at(60 * DAY_MS) }), ctEvent()]);
    const r = byId(runDoctorChecks(snap), "invalid-access-key");
    expect(r.status).toBe("pass");
  });

  it("fails when no key could be in the secret, or a run says the key does not exist", () => {
    const snap = healthy();
    snap.accessKeys = gathered([{ accessKeyId: "AKIANEW", status: "Active", createDate: at(HOUR_MS), lastUsed: null }]);
    snap.cloudTrail = gathered([]);
    expect(byId(runDoctorChecks(snap), "invalid-access-key").summary).toMatch(/No existing key could have been written/);
    const logged = healthy();
    logged.runs = gathered([failedRun(8, HOUR_MS, "An error occurred (UnrecognizedClientException): The AWS Access Key Id you provided does not exist in our records.")]);
    expect(byId(runDoctorChecks(logged), "invalid-access-key").status).toBe("fail");
  });
});

describe("secret access key not found", () => {
  it("fails when the secret was changed without the key ID", () => {
    const snap = healthy();
    snap.secrets = gathered([
      { name: "AWS_ACCESS_KEY_ID", createdAt: at(30 * DAY_MS), updatedAt: at(30 * DAY_MS - 5 * MINUTE_MS) },
      { name: "AWS_SECRET_ACCESS_KEY", createdAt: at(30 * DAY_MS), updatedAt: at(2 * DAY_MS) },
    ]);
    const r = byId(runDoctorChecks(snap), "secret-access-key-not-found");
    expect(r.status).toBe("fail");
    expect(r.summary).toMatch(/AWS_SECRET_ACCESS_KEY later/);
  });

  it("fails on the security-token error in a recent run or signature errors in CloudTrail", () => {
    const snap = healthy();
    snap.runs = gathered([failedRun(4, HOUR_MS, "The security token included in the request is invalid.")]);
    expect(byId(runDoctorChecks(snap), "secret-access-key-not-found").status).toBe("fail");
    const ct = healthy();
    ct.cloudTrail = gathered([ctEvent({ time: at(HOUR_MS), errorCode: "SignatureDoesNotMatch" })]);
    expect(byId(runDoctorChecks(ct), "secret-access-key-not-found").evidence[0]).toMatch(/wrong signature \(SignatureDoesNotMatch\)/);
  });

  it("a failure fixed by a later successful run no longer counts", () => {
    const snap = healthy();
    snap.runs = gathered([
      { id: 20, createdAt: at(HOUR_MS), updatedAt: at(HOUR_MS - MINUTE_MS), conclusion: "success" },
      failedRun(19, 2 * HOUR_MS, "The security token included in the request is invalid."),
    ]);
    expect(byId(runDoctorChecks(snap), "secret-access-key-not-found").status).toBe("pass");
  });
});

describe("repository creation failed", () => {
  it("fails when the policy lacks ecr:CreateRepository", () => {
    const snap = healthy();
    snap.policies = gathered([{ source: { kind: "inline", policyName: "p" }, document: policyDoc(guideActions.filter((a) => a !== "ecr:CreateRepository")) }]);
    const results = runDoctorChecks(snap);
    expect(byId(results, "repository-creation-failed").summary).toMatch(/ecr:CreateRepository is not allowed/);
    expect(byId(results, "access-denied").summary).toMatch(/ecr:CreateRepository/);
  });

  it("CreateRepository allowed only on existing repository ARNs does not claim it creates any missing repository", () => {
    const snap = healthy();
    const arn = "arn:aws:ecr:us-east-1:123456789012:repository/web";
    snap.policies = gathered([
      {
        source: { kind: "inline", policyName: "p" },
        document: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: guideActions.filter((a) => a !== "ecr:CreateRepository"), Resource: "*" },
            { Effect: "Allow", Action: "ecr:CreateRepository", Resource: arn },
          ],
        }),
      },
    ]);
    const r = byId(runDoctorChecks(snap), "repository-creation-failed");
    expect(r.summary).not.toBe("The workflow can create missing repositories");
    expect(r.summary).toMatch(/only where ecr:CreateRepository is granted: arn:aws:ecr:us-east-1:123456789012:repository\/web; any other name fails/);
  });

  it("fails on a quota error in CloudTrail", () => {
    const snap = healthy();
    snap.cloudTrail = gathered([ctEvent({ eventName: "CreateRepository", errorCode: "LimitExceededException", time: at(HOUR_MS) })]);
    expect(byId(runDoctorChecks(snap), "repository-creation-failed").summary).toMatch(/quota/);
  });

  it("an old denial that the policy now allows is history", () => {
    const snap = healthy();
    snap.cloudTrail = gathered([ctEvent({ eventName: "CreateRepository", errorCode: "AccessDenied", time: at(5 * DAY_MS) })]);
    const r = byId(runDoctorChecks(snap), "repository-creation-failed");
    expect(r.status).toBe("pass");
    expect(r.evidence.join()).toMatch(/the policy allows it now/);
  });
});

describe("image not found", () => {
  it("fails when the repositories are in another region than AWS_REGION", () => {
    const snap = healthy();
    snap.ecrRepositories = {
      "us-east-1": gathered([]),
      "eu-west-1": gathered([{ name: "mcp-server-tcp", hasImages: true }]),
    };
    const results = runDoctorChecks(snap);
    expect(byId(results, "image-not-found").summary).toMatch(/No images in us-east-1 \(AWS_REGION\), but repositories exist in eu-west-1/);
  });

  it("reports a push skipped on an equal digest as normal", () => {
    const snap = healthy();
    snap.runs = gathered([
      {
        id: 200,
        createdAt: at(HOUR_MS),
        updatedAt: at(HOUR_MS - MINUTE_MS),
        conclusion: "success",
        stepLogs: [{ job: "build-and-push", step: "Push", log: "Digest unchanged for mcp-server-tcp (sha256:abc), skipping push" }],
      },
    ]);
    const r = byId(runDoctorChecks(snap), "image-not-found");
    expect(r.status).toBe("pass");
    expect(r.evidence.join()).toMatch(/skipped the push because the digest matched `latest` \(this is normal\)/);
  });

  it("is unknown when DescribeRepositories failed in AWS_REGION", () => {
    const snap = healthy();
    snap.ecrRepositories = { "us-east-1": failedPart(failure("ecr", "DescribeRepositories", "denied")) };
    const r = byId(runDoctorChecks(snap), "image-not-found");
    expect(r.status).toBe("unknown");
    expect(r.evidence.join()).toMatch(/ECR DescribeRepositories was refused/);
  });

  it("fails when a run succeeded but the region is empty, and says when the latest run failed", () => {
    const snap = healthy();
    snap.ecrRepositories = { "us-east-1": gathered([{ name: "mcp-server-tcp", hasImages: false }]) };
    snap.runs = gathered([failedRun(301, HOUR_MS, "boom"), { id: 300, createdAt: at(DAY_MS), conclusion: "success" }]);
    const r = byId(runDoctorChecks(snap), "image-not-found");
    expect(r.status).toBe("fail");
    expect(r.evidence.join()).toMatch(/latest workflow run #301 ended failure/);
  });
});

describe("snapshot", () => {
  it("rejects an unreadable now", () => {
    expect(() => runDoctorChecks({ ...healthy(), now: "never" })).toThrow(/snapshot.now/);
  });

  it("everything failing gives unknowns, never a throw", () => {
    const fail = failedPart(failure("iam", "x", "unavailable"));
    const snap: PostureSnapshot = {
      now: healthy().now,
      userName: "github-ecr-push",
      user: fail,
      accessKeys: fail,
      policies: fail,
      secrets: fail,
      variables: fail,
      runs: fail,
      cloudTrail: fail,
      ecrRepositories: { "us-east-1": fail },
    };
    expect(Object.values(statuses(runDoctorChecks(snap)))).toEqual(Array(7).fill("unknown"));
  });
});
