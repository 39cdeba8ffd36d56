// Which ECR actions the push user can actually perform, from all its identity policies together, with the
// statements responsible. Follows IAM's evaluation order for one account: an explicit Deny wins, otherwise
// any Allow grants, otherwise the action is implicitly denied. Conditions and resource scoping cannot be
// evaluated without a concrete request, so they are reported as such instead of guessed.

import { ECR_ACTIONS, isRepositoryScopedAction } from "./ecr-actions";
import {
  normalizePolicy,
  type NormalizedPolicy,
  type NormalizedStatement,
  type PolicyDocumentInput,
  type PolicyParseError,
  type PolicySource,
} from "./normalize-policy";
import { hasWildcard, isMatchAll, matchWildcard } from "./wildcard";

export interface PolicyInput {
  source: PolicySource;
  document: PolicyDocumentInput;
}

export interface LoadedPolicy {
  source: PolicySource;
  policy: NormalizedPolicy;
}

export interface PolicyLoadError {
  source: PolicySource;
  error: PolicyParseError;
}

/** How much of the action's resource space a statement's Resource/NotResource reaches. */
export type ResourceCoverage = "all" | "some" | "none";

export interface Provenance {
  source: PolicySource;
  statementIndex: number;
  sid: string | null;
  effect: "Allow" | "Deny";
  /** The patterns that reach the action, or a NotAction description. */
  matchedBy: string[];
  resourceMode: "Resource" | "NotResource";
  resources: string[];
  condition: Record<string, unknown> | null;
  coverage: ResourceCoverage;
}

export type ActionStatus =
  | "allowed"
  | "allowed-scoped"
  | "conditionally-allowed"
  | "conditionally-denied"
  | "denied"
  | "not-allowed";

export interface ActionVerdict {
  action: string;
  status: ActionStatus;
  grants: Provenance[];
  denies: Provenance[];
  /** Allows that can never apply, e.g. GetAuthorizationToken granted only on a repository ARN. */
  ineffectiveGrants: Provenance[];
  reason: string;
}

export interface OtherGrant {
  pattern: string;
  provenance: Provenance;
}

export interface EffectiveActions {
  /** One verdict per known ECR action. */
  byAction: Record<string, ActionVerdict>;
  /** Allowed without conditions (on all or on some resources), sorted. */
  allowed: string[];
  /** Allowed only under a condition, or allowed but partly denied: cannot be decided statically. */
  conditional: string[];
  denied: string[];
  /** Non-ECR grants: more privilege than an ECR push user needs. */
  otherGrants: OtherGrant[];
  /** Documents that could not be read: the result is then a lower bound, and the page must say so. */
  errors: PolicyLoadError[];
}

export function describeSource(source: PolicySource): string {
  const kind = {
    inline: "inline policy",
    attached: "attached policy",
    "group-inline": "group inline policy",
    "group-attached": "group attached policy",
    expected: "expected policy",
  }[source.kind];
  return `${kind} ${source.policyName}`;
}

export function describeProvenance(p: Provenance): string {
  const sid = p.sid ? ` (Sid ${p.sid})` : "";
  return `${describeSource(p.source)}, statement ${p.statementIndex + 1}${sid}`;
}

/** Normalise several fetched documents, keeping the readable ones and reporting the others. */
export function loadPolicies(inputs: readonly PolicyInput[]): { policies: LoadedPolicy[]; errors: PolicyLoadError[] } {
  const policies: LoadedPolicy[] = [];
  const errors: PolicyLoadError[] = [];
  for (const input of inputs) {
    const r = normalizePolicy(input.document);
    if (r.ok) policies.push({ source: input.source, policy: r.policy });
    else errors.push({ source: input.source, error: r.error });
  }
  return { policies, errors };
}

function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?]/);
  return i === -1 ? pattern : pattern.slice(0, i);
}

interface ArnPattern {
  service: string;
  region: string;
  account: string;
  resource: string;
}

function parseArnPattern(pattern: string): ArnPattern | null {
  const parts = pattern.split(":");
  if (parts.length < 6 || !matchWildcard(parts[0], "arn", { caseInsensitive: false })) return null;
  return { service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(":") };
}

