import { parsePolicyEnvelope, wildcardMatch } from "./policy";

/**
 * Role trust policies (AssumeRolePolicyDocument): IAM's validation when a role is created or its trust updated, and
 * the evaluation STS runs for AssumeRoleWithWebIdentity, conditions included (IAM JSON policy reference: "Condition
 * operators", "...IfExists", "Single-valued vs multivalued context keys").
 */
export interface TrustStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface TrustPolicy {
  Version?: string;
  Statement: TrustStatement[];
}

export type ParsedTrust = { ok: true; doc: TrustPolicy } | { ok: false; message: string };

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com";
/** The operators IAM's GitHub guardrail accepts as scoping `sub` / `job_workflow_ref`. */
const SCOPING_OPERATORS = ["stringequals", "stringlike", "stringequalsignorecase"];

/**
 * Validate a trust policy as CreateRole / UpdateAssumeRolePolicy do (MalformedPolicyDocument messages): JSON, a
 * Principal in every statement, no Resource, actions present. Then IAM's guardrail for GitHub's OIDC provider: a
 * statement trusting `…:oidc-provider/token.actions.githubusercontent.com` must have a StringEquals, StringLike or
 * StringEqualsIgnoreCase condition on `token.actions.githubusercontent.com:sub` or `:job_workflow_ref` whose value is
 * not `*`. As observed on IAM, only the first value of the condition is looked at (`["repo:o/r:*", "*"]` passes,
 * `["*", "repo:o/r:*"]` does not), and `repo:*` passes: the guardrail checks the shape, not what it admits.
 */
