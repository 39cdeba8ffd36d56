import { describe, expect, it } from "vitest";
import {
  ECR_ACTIONS,
  ECR_ACTION_NAMES,
  GUIDE_PUSH_POLICY,
  MINIMAL_PUSH_ACTIONS,
  PUSH_CRITICAL_ACTIONS,
  PUSH_FAILURE_EFFECT,
  WORKFLOW_EXTRA_ACTIONS,
  canonicalizeEcrAction,
  formatRepositoryArn,
  isRepositoryScopedAction,
} from "./ecr-actions";

describe("ECR action list", () => {
  it("is sorted, unique and PascalCase", () => {
    const sorted = [...ECR_ACTION_NAMES].sort();
    expect([...ECR_ACTION_NAMES]).toEqual(sorted);
    expect(new Set(ECR_ACTION_NAMES).size).toBe(ECR_ACTION_NAMES.length);
    for (const name of ECR_ACTION_NAMES) expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it("contains the permission-only and newer actions as well as the push ones", () => {
    for (const a of [
      "BatchImportUpstreamImage",
      "ReplicateImage",
      "GetImageCopyStatus",
      "CreateRepositoryCreationTemplate",
      "UpdateImageStorageClass",
      "PutSigningConfiguration",
      "DeregisterPullTimeUpdateExclusion",
      "UploadLayerPart",
    ]) {
      expect(ECR_ACTION_NAMES).toContain(a);
    }
    expect(ECR_ACTIONS).toContain("ecr:PutImage");
    // An API operation authorised by ecr:BatchGetImage, not an action of its own.
    expect(ECR_ACTION_NAMES).not.toContain("ListImageReferrers");
    expect(ECR_ACTIONS.length).toBe(ECR_ACTION_NAMES.length);
  });
});

describe("canonicalizeEcrAction", () => {
  it("canonicalises any case, with or without prefix, and trims", () => {
    expect(canonicalizeEcrAction("ECR:putimage")).toBe("ecr:PutImage");
    expect(canonicalizeEcrAction("getauthorizationtoken")).toBe("ecr:GetAuthorizationToken");
    expect(canonicalizeEcrAction("  ecr:BatchGetImage ")).toBe("ecr:BatchGetImage");
  });

  it("returns null for other services and unknown names", () => {
    expect(canonicalizeEcrAction("ecr-public:PutImage")).toBeNull();
    expect(canonicalizeEcrAction("s3:PutObject")).toBeNull();
    expect(canonicalizeEcrAction("ecr:PushImage")).toBeNull();
    expect(canonicalizeEcrAction("ecr:*")).toBeNull();
  });
});

describe("resource-level support", () => {
  it("knows GetAuthorizationToken and registry actions need Resource *", () => {
    expect(isRepositoryScopedAction("ecr:GetAuthorizationToken")).toBe(false);
    expect(isRepositoryScopedAction("ecr:DescribeRegistry")).toBe(false);
    expect(isRepositoryScopedAction("ecr:PutImage")).toBe(true);
    expect(isRepositoryScopedAction("ecr:createrepository")).toBe(true);
    expect(isRepositoryScopedAction("s3:GetObject")).toBe(false);
  });

  it("formats repository ARNs with the region's partition", () => {
    expect(formatRepositoryArn("us-east-1", "123456789012", "app")).toBe("arn:aws:ecr:us-east-1:123456789012:repository/app");
    expect(formatRepositoryArn("cn-north-1", "1", "a/b")).toBe("arn:aws-cn:ecr:cn-north-1:1:repository/a/b");
    expect(formatRepositoryArn("us-gov-west-1", "1", "x")).toBe("arn:aws-us-gov:ecr:us-gov-west-1:1:repository/x");
  });
});

describe("baselines", () => {
  it("the guide's policy has its 11 actions on Resource *", () => {
    const st = GUIDE_PUSH_POLICY.Statement[0];
    expect(st.Action.length).toBe(11);
    expect(st.Resource).toBe("*");
    for (const a of st.Action) expect(ECR_ACTIONS).toContain(a);
  });

  it("the minimal push set and the workflow needs are all in the guide's policy", () => {
    const guide = new Set<string>(GUIDE_PUSH_POLICY.Statement[0].Action);
    for (const a of PUSH_CRITICAL_ACTIONS) expect(guide.has(a)).toBe(true);
    expect(MINIMAL_PUSH_ACTIONS).not.toContain("ecr:GetDownloadUrlForLayer");
    expect(WORKFLOW_EXTRA_ACTIONS).toEqual(["ecr:DescribeRepositories", "ecr:CreateRepository", "ecr:DescribeImages"]);
    for (const a of PUSH_CRITICAL_ACTIONS) expect(PUSH_FAILURE_EFFECT[a]).toBeTruthy();
  });
});
