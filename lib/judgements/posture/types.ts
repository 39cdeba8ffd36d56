// Plain-data shapes the pages map AWS and GitHub responses into. No SDK types: the judgements must be
// callable from tests, the API routes and the metrics endpoint with nothing but JSON.

import type { TimeInput } from "./time-util";

export type { AccessKeyInfo, AccessKeyLastUsed } from "./key-verdicts";
export type { TimeInput } from "./time-util";

/** A GitHub Actions secret as the secrets API lists it (values are never returned). */
export interface GithubSecretInfo {
  name: string;
  createdAt: TimeInput;
  updatedAt: TimeInput;
  /** Where it is defined; repository secrets are what the guide sets. */
  scope?: "repository" | "organization" | "environment";
  /** The environment's name, for an environment secret. */
  environment?: string;
}

/** A GitHub Actions variable; unlike secrets, the API returns the value. */
export interface GithubVariableInfo {
  name: string;
  value: string;
  createdAt?: TimeInput;
  updatedAt?: TimeInput;
}

export interface FailingStep {
  job: string;
  step: string;
  /** The step's log, or its tail: where the error text is. */
  log: string;
}

/** One workflow run, with the failing steps' logs when the run failed. */
export interface WorkflowRunInfo {
  id: number;
  name?: string;
  /** When the run was created (queued). */
  createdAt: TimeInput;
  /** When it last changed; for a completed run, roughly when it finished. */
  updatedAt?: TimeInput;
  status?: string;
  /** "success", "failure", "cancelled", … or null while running. */
  conclusion: string | null;
  headSha?: string;
  headBranch?: string;
  event?: string;
  htmlUrl?: string;
  failingSteps?: FailingStep[];
  /** Logs of other steps when fetched, e.g. the push step of a successful run ("skipped, same digest"). */
  stepLogs?: FailingStep[];
}

/** One CloudTrail event (LookupEvents' CloudTrailEvent JSON, flattened). */
export interface CloudTrailEvent {
  eventId?: string;
  time: TimeInput;
  eventName: string;
  eventSource: string;
  errorCode: string | null;
  errorMessage: string | null;
  accessKeyId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  region: string | null;
  /** The ECR repository the call named (requestParameters.repositoryName), for ECR calls; absent otherwise. */
  repositoryName?: string | null;
  /** The IAM user who signed it (userIdentity.userName of an `IAMUser` identity); null for other identities. */
  userName?: string | null;
}

/** An ECR repository as DescribeRepositories / DescribeImages summarise it. */
export interface EcrRepositoryInfo {
  name: string;
  uri?: string;
  /** Whether any image is in it (absent: none known). */
  hasImages?: boolean;
  /** The newest push known: of `latest` when only that was read. */
  latestPushedAt?: TimeInput | null;
}
