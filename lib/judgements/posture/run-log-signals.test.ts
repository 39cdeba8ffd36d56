import { describe, expect, it } from "vitest";
import { findSkippedPushes, findUnresolvedFailures, scanFailingRuns } from "./run-log-signals";
import type { WorkflowRunInfo } from "./types";

const run = (id: number, createdAt: string, conclusion: string | null, log = ""): WorkflowRunInfo => ({
  id,
  createdAt,
  conclusion,
  failingSteps: log ? [{ job: "build", step: "Push", log }] : undefined,
});

describe("findUnresolvedFailures", () => {
  it("keeps failures newer than the newest success, in any input order", () => {
    const runs = [
      run(1, "2026-11-20T00:00:00Z", "failure"),
      run(3, "2026-11-22T00:00:00Z", "failure"),
      run(2, "2026-11-21T00:00:00Z", "success"),
      run(4, "2026-11-23T00:00:00Z", "cancelled"),
      run(5, "2026-11-24T00:00:00Z", null),
      run(6, "2026-11-24T01:00:00Z", "timed_out"),
    ];
    expect(findUnresolvedFailures(runs).map((r) => r.id)).toEqual([6, 3]);
  });
});

describe("scanFailingRuns", () => {
  it("strips timestamps and annotations, and extracts the denied action", () => {
    const hits = scanFailingRuns(
      [run(7, "2026-11-24T00:00:00Z", "failure", "2026-11-24T00:01:02.1234567Z ##[error]User: arn:aws:iam::1:user/github-ecr-push is not authorized to perform: ecr:CreateRepository on resource: x\nplain line")],
      ["access-denied", "repository-creation-failed", "credential-error"],
    );
    // One section per line: a CreateRepository denial is the guide's "ECR Repository Creation Failed".
    expect(hits.map((h) => h.section)).toEqual(["repository-creation-failed"]);
    expect(hits[0].action).toBe("ecr:CreateRepository");
    expect(hits[0].line.startsWith("User: arn:aws:iam::1:user/github-ecr-push")).toBe(true);
  });

  it.each([
    ["credential-error", "InvalidUserID.AccessDenied: User is not authorized to perform..."],
    ["aws-region-not-found", 'Error: The "aws-region" input is required'],
    ["invalid-access-key", "The AWS Access Key Id you provided does not exist in our records."],
    ["invalid-access-key", "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid."],
    ["secret-access-key-not-found", "The security token included in the request is invalid."],
  ] as const)("recognises %s", (section, text) => {
    expect(scanFailingRuns([run(1, "2026-11-24T00:00:00Z", "failure", text)], [section])).toHaveLength(1);
  });

  it("recognises a skipped push in a successful run's step logs", () => {
    const r: WorkflowRunInfo = { id: 9, createdAt: "2026-11-24T00:00:00Z", conclusion: "success", stepLogs: [{ job: "b", step: "Compare", log: "Skipping push: digest matches latest" }] };
    expect(findSkippedPushes(r)).toHaveLength(1);
    expect(findSkippedPushes({ ...r, stepLogs: [{ job: "b", step: "Push", log: "pushed sha256:abc" }] })).toEqual([]);
  });
});
