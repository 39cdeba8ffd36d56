// The permission policy the move puts on the role: the expected push policy (never the user's drifted one), with its
// repository actions narrowed from Resource "*" to the ECR repositories the workflow pushes to, as the Policy page
// proposes for the user (lib/judgements/posture/scoped-resources.ts, scopeExpectedPolicy). Registry-level actions
// (ecr:GetAuthorizationToken) stay on "*": ECR has no resource-level permission for them (Amazon ECR User Guide,
// "Actions, resources, and condition keys for Amazon ECR").

import { scopeExpectedPolicy } from "../posture/scoped-resources";
import { diffPolicyDocuments } from "../posture/policy-diff";
import type { PolicyDocumentInput } from "../posture/normalize-policy";

export interface RolePermissionPolicy {
  /** The IAM policy document to put on the role. */
  document: Record<string, unknown>;
  /** The repositories it is narrowed to (sorted, unique), or null when it is the expected policy as written. */
  scopedTo: string[] | null;
  /** Why it was not narrowed, when it was not (in the operator's words). */
  note: string | null;
}

/**
 * Narrow `expected` to `repositoryNames` in `region` of `accountId`. Null or empty names, or an unknown account, leave
 * the expected policy as it is (said in `note`): an empty list would grant no repository at all and break the push.
 * Names that are not valid ECR repository names are dropped (hostile input never reaches an ARN).
 */
export function rolePermissionPolicy(expected: Record<string, unknown>, target: { region: string; accountId: string | null; repositoryNames: readonly string[] | null }): RolePermissionPolicy {
  if (!target.accountId) return { document: expected, scopedTo: null, note: "The account is not known yet, so the policy is not narrowed to its repositories." };
  if (target.repositoryNames === null) return { document: expected, scopedTo: null, note: "The account's ECR repositories could not be listed, so the policy is not narrowed to them." };
  // ECR's repository name pattern (CreateRepository: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*, 2–256 characters).
  const valid = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
  const names = [...new Set(target.repositoryNames.filter((n) => n.length >= 2 && n.length <= 256 && valid.test(n)))].sort();
  if (names.length === 0) return { document: expected, scopedTo: null, note: "The account has no ECR repository yet: the policy stays as written until the first push creates them." };
  const scoped = scopeExpectedPolicy(expected, { region: target.region, accountId: target.accountId, repositoryNames: names });
  if (!scoped) return { document: expected, scopedTo: null, note: "The expected policy has no statement to narrow." };
  const unchanged = JSON.stringify(scoped.Statement) === JSON.stringify([expected.Statement].flat());
  return unchanged ? { document: expected, scopedTo: null, note: "The expected policy already names its repositories." } : { document: scoped, scopedTo: names, note: null };
}

export interface RolePolicyComparison {
  /** The role has an inline policy of that name. */
  present: boolean;
  /** It grants exactly what the permission policy grants (statement by statement: actions, resources, conditions). */
  matches: boolean;
  /** Actions the permission policy allows that the role's lacks (pushes that need them fail). */
  missingActions: string[];
  /** Actions the role's allows beyond the permission policy (wider than needed). */
  extraActions: string[];
  /** The repositories the permission policy is narrowed to, if it is. */
  scopedTo: string[] | null;
}

/**
 * The role's inline policy (JSON text, or null when it has none) against the permission policy the move puts
 * (policy-diff's comparison: what a statement grants, not how it is spelt). Null when either document cannot be read.
 */
export function compareRolePolicy(current: string | null, permission: RolePermissionPolicy): RolePolicyComparison | null {
  if (current === null) return { present: false, matches: false, missingActions: [], extraActions: [], scopedTo: permission.scopedTo };
  const d = diffPolicyDocuments(current, permission.document as PolicyDocumentInput);
  if (!d.ok) return null;
  const matches = d.diff.identical || (d.diff.addedActions.length === 0 && d.diff.removedActions.length === 0 && d.diff.statements.every((st) => st.status === "same"));
  return { present: true, matches, missingActions: d.diff.addedActions, extraActions: d.diff.removedActions, scopedTo: permission.scopedTo };
}
