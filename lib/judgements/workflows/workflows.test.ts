import { describe, expect, it } from "vitest";
import { isRunActive, runDurationMs } from "./run-duration";
import { formatRunDuration } from "../../format";
import { extractStepError, failingStepError, findFailingStep, linesOfStep, parseJobLog } from "./failing-step";
import { classifyGuideError, doctorHref } from "../guide-errors";
import { parseRunQuery, runQueryHref } from "./run-query";

describe("runDurationMs", () => {
  const base = { createdAt: "2024-01-01T10:00:00Z", runStartedAt: "2024-01-01T10:00:05Z", updatedAt: "2024-01-01T10:01:05Z" };
  it("measures a completed run from its latest attempt's start to its last update", () => {
    expect(runDurationMs({ ...base, status: "completed" })).toBe(60_000);
  });
  it("measures a running run up to now, and gives queued runs no duration", () => {
    expect(runDurationMs({ ...base, status: "in_progress" }, new Date("2024-01-01T10:00:35Z"))).toBe(30_000);
    expect(runDurationMs({ ...base, status: "queued" })).toBeNull();
  });
  it("falls back to created_at without run_started_at and refuses negative or unreadable spans", () => {
    expect(runDurationMs({ ...base, runStartedAt: null, status: "completed" })).toBe(65_000);
    expect(runDurationMs({ ...base, updatedAt: "2024-01-01T09:00:00Z", status: "completed" })).toBeNull();
    expect(runDurationMs({ ...base, runStartedAt: "garbage", status: "completed" })).toBeNull();
  });
  it("formats durations and knows which runs are still moving", () => {
    expect(formatRunDuration(59_400)).toBe("59s");
    expect(formatRunDuration(61_000)).toBe("1m 1s");
    expect(formatRunDuration(3_720_000)).toBe("1h 2m");
    expect(formatRunDuration(null)).toBe("—");
    expect(isRunActive("in_progress")).toBe(true);
    expect(isRunActive("completed")).toBe(false);
    expect(isRunActive(null)).toBe(false);
  });
});

const LOG = [
  "\uFEFF2024-01-01T10:00:00.1000000Z Current runner version: '2.321.0'",
  "2024-01-01T10:00:02.5000000Z ##[group]Run aws-actions/configure-aws-credentials@v4",
  "2024-01-01T10:00:02.6000000Z ##[endgroup]",
  "2024-01-01T10:00:03.9990000Z ##[error]The security token included in the request is invalid.",
  "2024-01-01T10:00:04.2000000Z Post job cleanup.",
  "",
].join("\n");