function reachesEcrRepositories(arn: ArnPattern): boolean {
  if (!matchWildcard(arn.service, "ecr", { caseInsensitive: false })) return false;
  const prefix = literalPrefix(arn.resource);
  return "repository/".startsWith(prefix) || prefix.startsWith("repository/");
}

function coversEveryRepository(arn: ArnPattern): boolean {
  const everyRepo = isMatchAll(arn.resource) || /^repository\/\*+$/.test(arn.resource);
  return everyRepo && isMatchAll(arn.region) && isMatchAll(arn.account);
}

/**
 * How far a statement's resources reach for one action. Registry-level actions (GetAuthorizationToken, …)
 * are evaluated against "*" itself, so only a match-all Resource reaches them.
 */
export function computeResourceCoverage(
  action: string,
  mode: "Resource" | "NotResource",
  resources: readonly string[],
): ResourceCoverage {
  const repoScoped = isRepositoryScopedAction(action);
  if (mode === "Resource") {
    if (resources.some(isMatchAll)) return "all";
    if (!repoScoped) return "none";
    let best: ResourceCoverage = "none";
    for (const r of resources) {
      const arn = parseArnPattern(r);
      if (!arn || !reachesEcrRepositories(arn)) continue;
      if (coversEveryRepository(arn)) return "all";
      best = "some";
    }
    return best;
  }
  if (resources.some(isMatchAll)) return "none";
  if (!repoScoped) return "all";
  const excludesSomeRepos = resources.some((r) => {
    const arn = parseArnPattern(r);
    return arn !== null && reachesEcrRepositories(arn);
  });
  return excludesSomeRepos ? "some" : "all";
}

function matchedByFor(st: NormalizedStatement, action: string): string[] {
  if (st.actionMode === "NotAction") return [`NotAction ${JSON.stringify(st.patterns)}`];
  return st.patterns.filter((p) =>
    hasWildcard(p) ? matchWildcard(p, action, { caseInsensitive: true }) : p.toLowerCase() === action.toLowerCase(),
  );
}

function provenanceOf(source: PolicySource, st: NormalizedStatement, action: string): Provenance {
  return {
    source,
    statementIndex: st.index,
    sid: st.sid,
    effect: st.effect,
    matchedBy: matchedByFor(st, action),
    resourceMode: st.resourceMode,
    resources: st.resources,
    condition: st.condition,
    coverage: computeResourceCoverage(action, st.resourceMode, st.resources),
  };
}

function findCoveringDeny(grants: Provenance[], denies: Provenance[]): Provenance | undefined {
  const hard = denies.filter((d) => d.condition === null && d.resourceMode === "Resource");
  if (hard.length === 0 || grants.some((g) => g.resourceMode !== "Resource")) return undefined;
  // A grant pattern is covered when a deny pattern matches it taken literally: "repository/*" covers
  // "repository/a*", and "repository/a" covers only itself.
  const denyFor = (r: string) => hard.find((d) => d.resources.some((p) => matchWildcard(p, r, { caseInsensitive: false })));
  const covered = grants.every((g) => g.resources.every((r) => denyFor(r) !== undefined));
  return covered ? denyFor(grants[0].resources[0]) : undefined;
}

