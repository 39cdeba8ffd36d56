// The move from the access key to GitHub's OIDC role, as a plan over live state: each step's current state, what
// applying it would do, and why. Pure: lib/read/oidc.ts gathers the state.

import { GITHUB_OIDC_URL, STS_AUDIENCE } from "./github-oidc";
import { buildTrustPolicy, explainTrustPolicy, judgeTrustPolicy, type TrustFinding, type TrustPolicyJson } from "./trust-policy";
import { deriveWorkflowSubjects, type SubClaimTemplate, type WorkflowSubjects } from "./workflow-subjects";
import type { RolePermissionPolicy } from "./role-permission-policy";
import { planWorkflowChange, type WorkflowChangeResult } from "./workflow-change";

export type StepStatus = "done" | "to-do" | "blocked" | "unknown";

export interface PlanStep {
  id: "provider" | "role" | "role-policy" | "workflow";
  title: string;
  status: StepStatus;
  /** What the step finds now, in words. */
  state: string;
  /** What applying it does (or why it cannot), in words. */
  action: string;
}

export interface OidcLiveState {
  repository: string;
  /** The push user (DECKHAND_IAM_USER): its name, and whether IAM has it (null: the read failed). */
  pushUser?: { name: string; exists: boolean | null };
  accountId: string | null;
  /** null: the read failed (named in `errors`). */
  provider: { arn: string; clientIds: string[]; thumbprints?: string[] } | "missing" | null;
  roleName: string;
  role: { arn: string; trustPolicy: string } | "missing" | null;
  /** The role's inline push policy as JSON text; "missing" when it has none of that name. */
  rolePolicy: string | "missing" | null;
  /** True when the role's inline policy equals the expected one (computed by the reader with policy-diff). */
  rolePolicyMatches: boolean | null;
  policyName: string;
  expectedPolicy: Record<string, unknown>;
  /** What the role gets: the expected policy narrowed to the account's ECR repositories (rolePermissionPolicy). */
  permissionPolicy: RolePermissionPolicy;
  template: SubClaimTemplate | null;
  defaultBranch: string | null;
  workflow: { path: string; text: string } | null;
  /** The open pull request from Deckhand's branch that moves the workflow, if any. */
  openPullRequest?: { number: number; url: string } | null;
  errors: string[];
}

