// ECR's IAM vocabulary and the push baselines every other posture judgement compares against.
//
// Source of the action list: the Service Authorization Reference page "Actions, resources, and condition
// keys for Amazon Elastic Container Registry" (service prefix `ecr`), cross-checked against the ECR API
// reference's operation list. Permission-only actions (BatchImportUpstreamImage, GetImageCopyStatus,
// ReplicateImage) have no API operation but are real IAM actions, so a policy may grant them. The API
// operation ListImageReferrers is NOT an IAM action: the API reference says callers need ecr:BatchGetImage.

export const ECR_PREFIX = "ecr";

/** Every ECR IAM action name, canonical casing, without the `ecr:` prefix. Sorted. */
export const ECR_ACTION_NAMES = [
  "BatchCheckLayerAvailability",
  "BatchDeleteImage",
  "BatchGetImage",
  "BatchGetRepositoryScanningConfiguration",
  "BatchImportUpstreamImage",
  "CompleteLayerUpload",
  "CreatePullThroughCacheRule",
  "CreateRepository",
  "CreateRepositoryCreationTemplate",
  "DeleteLifecyclePolicy",
  "DeletePullThroughCacheRule",
  "DeleteRegistryPolicy",
  "DeleteRepository",
  "DeleteRepositoryCreationTemplate",
  "DeleteRepositoryPolicy",
  "DeleteSigningConfiguration",
  "DeregisterPullTimeUpdateExclusion",
  "DescribeImageReplicationStatus",
  "DescribeImageScanFindings",
  "DescribeImageSigningStatus",
  "DescribeImages",
  "DescribePullThroughCacheRules",
  "DescribeRegistry",
  "DescribeRepositories",
  "DescribeRepositoryCreationTemplates",
  "GetAccountSetting",
  "GetAuthorizationToken",
  "GetDownloadUrlForLayer",
  "GetImageCopyStatus",
  "GetLifecyclePolicy",
  "GetLifecyclePolicyPreview",
  "GetRegistryPolicy",
  "GetRegistryScanningConfiguration",
  "GetRepositoryPolicy",
  "GetSigningConfiguration",
  "InitiateLayerUpload",
  "ListImages",
  "ListPullTimeUpdateExclusions",
  "ListTagsForResource",
  "PutAccountSetting",
  "PutImage",
  "PutImageScanningConfiguration",
  "PutImageTagMutability",
  "PutLifecyclePolicy",
  "PutRegistryPolicy",
  "PutRegistryScanningConfiguration",
  "PutReplicationConfiguration",
  "PutSigningConfiguration",
  "RegisterPullTimeUpdateExclusion",
  "ReplicateImage",
  "SetRepositoryPolicy",
  "StartImageScan",
  "StartLifecyclePolicyPreview",
  "TagResource",
  "UntagResource",
  "UpdateImageStorageClass",
  "UpdatePullThroughCacheRule",
  "UpdateRepositoryCreationTemplate",
  "UploadLayerPart",
  "ValidatePullThroughCacheRule",
] as const;

export type EcrActionName = (typeof ECR_ACTION_NAMES)[number];

/** Every ECR action as it appears in a policy: `ecr:PutImage`. */
export const ECR_ACTIONS: readonly string[] = ECR_ACTION_NAMES.map((n) => `${ECR_PREFIX}:${n}`);

// Actions whose "Resource types" column in the reference names the `repository` resource. All other ECR
// actions are registry-level and only match Resource "*": granting them on a repository ARN grants nothing.
const REPOSITORY_SCOPED_NAMES: readonly EcrActionName[] = [
  "BatchCheckLayerAvailability",
  "BatchDeleteImage",
  "BatchGetImage",
  "BatchGetRepositoryScanningConfiguration",
  "BatchImportUpstreamImage",
  "CompleteLayerUpload",
  "CreateRepository",
  "DeleteLifecyclePolicy",
  "DeleteRepository",
  "DeleteRepositoryPolicy",
  "DescribeImageReplicationStatus",
  "DescribeImageScanFindings",
  "DescribeImageSigningStatus",
  "DescribeImages",
  "DescribeRepositories",
  "GetDownloadUrlForLayer",
  "GetLifecyclePolicy",
  "GetLifecyclePolicyPreview",
  "GetRepositoryPolicy",
  "InitiateLayerUpload",
  "ListImages",
  "ListTagsForResource",
  "PutImage",
  "PutImageScanningConfiguration",
  "PutImageTagMutability",
  "PutLifecyclePolicy",
  "ReplicateImage",
  "SetRepositoryPolicy",
  "StartImageScan",
  "StartLifecyclePolicyPreview",
  "TagResource",
  "UntagResource",
  "UpdateImageStorageClass",
  "UploadLayerPart",
];

