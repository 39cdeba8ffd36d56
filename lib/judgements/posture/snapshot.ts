import type { OwnKeyUse, OwnSecretWrite } from "./secret-correlation";
// Everything the doctor looks at, gathered once per refresh. Each field is a Part: the data, or the failure of
// the call that should have produced it, so one failing API (IAM throttled, CloudTrail denied, GitHub down)
// turns only the checks that need it to "unknown" and names what failed.

import type { Part } from "../../failures";
import type { PolicyInput } from "./effective-actions";
import type { AccessKeyInfo } from "./key-verdicts";
import type { TimeInput } from "./time-util";
import type { CloudTrailEvent, EcrRepositoryInfo, GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "./types";

export interface IamUserInfo {
  userName: string;
  arn: string;
  createDate?: TimeInput;
}

export interface PostureSnapshot {
  now: TimeInput;
  /** The push user's name (DECKHAND_IAM_USER). */
  userName: string;
  /** null when IAM says the user does not exist (NoSuchEntity). */
  user: Part<IamUserInfo | null>;
  accessKeys: Part<AccessKeyInfo[]>;
  /** Inline and attached policy documents of the user. */
  policies: Part<PolicyInput[]>;
  secrets: Part<GithubSecretInfo[]>;
  variables: Part<GithubVariableInfo[]>;
  /** Runs of the ECR workflow, any order, failing runs with their failing steps' logs. */
  runs: Part<WorkflowRunInfo[]>;
  /** CloudTrail events made with the user's keys over the window. */
  cloudTrail: Part<CloudTrailEvent[]>;
  /** ECR repositories per region looked at (AWS_REGION plus any others checked), each fetched on its own. */
  ecrRepositories: Record<string, Part<EcrRepositoryInfo[]>>;
  rotationInProgress?: boolean;
  /** When Deckhand itself used and wrote keys (its rotations' steps): never a stranger's use of the key. */
  ownKeyActivity?: { uses: OwnKeyUse[]; writes: OwnSecretWrite[] };
}

/** The API calls behind each snapshot field, named the way AWS and GitHub document them. */
export const SNAPSHOT_CALLS = {
  user: ["iam:GetUser"],
  accessKeys: ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
  policies: ["iam:ListUserPolicies", "iam:GetUserPolicy", "iam:ListAttachedUserPolicies", "iam:GetPolicy", "iam:GetPolicyVersion"],
  secrets: ["GET /repos/{owner}/{repo}/actions/secrets"],
  variables: ["GET /repos/{owner}/{repo}/actions/variables"],
  runs: ["GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs"],
  cloudTrail: ["cloudtrail:LookupEvents"],
  ecrRepositories: ["ecr:DescribeRepositories", "ecr:DescribeImages"],
} as const satisfies Record<string, readonly string[]>;

export type SnapshotField = keyof typeof SNAPSHOT_CALLS;
