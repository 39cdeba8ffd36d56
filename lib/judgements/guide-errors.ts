/**
 * Map a workflow's error text to the doctor check that explains it. The check ids are the guide's
 * Troubleshooting sections, the same ids lib/judgements/posture/doctor-checks.ts gives its checks (the type
 * below keeps them in step), so /doctor#<id> lands on it.
 */

import type { CheckId } from "./posture/doctor-checks";

export const DOCTOR_CHECKS = {
  "credential-error": "Credential Error in Workflow",
  "aws-region-not-found": "AWS_REGION Not Found",
  "access-denied": "Access Denied / Permission Error",
  "invalid-access-key": "Invalid Access Key",
  "secret-access-key-not-found": "Secret Access Key Not Found",
  "repository-creation-failed": "ECR Repository Creation Failed",
  "image-not-found": "Image Not Found in ECR",
} as const satisfies Record<CheckId, string>;

export type DoctorCheckId = keyof typeof DOCTOR_CHECKS;

export interface CredentialFailure {
  checkId: DoctorCheckId;
  title: string;
  /** One sentence saying what the error means for the push credential. */
  meaning: string;
}

const RULES: Array<{ test: RegExp; checkId: DoctorCheckId; meaning: string }> = [
  // Most specific first: CreateRepository denials are their own guide section.
  { test: /not authorized to perform:?\s*ecr:CreateRepository/i, checkId: "repository-creation-failed", meaning: "The push user's policy does not allow ecr:CreateRepository." },
  { test: /InvalidUserID\.AccessDenied/i, checkId: "credential-error", meaning: "The credentials in the GitHub secrets were rejected." },
  { test: /aws-region.{0,20}(is required|not supplied)|Input required and not supplied: aws-region|Region is missing/i, checkId: "aws-region-not-found", meaning: "The workflow found no AWS_REGION variable." },
  { test: /access key id you provided does not exist|InvalidAccessKeyId|UnrecognizedClientException/i, checkId: "invalid-access-key", meaning: "The key ID in AWS_ACCESS_KEY_ID does not exist in AWS." },
  {
    test: /security token included in the request is invalid|InvalidClientTokenId|SignatureDoesNotMatch|request signature we calculated does not match/i,
    checkId: "secret-access-key-not-found",
    meaning: "AWS rejected the key pair: the secret access key does not match, or the key was deleted.",
  },
  { test: /is not authorized to perform|AccessDenied(Exception)?\b/i, checkId: "access-denied", meaning: "The key works but the push user's policy lacks an action the workflow needs." },
  {
    test: /Could not load credentials|must be provided if 'aws-access-key-id'|credentials could not be loaded|ExpiredToken/i,
    checkId: "credential-error",
    meaning: "The workflow could not load usable AWS credentials from the secrets.",
  },
  { test: /RepositoryNotFoundException|ImageNotFoundException|does not exist in the registry/i, checkId: "image-not-found", meaning: "ECR has no such repository or image in this region." },
];

/** The doctor check for an error message, or null when the failure is not about credentials or ECR access. */
export function classifyWorkflowFailure(text: string | null | undefined): CredentialFailure | null {
  if (!text) return null;
  for (const r of RULES) if (r.test.test(text)) return { checkId: r.checkId, title: DOCTOR_CHECKS[r.checkId], meaning: r.meaning };
  return null;
}

export function doctorHref(checkId: DoctorCheckId): string {
  return `/doctor#${checkId}`;
}