export function parseTrustPolicy(text: string): ParsedTrust {
  const envelope = parsePolicyEnvelope(text);
  if (!envelope.ok) return envelope;
  const statements = envelope.statements;
  if (statements.length === 0) return { ok: false, message: "Syntax errors in policy." };
  for (const s of statements as Record<string, unknown>[]) {
    if (!s || typeof s !== "object") return { ok: false, message: "Syntax errors in policy." };
    if (s.Resource !== undefined || s.NotResource !== undefined) return { ok: false, message: `Has prohibited field ${s.Resource !== undefined ? "Resource" : "NotResource"}` };
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return { ok: false, message: "Invalid effect: " + String(s.Effect) };
    if (s.Principal === undefined && s.NotPrincipal === undefined) return { ok: false, message: "Missing required field Principal" };
    const actions = s.Action ?? s.NotAction;
    if (actions === undefined) return { ok: false, message: "Missing required field Action" };
    for (const a of asList(actions as string | string[])) if (typeof a !== "string" || (a !== "*" && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(a))) return { ok: false, message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." };
    if (s.Condition !== undefined && (typeof s.Condition !== "object" || s.Condition === null || Array.isArray(s.Condition))) return { ok: false, message: "Syntax errors in policy." };
  }
  const doc = { Version: envelope.version, Statement: statements as TrustStatement[] };
  const guard = githubGuardrail(doc);
  return guard ? { ok: false, message: guard } : { ok: true, doc };
}

function federatedPrincipals(s: TrustStatement): string[] {
  const p = s.Principal;
  if (!p || typeof p !== "object") return [];
  return asList((p as Record<string, string | string[]>).Federated).filter((x): x is string => typeof x === "string");
}

function githubGuardrail(doc: TrustPolicy): string | undefined {
  for (const s of doc.Statement) {
    if (s.Effect !== "Allow") continue;
    for (const principal of federatedPrincipals(s)) {
      const host = /:oidc-provider\/(.+)$/.exec(principal)?.[1] ?? "";
      if (host !== GITHUB_ISSUER_HOST && !host.startsWith(`${GITHUB_ISSUER_HOST}/`)) continue;
      const keys = [`${host}:sub`, `${host}:job_workflow_ref`];
      const scoped = Object.entries(s.Condition ?? {}).some(([operator, block]) => {
        if (!SCOPING_OPERATORS.includes(operator.toLowerCase()) || !block || typeof block !== "object") return false;
        return Object.entries(block).some(([key, value]) => {
          if (!keys.some((k) => k.toLowerCase() === key.toLowerCase())) return false;
          const first = asList(value as string | string[])[0];
          return typeof first === "string" && !/^\*+$/.test(first);
        });
      });
      if (!scoped)
        return `Trust policy with trusted principal ${principal} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, ${keys.join(" or ")} which is not scoped to all`;
    }
  }
  return undefined;
}

/** A request to assume a role: the action, the federated principal (the IAM OIDC provider's ARN) and the context keys. */
export interface TrustRequest {
  action: string;
  federatedPrincipal: string;
  /** Condition context keys (e.g. `token.actions.githubusercontent.com:sub`), matched case-insensitively. */
  context: Record<string, string>;
}

export type TrustDecision = { decision: "allow"; statement: number } | { decision: "explicit-deny"; statement: number } | { decision: "implicit-deny" };

function principalMatches(s: TrustStatement, federated: string): boolean {
  if (s.Principal === "*") return true;
  if (s.Principal !== undefined) return federatedPrincipals(s).includes(federated) || asList((s.Principal as Record<string, string | string[]>)?.AWS).includes("*");
  // NotPrincipal: everyone except those listed.
  const listed = s.NotPrincipal && typeof s.NotPrincipal === "object" ? asList((s.NotPrincipal as Record<string, string | string[]>).Federated) : [];
  return !listed.includes(federated);
}

function actionMatches(s: TrustStatement, action: string): boolean {
  if (s.Action !== undefined) return asList(s.Action).some((p) => wildcardMatch(p, action, true));
  return !asList(s.NotAction).some((p) => wildcardMatch(p, action, true));
}

const STRING_TESTS: Record<string, (pattern: string, value: string) => boolean> = {
  stringequals: (p, v) => p === v,
  stringequalsignorecase: (p, v) => p.toLowerCase() === v.toLowerCase(),
  stringlike: (p, v) => wildcardMatch(p, v, false),
};

/**
 * One condition operator over one key, as IAM evaluates it for a single-valued key: any listed value may match (OR);
 * a negated operator matches when none does; a key absent from the request fails a positive operator, passes a
 * negated one, passes anything with `IfExists`, and is what `Null: true` asks for. `ForAnyValue:` over a single value
 * behaves as the plain operator; `ForAllValues:` is true for an absent key.
 */
export function conditionHolds(operator: string, key: string, expected: string | string[] | boolean, context: Record<string, string>): boolean {
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
  const value = found?.[1];
  let op = operator.toLowerCase();
  let set: "" | "any" | "all" = "";
  if (op.startsWith("foranyvalue:")) [set, op] = ["any", op.slice("foranyvalue:".length)];
  else if (op.startsWith("forallvalues:")) [set, op] = ["all", op.slice("forallvalues:".length)];
  if (op === "null") return String(expected).toLowerCase() === "true" ? value === undefined : value !== undefined;
  const ifExists = op.endsWith("ifexists");
  if (ifExists) op = op.slice(0, -"ifexists".length);
  const negated = op.startsWith("stringnot");
  const base = negated ? op.replace("stringnot", "string") : op;
  const test = STRING_TESTS[base];
  if (!test) return false;
  if (value === undefined) return ifExists || set === "all" || (negated && set === "");
  const patterns = asList(expected).map(String);
  const hit = patterns.some((p) => test(p, value));
  return negated ? !hit : hit;
}

function conditionsHold(s: TrustStatement, context: Record<string, string>): boolean {
  return Object.entries(s.Condition ?? {}).every(([operator, block]) => Object.entries(block ?? {}).every(([key, expected]) => conditionHolds(operator, key, expected, context)));
}

/** Evaluate a trust policy for one request: an explicit Deny wins, else any Allow allows, else implicitly denied. */
export function evaluateTrust(doc: TrustPolicy, request: TrustRequest): TrustDecision {
  let allowed: number | undefined;
  for (const [i, s] of doc.Statement.entries()) {
    if (!actionMatches(s, request.action) || !principalMatches(s, request.federatedPrincipal) || !conditionsHold(s, request.context)) continue;
    if (s.Effect === "Deny") return { decision: "explicit-deny", statement: i };
    allowed ??= i;
  }
  return allowed === undefined ? { decision: "implicit-deny" } : { decision: "allow", statement: allowed };
}
