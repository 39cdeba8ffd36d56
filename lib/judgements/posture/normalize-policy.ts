// Turns an IAM policy document, in any of the shapes AWS hands it back, into statements the judgements can
// reason about. IAM returns documents from GetUserPolicy / GetPolicyVersion / GetAccountAuthorizationDetails
// URL-encoded (RFC 3986); some SDKs and our own config hand them over already decoded. Malformed input is a
// typed result, never an exception thrown half way through rendering a page.

import { ECR_ACTIONS, ECR_PREFIX, canonicalizeEcrAction } from "./ecr-actions";
import { hasWildcard, matchWildcard } from "./wildcard";

export type PolicyKind = "inline" | "attached" | "group-inline" | "group-attached" | "expected";

/** Where a document came from, as plain data the pages can fill from any SDK response. */
export interface PolicySource {
  kind: PolicyKind;
  policyName: string;
  policyArn?: string;
  versionId?: string;
}

/** A document as fetched: a string (URL-encoded or plain JSON) or an already parsed object. */
export type PolicyDocumentInput = string | Record<string, unknown>;

export interface NormalizedStatement {
  /** Position in the document's Statement list, 0-based. */
  index: number;
  sid: string | null;
  effect: "Allow" | "Deny";
  actionMode: "Action" | "NotAction";
  /** The patterns as written (trimmed), in document order. */
  patterns: string[];
  /** ECR actions (canonical `ecr:Name`) the patterns match, sorted. */
  matchedEcrActions: string[];
  /** ECR actions the statement applies to: matched ones for Action, every other one for NotAction. */
  ecrActions: string[];
  /** Patterns that are not ECR's, kept verbatim (e.g. "s3:GetObject", "*"). */
  otherActions: string[];
  /** `ecr:` patterns that match no known ECR action: a typo, or an action newer than our list. */
  unknownEcrPatterns: string[];
  resourceMode: "Resource" | "NotResource";
  resources: string[];
  /** The Condition block as written, or null when the statement has none. */
  condition: Record<string, unknown> | null;
}

export interface NormalizedPolicy {
  version: string | null;
  id: string | null;
  statements: NormalizedStatement[];
  /** Things AWS would reject or that look accidental but do not stop the analysis. */
  warnings: string[];
  /** The decoded document, for display and diffing. */
  document: Record<string, unknown>;
}

export type PolicyErrorCode =
  | "empty"
  | "bad-encoding"
  | "bad-json"
  | "not-an-object"
  | "no-statement"
  | "bad-statement";

export interface PolicyParseError {
  code: PolicyErrorCode;
  message: string;
  statementIndex?: number;
}

export type PolicyParseResult = { ok: true; policy: NormalizedPolicy } | { ok: false; error: PolicyParseError };

function fail(code: PolicyErrorCode, message: string, statementIndex?: number): PolicyParseResult {
  return { ok: false, error: statementIndex === undefined ? { code, message } : { code, message, statementIndex } };
}

type DecodeResult = { ok: true; value: unknown } | { ok: false; error: PolicyParseError };

// Form encoding writes spaces as "+", RFC 3986 as "%20" and a literal plus as "%2B". A raw "+" can only be
// a space in form encoding (RFC 3986 would have escaped a literal one), so try that reading first and fall
// back to keeping "+" when it does not give JSON.
function decodeEncoded(text: string): DecodeResult {
  const attempts = text.includes("+") ? [text.replace(/\+/g, "%20"), text] : [text];
  let lastError = "";
  for (const attempt of attempts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(attempt);
    } catch (e) {
      lastError = `not valid URL encoding (${(e as Error).message})`;
      continue;
    }
    const trimmed = decoded.trim();
    // Double encoding happens when a document is passed through one more encoder; undo one more level.
    if (/^%(25)*7b/i.test(trimmed)) return decodeEncoded(trimmed);
    try {
      return { ok: true, value: JSON.parse(trimmed) };
    } catch (e) {
      lastError = `decoded text is not JSON (${(e as Error).message})`;
    }
  }
  const code: PolicyErrorCode = lastError.startsWith("not valid URL") ? "bad-encoding" : "bad-json";
  return { ok: false, error: { code, message: `Policy document is ${lastError}` } };
}

