/** A few AWS managed policies, so AttachUserPolicy with their well-known ARNs works as in a real account. */
export interface ManagedPolicySeed {
  name: string;
  description: string;
  document: object;
}

const ecrRead = [
  "ecr:GetAuthorizationToken",
  "ecr:BatchCheckLayerAvailability",
  "ecr:GetDownloadUrlForLayer",
  "ecr:GetRepositoryPolicy",
  "ecr:DescribeRepositories",
  "ecr:ListImages",
  "ecr:DescribeImages",
  "ecr:BatchGetImage",
  "ecr:GetLifecyclePolicy",
  "ecr:GetLifecyclePolicyPreview",
  "ecr:ListTagsForResource",
  "ecr:DescribeImageScanFindings",
];

export const AWS_MANAGED_POLICIES: ManagedPolicySeed[] = [
  { name: "AdministratorAccess", description: "Provides full access to AWS services and resources.", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } },
  {
    name: "AmazonEC2ContainerRegistryFullAccess",
    description: "Provides administrative access to Amazon ECR resources",
    document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:*", "cloudtrail:LookupEvents"], Resource: "*" }] },
  },
  {
    name: "AmazonEC2ContainerRegistryPowerUser",
    description: "Provides full access to Amazon EC2 Container Registry repositories, but does not allow repository deletion or policy changes.",
    document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...ecrRead, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"], Resource: "*" }] },
  },
  { name: "AmazonEC2ContainerRegistryReadOnly", description: "Provides read-only access to Amazon EC2 Container Registry repositories.", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ecrRead, Resource: "*" }] } },
  { name: "AWSCloudTrail_ReadOnlyAccess", description: "Provides read only access to AWS CloudTrail.", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["cloudtrail:Get*", "cloudtrail:Describe*", "cloudtrail:List*", "cloudtrail:LookupEvents"], Resource: "*" }] } },
  { name: "IAMReadOnlyAccess", description: "Provides read only access to IAM via the AWS Management Console.", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails", "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy"], Resource: "*" }] } },
];