const REPOSITORY_SCOPED = new Set<string>(REPOSITORY_SCOPED_NAMES.map((n) => `${ECR_PREFIX}:${n}`));

const BY_LOWER = new Map<string, string>(ECR_ACTIONS.map((a) => [a.toLowerCase(), a]));

/**
 * Canonical `ecr:Name` for an ECR action written in any case, with or without the prefix
 * (`ECR:putimage`, `PutImage`), or null when it is not an ECR action we know.
 */
export function canonicalizeEcrAction(name: string): string | null {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  const full = lower.includes(":") ? lower : `${ECR_PREFIX}:${lower}`;
  return BY_LOWER.get(full) ?? null;
}

/** True when the action accepts a repository ARN in Resource (so `"*"` can be narrowed). */
export function isRepositoryScopedAction(action: string): boolean {
  const canonical = canonicalizeEcrAction(action);
  return canonical !== null && REPOSITORY_SCOPED.has(canonical);
}

// What `docker push` through ECR needs, per the Amazon ECR User Guide page "IAM permissions for pushing an
// image to an Amazon ECR private repository": the five layer/manifest actions plus ecr:BatchGetImage on the
// repository, and ecr:GetAuthorizationToken on "*". The same page does NOT list GetDownloadUrlForLayer,
// so it is not part of the minimal set (it is a pull action; the guide's policy grants it anyway).
export const MINIMAL_PUSH_ACTIONS: readonly string[] = [
  "ecr:GetAuthorizationToken",
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchGetImage",
];

// The guide's workflow does more than push: it looks the repository up (describe-repositories), creates it
// when missing (create-repository) and reads the digest `latest` points to (describe-images) to skip
// unchanged images. Without these the workflow fails before or instead of pushing.
export const WORKFLOW_EXTRA_ACTIONS: readonly string[] = [
  "ecr:DescribeRepositories",
  "ecr:CreateRepository",
  "ecr:DescribeImages",
];

/** Every action whose absence makes the guide's workflow fail. */
export const PUSH_CRITICAL_ACTIONS: readonly string[] = [...MINIMAL_PUSH_ACTIONS, ...WORKFLOW_EXTRA_ACTIONS];

/** What breaks, in the user's words, when a push-critical action is missing. */
export const PUSH_FAILURE_EFFECT: Readonly<Record<string, string>> = {
  "ecr:GetAuthorizationToken": "docker login to ECR fails (amazon-ecr-login cannot get a token), so nothing can be pushed",
  "ecr:BatchCheckLayerAvailability": "docker push fails while checking which layers ECR already has",
  "ecr:InitiateLayerUpload": "docker push fails when starting a layer upload",
  "ecr:UploadLayerPart": "docker push fails while uploading layer data",
  "ecr:CompleteLayerUpload": "docker push fails when finishing a layer upload",
  "ecr:PutImage": "docker push fails when writing the image manifest (the tag is never created)",
  "ecr:BatchGetImage": "docker push fails reading back the manifest it is about to overwrite",
  "ecr:DescribeRepositories": "the workflow cannot tell whether the repository exists",
  "ecr:CreateRepository": "the workflow cannot create a missing repository (guide: ECR Repository Creation Failed)",
  "ecr:DescribeImages": "the workflow cannot read the digest of `latest`, so the digest compare fails",
};

/** The guide's `ecr-push-policy` (Step 2), exactly as the guide prints it. */
export const GUIDE_PUSH_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ecr:GetAuthorizationToken",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:CreateRepository",
        "ecr:PutImage",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:BatchCheckLayerAvailability",
      ],
      Resource: "*",
    },
  ],
} as const;

export const GUIDE_POLICY_NAME = "ecr-push-policy";

/** ARN of one repository. Partition defaults to `aws`; China and GovCloud regions use their own. */
export function formatRepositoryArn(region: string, accountId: string, repositoryName: string): string {
  const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  return `arn:${partition}:ecr:${region}:${accountId}:repository/${repositoryName}`;
}