function decodeDocument(input: PolicyDocumentInput | null | undefined): DecodeResult {
  if (input === null || input === undefined) {
    return { ok: false, error: { code: "empty", message: "Policy document is empty" } };
  }
  if (typeof input !== "string") return { ok: true, value: input };
  const text = input.trim();
  if (text === "") return { ok: false, error: { code: "empty", message: "Policy document is empty" } };
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false, error: { code: "bad-json", message: `Policy document is not valid JSON (${(e as Error).message})` } };
    }
  }
  if (/^%(25)*7b/i.test(text)) return decodeEncoded(text);
  return {
    ok: false,
    error: { code: "bad-json", message: "Policy document is neither JSON nor a URL-encoded JSON object" },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// IAM element names are case-sensitive in the grammar, but a hand-written "action" is a common slip; we read
// it and warn rather than silently ignoring the statement's grants.
function readElement(st: Record<string, unknown>, name: string, warnings: string[], where: string): unknown {
  if (name in st) return st[name];
  const key = Object.keys(st).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  warnings.push(`${where}: element "${key}" should be spelled "${name}"`);
  return st[key];
}

function readStringList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  return null;
}

interface ExpandedActions {
  matchedEcrActions: string[];
  otherActions: string[];
  unknownEcrPatterns: string[];
  patterns: string[];
}

/** Expand action patterns against ECR's action list; everything that is not ECR's is kept verbatim. */
export function expandActionPatterns(rawPatterns: readonly string[]): ExpandedActions {
  const matched = new Set<string>();
  const otherActions: string[] = [];
  const unknownEcrPatterns: string[] = [];
  const patterns = rawPatterns.map((p) => p.trim());
  for (const pattern of patterns) {
    const isEcr = pattern.toLowerCase().startsWith(`${ECR_PREFIX}:`);
    if (!hasWildcard(pattern)) {
      const canonical = canonicalizeEcrAction(pattern);
      if (canonical && isEcr) matched.add(canonical);
      else if (isEcr) unknownEcrPatterns.push(pattern);
      else otherActions.push(pattern);
      continue;
    }
    let hits = 0;
    for (const action of ECR_ACTIONS) {
      if (matchWildcard(pattern, action, { caseInsensitive: true })) {
        matched.add(action);
        hits++;
      }
    }
    if (isEcr) {
      if (hits === 0) unknownEcrPatterns.push(pattern);
    } else {
      // "*" or "*:PutImage" also reach other services: keep the pattern for the non-ECR view too.
      otherActions.push(pattern);
    }
  }
  return { matchedEcrActions: [...matched].sort(), otherActions, unknownEcrPatterns, patterns };
}