describe("failing step", () => {
  const jobs = [
    { id: 1, name: "lint", conclusion: "success", steps: [] },
    {
      id: 2,
      name: "build-and-push",
      conclusion: "failure",
      steps: [
        { number: 3, name: "Login", conclusion: "skipped", startedAt: null, completedAt: null },
        { number: 2, name: "Configure AWS credentials", conclusion: "failure", startedAt: "2024-01-01T10:00:02Z", completedAt: "2024-01-01T10:00:03Z" },
        { number: 1, name: "Set up job", conclusion: "success", startedAt: "2024-01-01T10:00:00Z", completedAt: "2024-01-01T10:00:02Z" },
      ],
    },
  ];

  it("parses GitHub's 7-digit timestamps and strips the BOM", () => {
    const lines = parseJobLog(LOG);
    expect(lines[0]).toEqual({ at: Date.parse("2024-01-01T10:00:00.100Z"), text: "Current runner version: '2.321.0'" });
    expect(lines).toHaveLength(5);
    expect(parseJobLog("no stamp here")[0]).toEqual({ at: null, text: "no stamp here" });
  });

  it("finds the failed job and its failed step regardless of step order", () => {
    const f = findFailingStep(jobs);
    expect(f?.job.id).toBe(2);
    expect(f?.step?.name).toBe("Configure AWS credentials");
    expect(findFailingStep([jobs[0]])).toBeNull();
  });

  it("keeps lines inside the step's whole-second window, including the last second's fraction", () => {
    const inStep = linesOfStep(parseJobLog(LOG), { startedAt: "2024-01-01T10:00:02Z", completedAt: "2024-01-01T10:00:03Z" });
    expect(inStep.map((l) => l.text)).toEqual(["##[group]Run aws-actions/configure-aws-credentials@v4", "##[endgroup]", "##[error]The security token included in the request is invalid."]);
    expect(linesOfStep(parseJobLog(LOG), { startedAt: null, completedAt: null })).toEqual([]);
  });

  it("extracts the step's error", () => {
    expect(failingStepError(LOG, jobs[1].steps[1])?.message).toBe("The security token included in the request is invalid.");
  });

  it("prefers the AWS CLI's error over the runner's generic exit-code line", () => {
    const e = extractStepError([
      { at: 1, text: "An error occurred (AccessDeniedException) when calling the DescribeRepositories operation: User is not authorized" },
      { at: 2, text: "##[error]Process completed with exit code 254." },
    ]);
    expect(e?.message).toMatch(/^An error occurred \(AccessDeniedException\)/);
    expect(e?.details).toEqual(["Process completed with exit code 254."]);
  });

  it("falls back to the whole log when the step window holds no error, ignoring cancellation noise", () => {
    const log = "2024-01-01T11:00:00.0000000Z ##[error]Input required and not supplied: aws-region\n2024-01-01T11:00:09.0000000Z ##[error]The operation was canceled.\n";
    expect(failingStepError(log, { startedAt: "2024-01-01T10:00:00Z", completedAt: "2024-01-01T10:00:01Z" })?.message).toBe("Input required and not supplied: aws-region");
    expect(failingStepError("", null)).toBeNull();
  });
});

describe("classifyGuideError", () => {
  const cases: Array<[string, string | null]> = [
    ["The security token included in the request is invalid.", "secret-access-key-not-found"],
    ["SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided", "secret-access-key-not-found"],
    ["The AWS Access Key Id you provided does not exist in our records.", "invalid-access-key"],
    ["Input required and not supplied: aws-region", "aws-region-not-found"],
    ['The "aws-region" input is required', "aws-region-not-found"],
    ["User: arn:aws:iam::1:user/github-ecr-push is not authorized to perform: ecr:GetAuthorizationToken on resource: *", "access-denied"],
    ["AccessDenied: User is not authorized to perform: ecr:CreateRepository", "repository-creation-failed"],
    ["InvalidUserID.AccessDenied: User is not authorized to perform...", "credential-error"],
    ["Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers", "credential-error"],
    ["'aws-secret-access-key' must be provided if 'aws-access-key-id' is provided", "credential-error"],
    ["npm ERR! code ELIFECYCLE", null],
    ["", null],
  ];
  it.each(cases)("%s → %s", (text, id) => {
    expect(classifyGuideError(text)?.section ?? null).toBe(id);
  });
  it("links to the doctor check anchor", () => {
    expect(doctorHref("access-denied")).toBe("/doctor#access-denied");
  });
});

describe("run query", () => {
  it("drops values GitHub would reject and caps the page at GitHub's 1,000-result window", () => {
    expect(parseRunQuery({ status: "bogus", branch: "feat..x", event: "Push!", page: "99", workflow: "x" })).toEqual({ workflow: "ecr", status: "", branch: "", event: "", page: 34 });
    expect(parseRunQuery({ status: "failure", branch: "release/1.2", event: "push", workflow: "all" })).toMatchObject({ status: "failure", branch: "release/1.2", event: "push", workflow: "all" });
  });
  it("builds hrefs with only non-default params", () => {
    const q = parseRunQuery({ status: "failure" });
    expect(runQueryHref("/workflows", q, { page: 2 })).toBe("/workflows?status=failure&page=2");
    expect(runQueryHref("/workflows", q, { status: "" })).toBe("/workflows");
  });
});
