/** Plain shapes of the guided setup (the guide's Steps 1–5). No secret value ever appears in any of them. */

export interface SetupNames {
  userName: string;
  policyName: string;
  region: string;
  /**
   * The served repository (owner/name) the setup acts on: its secrets and variable, its push user. Absent in setups
   * recorded before setups were per repository: those were the default repository's.
   */
  repository?: string;
}

/** What AWS and GitHub show now, one field per guide step. `null` means the read failed (see errors). */
export interface SetupState {
  names: SetupNames;
  /** Step 1. */
  user: { exists: boolean; arn: string | null } | null;
  /** Step 2: the inline policy of that name, compared with the expected document. */
  policy: { present: boolean; matches: boolean; addedActions: string[]; removedActions: string[] } | null;
  /** Step 3. */
  keys: { accessKeyId: string; status: string; createDate: string }[] | null;
  /** Step 4: the repository's own secret names only (GitHub never returns values). */
  secrets: string[] | null;
  /** The repository's own variables. */
  variables: { name: string; value: string }[] | null;
  /**
   * What a run gets from other scopes (GitHub's precedence: environment over repository over organization), by name:
   * where each of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION comes from when not from the repository's own
   * copy, e.g. "organization secret (selected repositories)", with a variable's value. Absent or empty: the
   * repository's own copies decide (or the other scopes could not be read).
   */
  inherited?: Record<string, { where: string; value?: string }>;
  /** Optional: ECR repositories (the workflow creates them on first push otherwise). */
  repositories: string[] | null;
  /** How many of those repositories hold an image; 0 means nothing was ever pushed to this region. */
  repositoriesWithImages: number | null;
  /** The branch a first push would push (the workflow's branch). */
  pushBranch: string;
  /** The key the last completed rotation or setup wrote into GitHub, when Deckhand knows it. */
  knownHeldKeyId: string | null;
  /** Reads that failed, each naming the service and call. */
  errors: string[];
}

export type SetupStepId = "create-user" | "put-policy" | "remove-region-secret" | "set-region-variable" | "create-key" | "first-push" | "verify";

export const SETUP_STEP_ORDER: SetupStepId[] = ["create-user", "put-policy", "remove-region-secret", "set-region-variable", "create-key", "first-push", "verify"];

export const SETUP_STEP_TITLES: Record<SetupStepId, string> = {
  "create-user": "Create the IAM user",
  "put-policy": "Attach the ECR push policy",
  "remove-region-secret": "Remove the stray AWS_REGION secret",
  "set-region-variable": "Set the AWS_REGION variable",
  "create-key": "Create an access key and put it into GitHub secrets",
  "first-push": "Push the images for the first time",
  verify: "Verify (the guide's Step 5)",
};

export type StepStatus = "done" | "missing" | "wrong" | "unknown";

/** One of the guide's items as the page shows it. */
export interface StateItem {
  id: "user" | "policy" | "key" | "secrets" | "variable" | "repositories";
  label: string;
  status: StepStatus | "optional";
  detail: string;
}

export interface PlannedStep {
  id: SetupStepId;
  title: string;
  why: string;
  /** The exact API calls the step makes, in order. */
  calls: string[];
  /** Steps that destroy something need the operator's explicit confirmation. */
  needsConfirmation?: string;
}

export interface SetupPlan {
  items: StateItem[];
  steps: PlannedStep[];
  /** Why setup cannot run now (shown instead of the apply button). */
  blockers: string[];
  /** Permissions Deckhand's own credentials need for this plan, e.g. "iam:CreateUser". */
  requiredActions: string[];
}

export type SetupRunState = "running" | "stopped" | "completed" | "failed";
/** "interrupted": the process running the step died before it ended; closed by the runner that resumed. */
export type SetupStepOutcome = "running" | "succeeded" | "failed" | "skipped" | "interrupted";

export interface SetupRecord {
  id: number;
  state: SetupRunState;
  requestedBy: string;
  names: SetupNames;
  plan: PlannedStep[];
  removeRegionSecretConfirmed: boolean;
  message: string | null;
  warning: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  owner: string | null;
}

export interface SetupStepRecord {
  id: number;
  setupId: number;
  step: SetupStepId;
  outcome: SetupStepOutcome;
  startedAt: string;
  endedAt: string | null;
  detail: Record<string, unknown> | null;
  message: string | null;
}
