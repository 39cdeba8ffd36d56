// The move to GitHub's OIDC role (issue 17): its record, its steps, and the plan it applies.

export type OidcMoveState = "running" | "stopped" | "completed" | "failed";
export type OidcStepId = "provider" | "role" | "role-policy" | "workflow-pr";
export type OidcStepOutcome = "running" | "succeeded" | "failed" | "skipped" | "interrupted";

/** Steps in the order they run: the role exists with its policy before any workflow is asked to assume it. */
export const OIDC_STEPS: OidcStepId[] = ["provider", "role", "role-policy", "workflow-pr"];

/** The branch the workflow change is committed to (never the default branch). */
export const OIDC_BRANCH = "deckhand/oidc-role";

export const OIDC_STEP_TITLES: Record<OidcStepId, string> = {
  provider: "Create or reuse GitHub's OIDC provider (audience sts.amazonaws.com)",
  role: "Create or reuse the role with the pinned trust policy",
  "role-policy": "Put the expected push policy on the role",
  "workflow-pr": "Open the pull request that moves the workflow to the role",
};

/** What the move applies, fixed when it starts (the operator saw exactly this). */
export interface OidcMovePlan {
  repository: string;
  providerUrl: string;
  providerArn: string;
  audience: string;
  roleName: string;
  roleArn: string;
  /** The trust policy JSON text, and its pinned subjects (for re-judging an existing role). */
  trustPolicy: string;
  subjectPrefix: string;
  subjects: Array<{ value: string; operator: "StringEquals" | "StringLike"; because: string }>;
  policyName: string;
  permissionPolicy: string;
  /** The ECR workflow's path and the file as the operator reviewed it (before, after the change). */
  workflowPath: string;
  workflowBefore: string;
  workflowAfter: string;
}

export interface OidcMoveRecord {
  id: number;
  state: OidcMoveState;
  repository: string;
  requestedBy: string;
  plan: OidcMovePlan;
  message: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  owner: string | null;
}

export interface OidcStepRecord {
  id: number;
  moveId: number;
  step: OidcStepId;
  outcome: OidcStepOutcome;
  startedAt: string;
  endedAt: string | null;
  detail: Record<string, unknown> | null;
  message: string | null;
}