function judgeAction(action: string, grants: Provenance[], denies: Provenance[]): ActionVerdict {
  const effectiveGrants = grants.filter((g) => g.coverage !== "none");
  const ineffectiveGrants = grants.filter((g) => g.coverage === "none");
  const reachingDenies = denies.filter((d) => d.coverage !== "none");
  const fullDeny = reachingDenies.find((d) => d.coverage === "all" && d.condition === null);
  const base = { action, grants: effectiveGrants, denies: reachingDenies, ineffectiveGrants };

  if (fullDeny) {
    return { ...base, status: "denied", reason: `explicitly denied by ${describeProvenance(fullDeny)}` };
  }
  // A narrow Deny is still total when it covers every resource the grants reach (Allow and Deny on the
  // same repository ARN): then nothing is left allowed.
  const coveringDeny = effectiveGrants.length > 0 ? findCoveringDeny(effectiveGrants, reachingDenies) : undefined;
  if (coveringDeny) {
    return { ...base, status: "denied", reason: `explicitly denied by ${describeProvenance(coveringDeny)} on every resource it is allowed on` };
  }
  if (effectiveGrants.length === 0) {
    const why =
      ineffectiveGrants.length > 0
        ? `granted only on resources it cannot use (${describeProvenance(ineffectiveGrants[0])}: ${action} needs Resource "*")`
        : "no statement allows it (implicit deny)";
    return { ...base, status: "not-allowed", reason: why };
  }
  const firstGrant = effectiveGrants.find((g) => g.condition === null) ?? effectiveGrants[0];
  if (reachingDenies.length > 0) {
    const d = reachingDenies[0];
    const how = d.condition !== null ? "when its condition holds" : `on ${d.resourceMode} ${JSON.stringify(d.resources)}`;
    return {
      ...base,
      status: "conditionally-denied",
      reason: `allowed by ${describeProvenance(firstGrant)}, but denied by ${describeProvenance(d)} ${how}`,
    };
  }
  const unconditional = effectiveGrants.filter((g) => g.condition === null);
  if (unconditional.some((g) => g.coverage === "all")) {
    const g = unconditional.find((x) => x.coverage === "all")!;
    return { ...base, status: "allowed", reason: `allowed by ${describeProvenance(g)}` };
  }
  if (unconditional.length > 0) {
    const g = unconditional[0];
    return {
      ...base,
      status: "allowed-scoped",
      reason: `allowed on ${g.resourceMode} ${JSON.stringify(g.resources)} by ${describeProvenance(g)}`,
    };
  }
  return {
    ...base,
    status: "conditionally-allowed",
    reason: `allowed only when the condition of ${describeProvenance(firstGrant)} holds`,
  };
}

function isLoaded(p: PolicyInput | LoadedPolicy): p is LoadedPolicy {
  return "policy" in p;
}

/** The ECR actions a user is allowed, from inline and attached policies together. */
export function computeEffectiveActions(inputs: readonly (PolicyInput | LoadedPolicy)[]): EffectiveActions {
  const loaded: LoadedPolicy[] = [];
  const errors: PolicyLoadError[] = [];
  for (const input of inputs) {
    if (isLoaded(input)) loaded.push(input);
    else {
      const r = loadPolicies([input]);
      loaded.push(...r.policies);
      errors.push(...r.errors);
    }
  }

  const grants = new Map<string, Provenance[]>(ECR_ACTIONS.map((a) => [a, []]));
  const denies = new Map<string, Provenance[]>(ECR_ACTIONS.map((a) => [a, []]));
  const otherGrants: OtherGrant[] = [];

  for (const { source, policy } of loaded) {
    for (const st of policy.statements) {
      const target = st.effect === "Allow" ? grants : denies;
      for (const action of st.ecrActions) target.get(action)!.push(provenanceOf(source, st, action));
      if (st.effect !== "Allow") continue;
      const other = st.actionMode === "NotAction"
        ? [`every action of every other service (NotAction ${JSON.stringify(st.patterns)})`]
        : st.otherActions;
      for (const pattern of other) {
        otherGrants.push({
          pattern,
          provenance: { ...provenanceOf(source, st, pattern), matchedBy: [pattern], coverage: st.resources.some(isMatchAll) ? "all" : "some" },
        });
      }
    }
  }

  const byAction: Record<string, ActionVerdict> = {};
  const allowed: string[] = [];
  const conditional: string[] = [];
  const denied: string[] = [];
  for (const action of ECR_ACTIONS) {
    const v = judgeAction(action, grants.get(action)!, denies.get(action)!);
    byAction[action] = v;
    if (v.status === "allowed" || v.status === "allowed-scoped") allowed.push(action);
    else if (v.status === "conditionally-allowed" || v.status === "conditionally-denied") conditional.push(action);
    else if (v.status === "denied") denied.push(action);
  }
  return { byAction, allowed: allowed.sort(), conditional: conditional.sort(), denied: denied.sort(), otherGrants, errors };
}
