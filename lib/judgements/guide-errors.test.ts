// One guide-error table: the Doctor (its checks over failing runs' logs) and a run's page (the failing
// step's error) name the same Troubleshooting section for the same log line. The lines are what AWS, the
// AWS CLI, the SDKs and aws-actions/configure-aws-credentials print (AWS's Common Errors and IAM's
// access-denied message formats).

import { describe, expect, it } from "vitest";
import { classifyGuideError, classifyGuideErrorLine, doctorHref, explainErrorCode, GUIDE_SECTIONS, type GuideSectionId } from "./guide-errors";
import { runDoctorChecks } from "./posture/doctor-checks";
import type { PostureSnapshot } from "./posture/snapshot";
import { explainFailingStep } from "./workflows/failing-step";
import { failedPart, failure, partOf } from "../failures";

const USER = "arn:aws:iam::123456789012:user/github-ecr-push";
const REPO = "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp";

const LINES: Array<[string, GuideSectionId]> = [
  // The AWS CLI names the code: the code decides (AWS, Common Errors: the access key ID does not exist).
  ["An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.", "invalid-access-key"],
  ["An error occurred (UnrecognizedClientException) when calling the GetAuthorizationToken operation: The security token included in the request is invalid.", "invalid-access-key"],
  ["InvalidClientTokenId: The security token included in the request is invalid.", "invalid-access-key"],
  ["An error occurred (InvalidAccessKeyId) when calling the ListObjectsV2 operation: The AWS Access Key Id you provided does not exist in our records.", "invalid-access-key"],
  [
    "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    "secret-access-key-not-found",
  ],
  ["InvalidSignatureException: The request signature we calculated does not match the signature you provided.", "secret-access-key-not-found"],
  // configure-aws-credentials prints the message alone: the guide quotes it under "Secret Access Key Not Found".
  ["The security token included in the request is invalid.", "secret-access-key-not-found"],
  ["An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired", "credential-error"],
  ["ExpiredTokenException: The security token included in the request is expired", "credential-error"],
  [
    `An error occurred (AccessDenied) when calling the ListUsers operation: User: ${USER} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action`,
    "access-denied",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the CompleteLayerUpload operation: User: ${USER} is not authorized to perform: ecr:CompleteLayerUpload on resource: ${REPO} because no identity-based policy allows the ecr:CompleteLayerUpload action`,
    "access-denied",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the PutImage operation: User: ${USER} is not authorized to perform: ecr:PutImage on resource: ${REPO} with an explicit deny in an identity-based policy`,
    "access-denied",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the CreateRepository operation: User: ${USER} is not authorized to perform: ecr:CreateRepository on resource: ${REPO} because no identity-based policy allows the ecr:CreateRepository action`,
    "repository-creation-failed",
  ],
  ["InvalidUserID.AccessDenied: User is not authorized to perform...", "credential-error"],
  ["Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers", "credential-error"],
  ["Input required and not supplied: aws-region", "aws-region-not-found"],
];

/** A GitHub job log: timestamped lines, the failing step's error marked ##[error]. */
const STEP = { startedAt: "2026-11-25T11:00:00Z", completedAt: "2026-11-25T11:00:04Z" };
const jobLog = (line: string) =>
  ["2026-11-25T11:00:01.1000000Z ##[group]Run aws-actions/configure-aws-credentials@v4", "2026-11-25T11:00:01.2000000Z ##[endgroup]", `2026-11-25T11:00:03.0000000Z ##[error]${line}`].join("\n");

/** A snapshot where only the run's log can decide: the policies could not be read, everything else is in order. */
function snapshotWithFailedRun(line: string): PostureSnapshot {
  const now = Date.parse("2026-11-25T12:00:00Z");
  const at = (ago: number) => new Date(now - ago).toISOString();
  return {
    now: new Date(now).toISOString(),
    userName: "github-ecr-push",
    user: partOf({ userName: "github-ecr-push", arn: USER }),
    accessKeys: partOf([{ accessKeyId: "AKIAIOSFODNN7EXAMPLE", status: "Active", createDate: at(30 * 86_400_000), lastUsed: null }]),
    policies: failedPart(failure("iam", "ListUserPolicies", "throttled")),
    secrets: partOf([
      { name: "AWS_ACCESS_KEY_ID", createdAt: at(29 * 86_400_000), updatedAt: at(29 * 86_400_000) },
      { name: "AWS_SECRET_ACCESS_KEY", createdAt: at(29 * 86_400_000), updatedAt: at(29 * 86_400_000) },
    ]),
    variables: partOf([{ name: "AWS_REGION", value: "us-east-1" }]),
    runs: partOf([{ id: 42, createdAt: at(3_600_000), updatedAt: at(3_500_000), conclusion: "failure", failingSteps: [{ job: "build-and-push", step: "Configure AWS credentials", log: jobLog(line) }] }]),
    cloudTrail: partOf([]),
    ecrRepositories: { "us-east-1": partOf([{ name: "mcp-server-tcp", hasImages: true, latestPushedAt: at(86_400_000) }]) },
  };
}

/** The Doctor's answer for a line: the checks whose evidence quotes it. */
function doctorSectionsFor(line: string): string[] {
  return runDoctorChecks(snapshotWithFailedRun(line))
    .filter((c) => c.evidence.some((e) => e.includes(line.slice(0, 120))))
    .map((c) => c.id);
}

describe("the Doctor and a run's page name the same guide section for the same log line", () => {
  it.each(LINES)("%s → %s", (line, section) => {
    const page = explainFailingStep(jobLog(line), STEP);
    expect(page.error?.message).toBe(line);
    expect(page.guide?.section).toBe(section);
    expect(doctorSectionsFor(line)).toEqual([section]);
    // The Doctor's check for the section is the one the run page links to.
    const check = runDoctorChecks(snapshotWithFailedRun(line)).find((c) => c.id === section)!;
    expect(check.status).toBe("fail");
    expect(check.title).toBe(page.guide?.title);
    expect(doctorHref(page.guide!.section)).toBe(`/doctor#${check.id}`);
  });
});

describe("classifyGuideError", () => {
  it("says what an explicit deny means: an Allow cannot fix it", () => {
    expect(classifyGuideErrorLine(LINES[11][0])).toMatchObject({ section: "access-denied", code: "AccessDeniedException", action: "ecr:PutImage", meaning: expect.stringMatching(/explicit Deny/) });
    expect(classifyGuideErrorLine(LINES[10][0])?.meaning).toBe("The key works but the push user's policy lacks an action the workflow needs.");
  });

  it("takes the first line of a multi-line message the guide covers", () => {
    expect(classifyGuideError(["Error: Process completed with exit code 254.", LINES[0][0], LINES[6][0]].join("\n"))?.section).toBe("invalid-access-key");
    expect(classifyGuideError("npm ERR! code ELIFECYCLE")).toBeNull();
    expect(classifyGuideError("")).toBeNull();
  });

  it("does not mistake a code inside another word", () => {
    // "InvalidUserID.AccessDenied" is the guide's credential error, not AccessDenied.
    expect(classifyGuideErrorLine("InvalidUserID.AccessDenied")?.section).toBe("credential-error");
    expect(classifyGuideErrorLine("MyAccessDeniedHandler failed")).toBeNull();
  });
});

describe("explainErrorCode (CloudTrail's errorCode, the same table)", () => {
  it.each([
    ["AccessDenied", "Access Denied / Permission Error", false],
    ["AccessDeniedException", "Access Denied / Permission Error", false],
    ["InvalidClientTokenId", "Invalid Access Key", false],
    ["UnrecognizedClientException", "Invalid Access Key", false],
    ["SignatureDoesNotMatch", "Secret Access Key Not Found", false],
    ["ExpiredToken", "Credential Error in Workflow", false],
    ["LimitExceededException", "ECR Repository Creation Failed", false],
    ["RepositoryNotFoundException", "Image Not Found in ECR", true],
    ["LayerAlreadyExistsException", null, true],
    ["signaturedoesnotmatch", "Secret Access Key Not Found", false],
  ])("%s → %s", (code, section, benign) => {
    const e = explainErrorCode(code);
    expect(e.guideSection).toBe(section);
    expect(e.benign).toBe(benign);
  });

  it("agrees with the line classification for every code it places in a section", () => {
    for (const [id, title] of Object.entries(GUIDE_SECTIONS)) {
      for (const code of ["AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "LimitExceededException", "RepositoryNotFoundException"]) {
        const e = explainErrorCode(code);
        if (e.section !== id) continue;
        expect(classifyGuideErrorLine(`An error occurred (${code}) when calling the X operation: y`)?.title).toBe(title);
      }
    }
  });

  it("unknown codes get a neutral explanation", () => {
    expect(explainErrorCode("WeirdError")).toMatchObject({ title: "WeirdError", guideSection: null, benign: false });
  });
});
