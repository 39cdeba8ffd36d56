/**
 * Identity-based policy evaluation as IAM documents it, for a single principal: an explicit Deny in any
 * statement wins, otherwise any Allow allows, otherwise the request is implicitly denied.
 * Condition blocks are not evaluated: a statement with a Condition is treated as not applying (so a
 * conditional Allow never grants and a conditional Deny never denies).
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

export type ParsedPolicy = { ok: true; doc: PolicyDocument } | { ok: false; message: string };

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isStringOrList = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));

/**
 * The outer shape every IAM policy document shares (identity policies and trust policies): JSON, a known Version, a
 * Statement object or list. Returns IAM's MalformedPolicyDocument message when it is not that.
 */
export function parsePolicyEnvelope(text: string): { ok: true; version: string | undefined; statements: unknown[] } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: "Syntax errors in policy." };
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { ok: false, message: "Syntax errors in policy." };
  const obj = raw as Record<string, unknown>;
  if (obj.Version !== undefined && obj.Version !== "2012-10-17" && obj.Version !== "2008-10-17") return { ok: false, message: "The policy failed legacy parsing" };
  const statements = Array.isArray(obj.Statement) ? obj.Statement : obj.Statement && typeof obj.Statement === "object" ? [obj.Statement] : undefined;
  if (!statements) return { ok: false, message: "Syntax errors in policy." };
  return { ok: true, version: obj.Version as string | undefined, statements };
}

/** Validate a policy the way IAM's PutUserPolicy / CreatePolicy do (MalformedPolicyDocument messages). */
export function parsePolicyDocument(text: string): ParsedPolicy {
  const envelope = parsePolicyEnvelope(text);
  if (!envelope.ok) return envelope;
  const statements = envelope.statements;
  for (const s of statements as Record<string, unknown>[]) {
    if (!s || typeof s !== "object") return { ok: false, message: "Syntax errors in policy." };
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return { ok: false, message: "Invalid effect: " + String(s.Effect) };
    const actions = s.Action ?? s.NotAction;
    if (actions === undefined || (s.Action !== undefined && s.NotAction !== undefined) || !isStringOrList(actions)) return { ok: false, message: "Policy statement must contain actions." };
    for (const a of asList(actions as string | string[])) if (a !== "*" && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(a)) return { ok: false, message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." };
    const resources = s.Resource ?? s.NotResource;
    if (resources === undefined || (s.Resource !== undefined && s.NotResource !== undefined) || !isStringOrList(resources)) return { ok: false, message: "Policy statement must contain resources." };
  }
  return { ok: true, doc: { Version: envelope.version, Statement: statements as PolicyStatement[] } };
}

/** IAM wildcards: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", ignoreCase ? "is" : "s");
  return re.test(value);
}

function statementApplies(s: PolicyStatement, action: string, resource: string): boolean {
  if (s.Condition !== undefined) return false;
  const actionHit = s.Action !== undefined ? asList(s.Action).some((p) => wildcardMatch(p, action, true)) : !asList(s.NotAction).some((p) => wildcardMatch(p, action, true));
  if (!actionHit) return false;
  return s.Resource !== undefined ? asList(s.Resource).some((p) => wildcardMatch(p, resource, false)) : !asList(s.NotResource).some((p) => wildcardMatch(p, resource, false));
}

export function evaluatePolicies(docs: PolicyDocument[], action: string, resource: string): Decision {
  let allowed = false;
  for (const d of docs)
    for (const s of d.Statement) {
      if (!statementApplies(s, action, resource)) continue;
      if (s.Effect === "Deny") return "explicit-deny";
      allowed = true;
    }
  return allowed ? "allow" : "implicit-deny";
}
