// The guide grants its repository actions on Resource "*", so a leaked key can push to (or create) any
// repository in the account. This finds such statements and writes the scoped replacement: registry-level
// actions (GetAuthorizationToken above all) must stay on "*" because they do not support resource-level
// permissions; everything else can name the repositories.

import { ECR_ACTIONS, formatRepositoryArn, isRepositoryScopedAction } from "./ecr-actions";
import { loadPolicies, type LoadedPolicy, type PolicyInput } from "./effective-actions";
import type { PolicySource } from "./normalize-policy";
import { isMatchAll } from "./wildcard";

export interface PolicyStatementJson {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

export interface ScopeTarget {
  region: string;
  accountId: string;
  repositoryNames: readonly string[];
}

export interface WildcardResourceFinding {
  source: PolicySource;
  statementIndex: number;
  sid: string | null;
  /** Repository-scoped ECR actions the statement grants on every repository. */
  repositoryActions: string[];
  /** Registry-level ECR actions that must stay on "*". */
  registryActions: string[];
  message: string;
  /** Statements to put in place of this one, or null when no safe rewrite exists. */
  replacement: PolicyStatementJson[] | null;
}

function one<T>(list: T[]): T | T[] {
  return list.length === 1 ? list[0] : list;
}

// Keep the user's own order for actions they listed; expanded wildcards come out in ECR's order.
function orderActions(actions: string[]): string[] {
  const first = actions.filter((a) => a === "ecr:GetAuthorizationToken");
  return [...first, ...actions.filter((a) => a !== "ecr:GetAuthorizationToken")];
}

function suffixSid(sid: string | null, suffix: string): { Sid?: string } {
  return sid ? { Sid: `${sid}${suffix}` } : {};
}

/** Allow statements that grant repository actions on Resource "*", with the scoped statements to use. */
export function findWildcardResourceGrants(
  inputs: readonly (PolicyInput | LoadedPolicy)[],
  target: ScopeTarget,
): WildcardResourceFinding[] {
  const loaded: LoadedPolicy[] = [];
  for (const input of inputs) {
    if ("policy" in input) loaded.push(input);
    else loaded.push(...loadPolicies([input]).policies);
  }
  const arns = [...new Set(target.repositoryNames)].map((n) => formatRepositoryArn(target.region, target.accountId, n));
  const findings: WildcardResourceFinding[] = [];

  for (const { source, policy } of loaded) {
    for (const st of policy.statements) {
      if (st.effect !== "Allow" || st.resourceMode !== "Resource" || !st.resources.some(isMatchAll)) continue;
      const repositoryActions = st.ecrActions.filter(isRepositoryScopedAction);
      if (repositoryActions.length === 0) continue;
      const registryActions = st.ecrActions.filter((a) => !isRepositoryScopedAction(a));
      const base = { source, statementIndex: st.index, sid: st.sid, repositoryActions, registryActions };
      const where = `statement ${st.index + 1} of ${source.policyName}`;

      if (st.actionMode === "NotAction") {
        findings.push({
          ...base,
          message: `${where} uses NotAction on Resource "*", granting ${repositoryActions.length} repository actions on every repository; replace it with an explicit Action list`,
          replacement: null,
        });
        continue;
      }
      if (arns.length === 0) {
        findings.push({
          ...base,
          message: `${where} grants ${repositoryActions.length} repository actions on every repository; no repository names are known to scope it to`,
          replacement: null,
        });
        continue;
      }
      const condition = st.condition ? { Condition: st.condition } : {};
      const inOrder = (set: string[]) => {
        // Literal actions keep the order they were written in; wildcard expansions follow in list order.
        const written = st.patterns
          .map((p) => ECR_ACTIONS.find((a) => a.toLowerCase() === p.toLowerCase()))
          .filter((a): a is string => a !== undefined && set.includes(a));
        return orderActions([...new Set([...written, ...set])]);
      };
      const replacement: PolicyStatementJson[] = [];
      if (registryActions.length > 0) {
        replacement.push({ ...suffixSid(st.sid, "Registry"), Effect: "Allow", Action: one(inOrder(registryActions)), Resource: "*", ...condition });
      }
      replacement.push({ ...suffixSid(st.sid, "Repositories"), Effect: "Allow", Action: one(inOrder(repositoryActions)), Resource: one(arns), ...condition });
      if (st.otherActions.length > 0) {
        // Other services' grants are not ours to scope; keep them exactly as written.
        replacement.push({ ...suffixSid(st.sid, "Other"), Effect: "Allow", Action: one(st.otherActions.filter((p) => !isMatchAll(p))), Resource: "*", ...condition });
      }
      findings.push({
        ...base,
        message: `${where} grants ${repositoryActions.join(", ")} on Resource "*"; scope them to ${arns.length === 1 ? "the repository" : `the ${arns.length} repositories`}${registryActions.length > 0 ? ` and keep ${registryActions.join(", ")} on "*" (no resource-level permissions)` : ""}`,
        replacement,
      });
    }
  }
  return findings;
}

/**
 * What the Policy page proposes in place of Resource "*" grants: the EXPECTED policy (never the user's drifted one,
 * whose extra actions would be kept and missing ones still missing), with each of its statements that grants
 * repository actions on "*" replaced by the scoped statements above. Registry-level actions stay on "*".
 * Returns null when the expected document cannot be read or no repository names are known.
 * Shape: an IAM policy document `{ Version, Statement: PolicyStatementJson[] }`.
 */
export function scopeExpectedPolicy(
  expectedDocument: Record<string, unknown>,
  target: ScopeTarget,
): { Version: string; Statement: Record<string, unknown>[] } | null {
  if (target.repositoryNames.length === 0) return null;
  const raw = expectedDocument.Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  const source: PolicySource = { kind: "inline", policyName: "expected" };
  const findings = findWildcardResourceGrants([{ source, document: expectedDocument as unknown as PolicyInput["document"] }], target);
  if (statements.length === 0) return null;
  const out: Record<string, unknown>[] = [];
  statements.forEach((st, index) => {
    const f = findings.find((x) => x.statementIndex === index);
    if (f?.replacement) out.push(...(f.replacement as unknown as Record<string, unknown>[]));
    else out.push(st);
  });
  return { Version: typeof expectedDocument.Version === "string" ? expectedDocument.Version : "2012-10-17", Statement: out };
}
