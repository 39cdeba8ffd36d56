import { describe, expect, it } from "vitest";
import { latestDecisiveRun, runDoctorChecks, type DoctorInput } from "./doctor-checks";
import { GUIDE_PUSH_POLICY } from "../posture/ecr-actions";
import type { Section } from "./section";
import type { WorkflowRunInfo } from "../posture/types";

const NOW = "2026-11-25T12:00:00Z";
const ok = <T>(data: T): Section<T> => ({ ok: true, data, calls: ["X Call"] });
const down = <T>(service: string, operation: string): Section<T> => ({
  ok: false,
  calls: [`${service} ${operation}`],
  error: { service, operation, kind: "throttled", message: `${service} ${operation} was throttled and still failed after retries with backoff` },
});

const okData = <T>(s: Section<T>): T => {
  if (!s.ok) throw new Error("fixture section failed");
  return s.data;
};

const KEY = "AKIAAAAAAAAAAAAAAAAA";
const guidePolicy = (actions?: string[]) => ({
  source: { kind: "inline" as const, policyName: "ecr-push-policy" },
  document: encodeURIComponent(JSON.stringify(actions ? { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] } : GUIDE_PUSH_POLICY)),
});
const run = (id: number, createdAt: string, conclusion: string, log?: string): WorkflowRunInfo => ({
  id,
  createdAt,
  updatedAt: createdAt,
  status: "completed",
  conclusion,
  failingSteps: log ? [{ job: "build", step: "Configure AWS credentials", log }] : undefined,
});

function healthy(): DoctorInput {
  return {
    now: NOW,
    region: "us-east-1",
    keys: ok([{ accessKeyId: KEY, status: "Active", createDate: "2026-10-01T00:00:00Z", lastUsed: { date: "2026-11-24T00:00:00Z", service: "ecr", region: "us-east-1" } }]),
    policies: ok([guidePolicy()]),
    activity: ok({ events: [], accessKeyIds: [KEY], windowDays: 90 }),
    secrets: ok([
      { name: "AWS_ACCESS_KEY_ID", createdAt: "2026-10-01T00:10:00Z", updatedAt: "2026-10-01T00:10:00Z" },
      { name: "AWS_SECRET_ACCESS_KEY", createdAt: "2026-10-01T00:10:00Z", updatedAt: "2026-10-01T00:11:00Z" },
    ]),
    variables: ok([{ name: "AWS_REGION", value: "us-east-1" }]),
    runs: ok([run(2, "2026-11-24T00:00:00Z", "success")]),
    repositories: ok([{ name: "mcp-server-tcp", arn: "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp", uri: "x" }]),
  };
}

const status = (input: DoctorInput) => Object.fromEntries(runDoctorChecks(input).map((c) => [c.id, c.status]));

