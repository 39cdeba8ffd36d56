// Everything the doctor looks at, gathered once per refresh. Each field is either the data or the failure of
// the call that should have produced it, so one failing API (IAM throttled, CloudTrail denied, GitHub down)
// turns only the checks that need it to "unknown" and names what failed.

import type { PolicyInput } from "./effective-actions";
import type { AccessKeyInfo } from "./key-verdicts";
import type { TimeInput } from "./time-util";
import type { CloudTrailEvent, EcrRepositoryInfo, GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "./types";

export interface GatherError {
  /** The call that failed, e.g. "iam:ListAccessKeys" or "GET /repos/{owner}/{repo}/actions/secrets". */
  call: string;
  message: string;
  /** Error code or HTTP status when there is one ("Throttling", "AccessDenied", "503"). */
  code?: string;
}

export type Gathered<T> = { ok: true; value: T } | { ok: false; error: GatherError };

export function gathered<T>(value: T): Gathered<T> {
  return { ok: true, value };
}

export function gatherFailed<T = never>(call: string, message: string, code?: string): Gathered<T> {
  return { ok: false, error: code === undefined ? { call, message } : { call, message, code } };
}

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
  user: Gathered<IamUserInfo | null>;
  accessKeys: Gathered<AccessKeyInfo[]>;
  /** Inline and attached policy documents of the user. */
  policies: Gathered<PolicyInput[]>;
  secrets: Gathered<GithubSecretInfo[]>;
  variables: Gathered<GithubVariableInfo[]>;
  /** Runs of the ECR workflow, any order, failing runs with their failing steps' logs. */
  runs: Gathered<WorkflowRunInfo[]>;
  /** CloudTrail events made with the user's keys over the window. */
  cloudTrail: Gathered<CloudTrailEvent[]>;
  /** ECR repositories per region looked at (AWS_REGION plus any others checked), each fetched on its own. */
  ecrRepositories: Record<string, Gathered<EcrRepositoryInfo[]>>;
  rotationInProgress?: boolean;
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
