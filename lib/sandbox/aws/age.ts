// The AWS half's recorded times, for POST /_sandbox/age (../age.ts). Everything AWS would show as "when": CloudTrail
// events (eventTime and every timestamp inside the record: session creationDate, credentials' expiration), IAM users,
// keys (CreateDate, GetAccessKeyLastUsed), managed policies and their versions, roles (CreateDate, RoleLastUsed), OIDC
// providers, STS sessions (issued and expiry: a session older than its duration expires, as it would have), the
// credential report (GeneratedTime and the dates in its CSV), ECR repositories, images (imagePushedAt,
// lastRecordedPullTime) and open upload sessions.

import type { AgedTable } from "../age";

export const AWS_AGED_TABLES: AgedTable[] = [
  { table: "aws_ct_events", ms: ["time_ms"], iso: ["event_json"] },
  { table: "aws_iam_users", ms: ["create_date"] },
  { table: "aws_iam_keys", ms: ["create_date", "last_used_ms"] },
  { table: "aws_iam_policies", ms: ["create_date", "update_date"] },
  { table: "aws_iam_policy_versions", ms: ["create_date"] },
  { table: "aws_iam_credential_report", ms: ["generated_ms"], iso: ["csv"] },
  { table: "aws_iam_roles", ms: ["create_date", "last_used_ms"] },
  { table: "aws_iam_oidc_providers", ms: ["create_date"] },
  { table: "aws_sts_sessions", ms: ["issued_ms", "expires_ms"] },
  { table: "aws_ecr_repos", ms: ["created_ms"] },
  { table: "aws_ecr_images", ms: ["pushed_ms", "last_pull_ms"] },
  { table: "aws_ecr_uploads", ms: ["created_ms"] },
];