describe("runDoctorChecks", () => {
  it("passes every check for the guide's setup, each with the guide's fix steps and the calls it made", () => {
    const checks = runDoctorChecks(healthy());
    expect(checks.map((c) => c.id)).toEqual([
      "credential-error",
      "region-not-found",
      "access-denied",
      "invalid-access-key",
      "security-token-invalid",
      "repository-creation-failed",
      "image-not-found",
    ]);
    expect(checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
    for (const c of checks) {
      expect(c.fix).toHaveLength(3);
      expect(c.calls.length).toBeGreaterThan(0);
    }
  });

  it("names the missing action as why pushes fail", () => {
    const input = { ...healthy(), policies: ok([guidePolicy(["ecr:GetAuthorizationToken", "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:CreateRepository", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability"])]) };
    const c = runDoctorChecks(input).find((x) => x.id === "access-denied")!;
    expect(c.status).toBe("fail");
    expect(c.summary).toBe("Pushes fail because the policy does not allow ecr:CompleteLayerUpload");
  });

  it("fails repository creation without ecr:CreateRepository, and on a quota error", () => {
    const noCreate = { ...healthy(), policies: ok([guidePolicy(["ecr:GetAuthorizationToken", "ecr:PutImage"])]) };
    expect(status(noCreate)["repository-creation-failed"]).toBe("fail");
    const quota = {
      ...healthy(),
      activity: ok({ events: [{ time: NOW, eventName: "CreateRepository", eventSource: "ecr.amazonaws.com", errorCode: "LimitExceededException", errorMessage: "quota", accessKeyId: KEY, sourceIp: null, userAgent: null, region: "us-east-1" }], accessKeyIds: [KEY], windowDays: 90 }),
    };
    expect(runDoctorChecks(quota).find((c) => c.id === "repository-creation-failed")?.summary).toMatch(/quota/);
  });

  it("catches AWS_REGION set as a secret instead of a variable", () => {
    const input = { ...healthy(), variables: ok([]), secrets: ok([...okData(healthy().secrets), { name: "AWS_REGION", createdAt: NOW, updatedAt: NOW }]) };
    const c = runDoctorChecks(input).find((x) => x.id === "region-not-found")!;
    expect(c.status).toBe("fail");
    expect(c.summary).toMatch(/set as a Secret, not a Variable/);
  });

  it("fails the credential check for a near-miss secret name and for a deactivated key", () => {
    const typo = { ...healthy(), secrets: ok([{ name: "AWS_ACCESS_KEY", createdAt: NOW, updatedAt: NOW }, { name: "AWS_SECRET_ACCESS_KEY", createdAt: NOW, updatedAt: NOW }]) };
    expect(runDoctorChecks(typo).find((c) => c.id === "credential-error")?.summary).toMatch(/rename it to exactly AWS_ACCESS_KEY_ID/);
    const inactive = { ...healthy(), keys: ok([{ accessKeyId: KEY, status: "Inactive", createDate: "2026-10-01T00:00:00Z", lastUsed: null }]) };
    expect(status(inactive)["credential-error"]).toBe("fail");
  });

  it("flags a secret holding a deleted key (seen in CloudTrail from GitHub, gone from IAM)", () => {
    const deleted = "AKIADELETEDDELETED00";
    const input = {
      ...healthy(),
      keys: ok([{ accessKeyId: KEY, status: "Active", createDate: "2026-11-20T00:00:00Z", lastUsed: null }]),
      activity: ok({
        events: [{ time: "2026-11-24T00:00:00Z", eventName: "GetAuthorizationToken", eventSource: "ecr.amazonaws.com", errorCode: null, errorMessage: null, accessKeyId: deleted, sourceIp: "20.1.2.3", userAgent: "aws-cli/2 md/command#ecr.get-login-password exec-env/GitHub_Actions", region: "us-east-1" }],
        accessKeyIds: [KEY],
        windowDays: 90,
      }),
    };
    const c = runDoctorChecks(input).find((x) => x.id === "invalid-access-key")!;
    expect(c.status).toBe("fail");
  });

  it("fails the token check when the latest run failed with it, but only reports older failures", () => {
    const token = "2026-11-24T00:00:01Z ##[error]The security token included in the request is invalid.";
    const latestBad = { ...healthy(), runs: ok([run(3, "2026-11-24T00:00:00Z", "failure", token), run(2, "2026-11-20T00:00:00Z", "success")]) };
    const c = runDoctorChecks(latestBad).find((x) => x.id === "security-token-invalid")!;
    expect(c.status).toBe("fail");
    expect(c.evidence[0]).toBe('Run #3, step "Configure AWS credentials": ##[error]The security token included in the request is invalid.');
    const olderBad = { ...healthy(), runs: ok([run(3, "2026-11-24T00:00:00Z", "success"), run(2, "2026-11-20T00:00:00Z", "failure", token)]) };
    const c2 = runDoctorChecks(olderBad).find((x) => x.id === "security-token-invalid")!;
    expect(c2.status).toBe("pass");
    expect(c2.evidence.join("\n")).toMatch(/Earlier run #2/);
  });

  it("fails the token check when one secret was rewritten without the other", () => {
    const input = { ...healthy(), secrets: ok([{ name: "AWS_ACCESS_KEY_ID", createdAt: NOW, updatedAt: "2026-10-01T00:10:00Z" }, { name: "AWS_SECRET_ACCESS_KEY", createdAt: NOW, updatedAt: "2026-11-10T00:00:00Z" }]) };
    expect(runDoctorChecks(input).find((c) => c.id === "security-token-invalid")?.summary).toMatch(/changed without the other/);
  });

  it("fails image-not-found when AWS_REGION is not where the repositories are", () => {
    const input = { ...healthy(), variables: ok([{ name: "AWS_REGION", value: "eu-west-1" }]) };
    expect(runDoctorChecks(input).find((c) => c.id === "image-not-found")?.summary).toMatch(/eu-west-1.*us-east-1/);
  });

  it("says unknown, with what failed, when the data behind a check could not be read", () => {
    const input = { ...healthy(), policies: down<never>("iam", "ListUserPolicies"), secrets: down<never>("github", "list repository secrets") };
    const checks = runDoctorChecks(input);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId["access-denied"].status).toBe("unknown");
    expect(byId["access-denied"].evidence).toEqual(["iam ListUserPolicies was throttled and still failed after retries with backoff"]);
    expect(byId["credential-error"].status).toBe("unknown");
    expect(byId["region-not-found"].status).toBe("unknown");
    expect(byId["repository-creation-failed"].status).toBe("unknown");
  });
});

describe("latestDecisiveRun", () => {
  it("skips cancelled and unfinished runs", () => {
    const runs = [run(1, "2026-11-01T00:00:00Z", "success"), run(2, "2026-11-02T00:00:00Z", "failure"), run(3, "2026-11-03T00:00:00Z", "cancelled"), { ...run(4, "2026-11-04T00:00:00Z", "success"), status: "in_progress", conclusion: null }];
    expect(latestDecisiveRun(runs)?.id).toBe(2);
    expect(latestDecisiveRun([])).toBeNull();
  });
});