export interface OidcPlan {
  providerArn: string | null;
  roleArn: string | null;
  subjects: WorkflowSubjects | null;
  trustPolicy: TrustPolicyJson | null;
  trustExplained: string[];
  /** Findings on an existing role's trust (wider trust is reported, never changed silently). */
  trustFindings: TrustFinding[];
  workflowChange: WorkflowChangeResult | null;
  steps: PlanStep[];
  /** What must exist before the move can start (the guided setup's work), with where to do it; null when nothing. */
  prerequisite: { missing: string; href: string } | null;
  /** True when every step can be applied (or is done) as planned. */
  ready: boolean;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Judge live state into the plan. Never proposes a trust policy without a pinned `sub` (see buildTrustPolicy). */
export function planOidcMove(s: OidcLiveState): OidcPlan {
  const providerArn = s.accountId ? `arn:aws:iam::${s.accountId}:oidc-provider/${GITHUB_OIDC_URL.slice("https://".length)}` : null;
  const roleArn = s.role && s.role !== "missing" ? s.role.arn : s.accountId ? `arn:aws:iam::${s.accountId}:role/${s.roleName}` : null;
  const subjects =
    s.workflow && s.template && s.defaultBranch
      ? deriveWorkflowSubjects({ workflowYaml: s.workflow.text, repository: s.repository, defaultBranch: s.defaultBranch, template: s.template, workflowPath: s.workflow.path })
      : null;
  const trustPolicy = providerArn && subjects && subjects.subjects.length > 0 ? buildTrustPolicy(providerArn, subjects.subjects) : null;
  const trustExplained = trustPolicy && subjects ? explainTrustPolicy(trustPolicy, subjects.subjects) : [];
  const steps: PlanStep[] = [];

  // 1. The provider.
  if (s.provider === null) steps.push({ id: "provider", title: "GitHub's OIDC provider in the account", status: "unknown", state: "Could not be read.", action: "Read it again once IAM answers." });
  else if (s.provider === "missing")
    steps.push({ id: "provider", title: "GitHub's OIDC provider in the account", status: "to-do", state: `The account has no IAM OIDC provider for ${GITHUB_OIDC_URL}: STS refuses every GitHub token ("No OpenIDConnect provider found").`, action: `Create it with the audience ${STS_AUDIENCE} (the audience configure-aws-credentials asks for).` });
  else if (!s.provider.clientIds.includes(STS_AUDIENCE))
    steps.push({ id: "provider", title: "GitHub's OIDC provider in the account", status: "to-do", state: `The provider exists but its audiences (${s.provider.clientIds.join(", ") || "none"}) lack ${STS_AUDIENCE}: STS refuses the tokens ("Incorrect token audience").`, action: `Add the audience ${STS_AUDIENCE} (AddClientIDToOpenIDConnectProvider; the other audiences are kept).` });
  else steps.push({ id: "provider", title: "GitHub's OIDC provider in the account", status: "done", state: `Present, with the audience ${STS_AUDIENCE}.`, action: "Reused as is." });

  // 2. The role and its trust.
  let trustFindings: TrustFinding[] = [];
  const trustBlocked = !trustPolicy ? (subjects?.problems[0] ?? "The workflow, its triggers or the repository's sub-claim template could not be read.") : null;
  if (s.role === null) steps.push({ id: "role", title: `Role ${s.roleName}`, status: "unknown", state: "Could not be read.", action: "Read it again once IAM answers." });
  else if (s.role === "missing")
    steps.push({
      id: "role",
      title: `Role ${s.roleName}`,
      status: trustBlocked ? "blocked" : "to-do",
      state: "The role does not exist.",
      action: trustBlocked ? `Cannot propose a trust policy: ${trustBlocked}` : `Create it with the trust policy below, pinned to ${subjects!.subjects.length} subject${subjects!.subjects.length === 1 ? "" : "s"}.`,
    });
  else {
    trustFindings = providerArn ? judgeTrustPolicy(parseJson(s.role.trustPolicy), providerArn, s.template?.prefix ?? `repo:${s.repository}`, subjects?.subjects ?? []) : [];
    const wider = trustFindings.filter((f) => f.kind !== "refuses-planned");
    const refuses = trustFindings.filter((f) => f.kind === "refuses-planned");
    steps.push({
      id: "role",
      title: `Role ${s.roleName}`,
      status: trustFindings.length === 0 ? "done" : "blocked",
      state: trustFindings.length === 0 ? "Exists; its trust admits exactly what the workflow presents." : `Exists; its trust ${wider.length ? "is wider than the workflow needs" : ""}${wider.length && refuses.length ? " and " : ""}${refuses.length ? "refuses what the workflow presents" : ""}.`,
      action: trustFindings.length === 0 ? "Reused as is." : "Deckhand does not change an existing role's trust: review the findings and update it (UpdateAssumeRolePolicy) with the proposed trust policy, or choose another role name.",
    });
  }

  // 3. The role's permission policy: the expected push policy, never the user's drifted one.
  const scoped = s.permissionPolicy.scopedTo;
  const what = scoped ? `the expected push policy narrowed to ${scoped.length === 1 ? "the repository" : `the ${scoped.length} repositories`} ${scoped.join(", ")}` : "the expected push policy";
  const policyStep: PlanStep = { id: "role-policy", title: `Permission policy ${s.policyName} on the role`, status: "to-do", state: "", action: `Put ${what} as the role's inline policy ${s.policyName}.` };
  if (s.role === "missing") policyStep.state = "The role does not exist yet.";
  else if (s.rolePolicy === null) Object.assign(policyStep, { status: "unknown", state: "Could not be read." });
  else if (s.rolePolicy === "missing") policyStep.state = "The role has no such inline policy: it could not push.";
  else if (s.rolePolicyMatches) Object.assign(policyStep, { status: "done", state: `Equals ${what}.`, action: "Kept." });
  else policyStep.state = `Differs from ${what}; it will be replaced by it.`;
  steps.push(policyStep);

  // 4. The workflow.
  const workflowChange = s.workflow && roleArn ? planWorkflowChange(s.workflow.text, roleArn) : null;
  if (!s.workflow) steps.push({ id: "workflow", title: "The ECR workflow", status: "unknown", state: "Could not be read.", action: "Read it again once GitHub answers." });
  else if (!workflowChange || !workflowChange.ok) steps.push({ id: "workflow", title: `The ECR workflow (${s.workflow.path})`, status: "blocked", state: workflowChange && !workflowChange.ok ? workflowChange.reason : "The role's ARN is not known yet.", action: "Fix the workflow file first." });
  else if (workflowChange.changes.length === 0) steps.push({ id: "workflow", title: `The ECR workflow (${s.workflow.path})`, status: "done", state: "Already assumes the role with id-token: write.", action: "Nothing to change." });
  else if (s.openPullRequest)
    steps.push({ id: "workflow", title: `The ECR workflow (${s.workflow.path})`, status: "to-do", state: `Still signs in with the access key on the default branch; pull request #${s.openPullRequest.number} moves it to the role.`, action: `Review and merge pull request #${s.openPullRequest.number}.` });
  else steps.push({ id: "workflow", title: `The ECR workflow (${s.workflow.path})`, status: "to-do", state: "Signs in with the access key from the two secrets.", action: `Open a pull request with the ${workflowChange.changes.length} changes below (never a push to the default branch).` });

  // The move retires an existing key: an account the guided setup never set up has none, nor the AWS_REGION variable
  // the moved workflow still reads. Setup comes first; the role's policy is the expected one either way.
  const prerequisite =
    s.pushUser && s.pushUser.exists === false
      ? { missing: `The account has no push user ${s.pushUser.name} yet: nothing has been set up to move from. Run the guided setup first (it creates the user, its push policy, the key, the two secrets and the AWS_REGION variable the workflow reads); then move the workflow to the role and retire that key.`, href: "/setup" }
      : null;
  const ready = steps.every((st) => st.status === "done" || st.status === "to-do") && trustPolicy !== null && prerequisite === null;
  return { providerArn, roleArn, subjects, trustPolicy, trustExplained, trustFindings, workflowChange, steps, prerequisite, ready };
}
