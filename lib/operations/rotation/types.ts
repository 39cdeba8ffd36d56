/** Plain shapes of a rotation as the store keeps it. No secret value ever appears in any of them. */

export const STEP_NAMES = {
  0: "unwind",
  1: "preflight",
  2: "create-key",
  3: "verify-key",
  4: "write-secrets",
  5: "canary",
  6: "deactivate-old-key",
  7: "delete-old-key",
} as const;

export type StepNo = keyof typeof STEP_NAMES;

export const STEP_TITLES: Record<StepNo, string> = {
  0: "Delete a new key GitHub never received",
  1: "Preflight",
  2: "Create the new key",
  3: "Wait until AWS accepts the new key",
  4: "Write the GitHub secrets",
  5: "Canary workflow run",
  6: "Deactivate the old key",
  7: "Delete the old key",
};

export type RotationState = "running" | "stopped" | "completed" | "failed";
/** "interrupted": the process running the step died before it ended; closed by the runner that resumed. */
export type StepOutcome = "running" | "succeeded" | "failed" | "skipped" | "interrupted";

export interface RotationRecord {
  id: number;
  state: RotationState;
  trigger: "operator" | "automatic";
  requestedBy: string;
  /** The IAM push user whose key is rotated. */
  userName: string;
  /**
   * The configured repository (owner/name) the rotation acts from: its secrets are the primary holder and its canary
   * runs first. Null for rotations recorded before per-user rotation: the default repository.
   */
  repository: string | null;
  oldKeyId: string | null;
  newKeyId: string | null;
  /** Access key ids the user had before step 2: any other key was created by this rotation. */
  keysBefore: string[];
  restarts: number;
  message: string | null;
  warning: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  deleteAfter: string | null;
  oldKeyDeletedAt: string | null;
  owner: string | null;
  leaseUntil: number | null;
}

export interface StepRecord {
  id: number;
  rotationId: number;
  step: StepNo;
  name: string;
  outcome: StepOutcome;
  startedAt: string;
  endedAt: string | null;
  detail: Record<string, unknown> | null;
  message: string | null;
}

export interface KeyObservation {
  accessKeyId: string;
  status: string;
}

/** What a resume looks at in AWS and GitHub before deciding (only when a step is in doubt). */
export interface Observations {
  keys: KeyObservation[];
  /** updated_at of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (null: missing). */
  secrets?: { accessKeyIdUpdatedAt: string | null; secretAccessKeyUpdatedAt: string | null };
}