function normalizeStatement(raw: unknown, index: number, warnings: string[]): NormalizedStatement | PolicyParseError {
  const where = `Statement ${index + 1}`;
  if (!isPlainObject(raw)) {
    return { code: "bad-statement", message: `${where} is not an object`, statementIndex: index };
  }
  const sidRaw = readElement(raw, "Sid", warnings, where);
  const sid = typeof sidRaw === "string" && sidRaw !== "" ? sidRaw : null;

  const effectRaw = readElement(raw, "Effect", warnings, where);
  if (typeof effectRaw !== "string" || !/^(allow|deny)$/i.test(effectRaw.trim())) {
    return {
      code: "bad-statement",
      message: `${where} has Effect ${JSON.stringify(effectRaw ?? null)}; it must be "Allow" or "Deny"`,
      statementIndex: index,
    };
  }
  const effect = effectRaw.trim().toLowerCase() === "allow" ? "Allow" : "Deny";
  if (effect !== effectRaw) warnings.push(`${where}: Effect "${effectRaw}" should be written "${effect}"`);

  const action = readElement(raw, "Action", warnings, where);
  const notAction = readElement(raw, "NotAction", warnings, where);
  if (action !== undefined && notAction !== undefined) {
    return { code: "bad-statement", message: `${where} has both Action and NotAction`, statementIndex: index };
  }
  if (action === undefined && notAction === undefined) {
    return { code: "bad-statement", message: `${where} has neither Action nor NotAction`, statementIndex: index };
  }
  const actionMode = action !== undefined ? "Action" : "NotAction";
  const actionList = readStringList(action ?? notAction);
  if (actionList === null) {
    return {
      code: "bad-statement",
      message: `${where}: ${actionMode} must be a string or a list of strings`,
      statementIndex: index,
    };
  }
  if (actionList.length === 0) warnings.push(`${where}: ${actionMode} is an empty list`);

  const resource = readElement(raw, "Resource", warnings, where);
  const notResource = readElement(raw, "NotResource", warnings, where);
  if (resource !== undefined && notResource !== undefined) {
    return { code: "bad-statement", message: `${where} has both Resource and NotResource`, statementIndex: index };
  }
  if (resource === undefined && notResource === undefined) {
    return {
      code: "bad-statement",
      message: `${where} has neither Resource nor NotResource (identity policies need one)`,
      statementIndex: index,
    };
  }
  const resourceMode = resource !== undefined ? "Resource" : "NotResource";
  const resources = readStringList(resource ?? notResource);
  if (resources === null) {
    return {
      code: "bad-statement",
      message: `${where}: ${resourceMode} must be a string or a list of strings`,
      statementIndex: index,
    };
  }

  if (resources.length === 0) warnings.push(`${where}: ${resourceMode} is an empty list, so the statement applies to nothing`);

  const conditionRaw = readElement(raw, "Condition", warnings, where);
  if (conditionRaw !== undefined && !isPlainObject(conditionRaw)) {
    return { code: "bad-statement", message: `${where}: Condition must be an object`, statementIndex: index };
  }
  const condition = conditionRaw && Object.keys(conditionRaw).length > 0 ? conditionRaw : null;

  if (readElement(raw, "Principal", [], where) !== undefined || readElement(raw, "NotPrincipal", [], where) !== undefined) {
    warnings.push(`${where}: Principal has no meaning in an identity policy`);
  }

  const expanded = expandActionPatterns(actionList);
  for (const p of expanded.unknownEcrPatterns) warnings.push(`${where}: "${p}" matches no known ECR action`);
  const matchedSet = new Set(expanded.matchedEcrActions);
  const ecrActions = actionMode === "Action" ? expanded.matchedEcrActions : ECR_ACTIONS.filter((a) => !matchedSet.has(a));

  return {
    index,
    sid,
    effect,
    actionMode,
    patterns: expanded.patterns,
    matchedEcrActions: expanded.matchedEcrActions,
    ecrActions: [...ecrActions].sort(),
    otherActions: expanded.otherActions,
    unknownEcrPatterns: expanded.unknownEcrPatterns,
    resourceMode,
    resources: resources.map((r) => r.trim()),
    condition,
  };
}

/** Parse and normalise one policy document. */
export function normalizePolicy(input: PolicyDocumentInput | null | undefined): PolicyParseResult {
  const decoded = decodeDocument(input);
  if (!decoded.ok) return { ok: false, error: decoded.error };
  const doc = decoded.value;
  if (!isPlainObject(doc)) return fail("not-an-object", "Policy document must be a JSON object");

  const warnings: string[] = [];
  const version = readElement(doc, "Version", warnings, "Document");
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") {
    warnings.push(`Document: unknown Version ${JSON.stringify(version)}`);
  }
  if (version === undefined) {
    warnings.push('Document: no Version; IAM then uses 2008-10-17, which disables policy variables');
  }
  const id = readElement(doc, "Id", warnings, "Document");
  const statementRaw = readElement(doc, "Statement", warnings, "Document");
  if (statementRaw === undefined) return fail("no-statement", "Policy document has no Statement");
  const list = Array.isArray(statementRaw) ? statementRaw : [statementRaw];

  const statements: NormalizedStatement[] = [];
  for (let i = 0; i < list.length; i++) {
    const st = normalizeStatement(list[i], i, warnings);
    if ("code" in st) return { ok: false, error: st };
    statements.push(st);
  }
  return {
    ok: true,
    policy: {
      version: typeof version === "string" ? version : null,
      id: typeof id === "string" ? id : null,
      statements,
      warnings,
      document: doc,
    },
  };
}
