/** The push policy from the ECR setup guide (Step 2), verbatim in content. */
export const GUIDE_PUSH_ACTIONS = [
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
];

export function policyDocumentText(actions: string[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] }, null, 2);
}

/**
 * The seeded github-ecr-push policy has drifted from the guide: someone removed CompleteLayerUpload
 * (so every push of a new layer fails) and added destructive actions the workflow never needs.
 */
export const DRIFTED_PUSH_ACTIONS = [...GUIDE_PUSH_ACTIONS.filter((a) => a !== "ecr:CompleteLayerUpload"), "ecr:BatchDeleteImage", "ecr:DeleteRepository"];
export const DRIFT_MISSING = ["ecr:CompleteLayerUpload"];
export const DRIFT_EXTRA = ["ecr:BatchDeleteImage", "ecr:DeleteRepository"];
