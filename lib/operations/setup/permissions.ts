// The permission preflight as a pure judgement: may Deckhand's own identity perform each action the plan
// needs? Over its identity policies, IAM's order for one account: an explicit Deny wins, otherwise an
// Allow grants, otherwise it is implicitly denied. Resources and conditions are not evaluated (the
// actions are on the push user and ECR); a statement scoped to other resources is counted as granting.

import { normalizePolicy, type PolicyDocumentInput } from "../../judgements/posture/normalize-policy";
import { matchWildcard } from "../../judgements/posture/wildcard";

export type PermissionVerdict =
  | { kind: "ok"; why: string }
  | { kind: "missing"; actions: string[]; why: string }
  | { kind: "unknown"; why: string };

function matches(patterns: string[], action: string): boolean {
  return patterns.some((p) => matchWildcard(p, action, { caseInsensitive: true }));
}

/**
 * `callerArn` from STS GetCallerIdentity. The account root may do everything; an IAM user is judged by
 * its policies; any other identity (an assumed role) cannot be judged from here: "unknown".
 */
export function judgePermissions(input: { callerArn: string; policies: PolicyDocumentInput[] | null; required: string[] }): PermissionVerdict {
  if (/:root$/.test(input.callerArn)) return { kind: "ok", why: "Deckhand signs as the account root." };
  if (!/:user\//.test(input.callerArn)) return { kind: "unknown", why: `Deckhand signs as ${input.callerArn}; its permissions are checked by each call instead.` };
  if (input.policies === null) return { kind: "unknown", why: "Deckhand could not read its own policies." };
  const statements = input.policies.flatMap((doc) => {
    const n = normalizePolicy(doc);
    return n.ok ? n.policy.statements : [];
  });
  const allowed = (action: string) => {
    const applies = (s: (typeof statements)[number]) => (s.actionMode === "Action" ? matches(s.patterns, action) : !matches(s.patterns, action));
    if (statements.some((s) => s.effect === "Deny" && s.condition === null && applies(s))) return false;
    return statements.some((s) => s.effect === "Allow" && applies(s));
  };
  const missing = input.required.filter((a) => !allowed(a));
  if (missing.length) return { kind: "missing", actions: missing, why: `Deckhand's credentials (${input.callerArn}) are not allowed ${missing.join(", ")}.` };
  return { kind: "ok", why: `Deckhand's policies allow ${input.required.join(", ") || "every call"}.` };
}
