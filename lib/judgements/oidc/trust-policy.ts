// The role's trust policy: the one Deckhand proposes (pinned to the planned subjects) and the judgement of an
// existing one against them. IAM semantics (IAM JSON policy reference, "Condition operators"): condition blocks and
// keys are ANDed, the values of one key ORed; StringLike's `*`/`?` are IAM wildcards; an explicit Deny wins.

import { matchWildcard } from "../posture/wildcard";
import { AUD_KEY, GITHUB_OIDC_HOST, STS_AUDIENCE } from "./github-oidc";
import { SUB_KEY, type PlannedSubject } from "./workflow-subjects";

export interface TrustStatementJson {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: { Federated: string };
  Action: string;
  Condition: Record<string, Record<string, string | string[]>>;
}

export interface TrustPolicyJson {
  Version: "2012-10-17";
  Statement: TrustStatementJson[];
}

const one = (v: string[]) => (v.length === 1 ? v[0] : v);

/**
 * The proposed trust policy: one statement for the exact subjects (StringEquals) and one for the patterns
 * (StringLike), each also requiring the audience. Two statements because two operators on the same key in one
 * statement are ANDed, which would admit nothing. Throws when given no subject: a trust policy that leaves `sub`
 * unconstrained is never proposed.
 */
export function buildTrustPolicy(providerArn: string, subjects: PlannedSubject[]): TrustPolicyJson {
  if (subjects.length === 0) throw new Error("No subject to trust: refusing to propose a trust policy without a sub condition");
  const exact = subjects.filter((s) => s.operator === "StringEquals").map((s) => s.value);
  const like = subjects.filter((s) => s.operator === "StringLike").map((s) => s.value);
  const base = { Effect: "Allow" as const, Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity" };
  const statements: TrustStatementJson[] = [];
  if (exact.length > 0) statements.push({ Sid: "GitHubActionsExact", ...base, Condition: { StringEquals: { [AUD_KEY]: STS_AUDIENCE, [SUB_KEY]: one(exact) } } });
  if (like.length > 0) statements.push({ Sid: "GitHubActionsPatterns", ...base, Condition: { StringEquals: { [AUD_KEY]: STS_AUDIENCE }, StringLike: { [SUB_KEY]: one(like) } } });
  return { Version: "2012-10-17", Statement: statements };
}

/** Each statement explained, for the page. */
export function explainTrustPolicy(policy: TrustPolicyJson, subjects: PlannedSubject[]): string[] {
  return policy.Statement.map((s) => {
    const op = s.Condition.StringLike ? "StringLike" : "StringEquals";
    const values = subjects.filter((x) => x.operator === op);
    return `${s.Sid}: lets GitHub's OIDC provider (${GITHUB_OIDC_HOST}) assume the role only for tokens whose audience is ${STS_AUDIENCE} and whose subject ${op === "StringLike" ? "matches" : "is"} ${values.map((v) => `"${v.value}" (${v.because})`).join(" or ")}.`;
  });
}

type Operator = (pattern: string, value: string) => boolean;
const OPERATORS: Record<string, Operator> = {
  stringequals: (p, v) => p === v,
  stringequalsignorecase: (p, v) => p.toLowerCase() === v.toLowerCase(),
  stringlike: (p, v) => matchWildcard(p, v, { caseInsensitive: false }),
};

interface ParsedStatement {
  index: number;
  sid?: string;
  effect: string;
  federated: string[];
  actions: string[];
  condition: Record<string, Record<string, unknown>>;
}

function statementsOf(doc: unknown): ParsedStatement[] {
  const raw = (doc as { Statement?: unknown })?.Statement;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((s, index) => {
    const st = (s ?? {}) as Record<string, unknown>;
    const principal = st.Principal;
    const federated = principal === "*" ? ["*"] : principal && typeof principal === "object" ? [(principal as Record<string, unknown>).Federated].flat().filter((x): x is string => typeof x === "string") : [];
    const actions = [st.Action].flat().filter((x): x is string => typeof x === "string");
    const condition = st.Condition && typeof st.Condition === "object" ? (st.Condition as Record<string, Record<string, unknown>>) : {};
    return { index, sid: typeof st.Sid === "string" ? st.Sid : undefined, effect: String(st.Effect), federated, actions, condition };
  });
}

/** Does one condition (operator over key) hold for a request's context? Unknown operators do not hold (conservative). */
function holds(operator: string, key: string, expected: unknown, context: Record<string, string>): boolean {
  let op = operator.toLowerCase();
  const ifExists = op.endsWith("ifexists");
  if (ifExists) op = op.slice(0, -"ifexists".length);
  op = op.replace(/^(foranyvalue|forallvalues):/, "");
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
  if (op === "null") return String(expected).toLowerCase() === "true" ? !found : !!found;
  const negated = op.startsWith("stringnot");
  const test = OPERATORS[negated ? op.replace("stringnot", "string") : op];
  if (!test) return false;
  if (!found) return ifExists || negated;
  const hit = [expected].flat().map(String).some((p) => test(p, found[1]));
  return negated ? !hit : hit;
}

/** Which statement (if any) allows a GitHub token with this `sub` and `aud`, as STS would decide. */
export function trustAdmits(doc: unknown, providerArn: string, sub: string, aud = STS_AUDIENCE): { allowed: boolean; statement?: number } {
  const context = { [SUB_KEY]: sub, [AUD_KEY]: aud };
  let allowed: number | undefined;
  for (const s of statementsOf(doc)) {
    const principalOk = s.federated.includes("*") || s.federated.includes(providerArn);
    const actionOk = s.actions.some((a) => matchWildcard(a, "sts:AssumeRoleWithWebIdentity", { caseInsensitive: true }));
    if (!principalOk || !actionOk) continue;
    const conditionsOk = Object.entries(s.condition).every(([op, block]) => Object.entries(block ?? {}).every(([k, v]) => holds(op, k, v, context)));
    if (!conditionsOk) continue;
    if (s.effect === "Deny") return { allowed: false, statement: s.index };
    if (s.effect === "Allow") allowed ??= s.index;
  }
  return allowed === undefined ? { allowed: false } : { allowed: true, statement: allowed };
}

export type TrustFindingKind = "unconstrained-sub" | "other-repositories" | "wider-than-plan" | "refuses-planned" | "audience" | "no-github-statement";

export interface TrustFinding {
  kind: TrustFindingKind;
  message: string;
  /** The statement index the finding is about, when one is. */
  statement?: number;
}

/**
 * Judge an existing role's trust policy against the planned subjects, by probing it as STS would: each planned
 * subject must be admitted; subjects of another repository, a pull request, an unplanned branch, tag or environment
 * must not be (each one admitted is a finding: a wider trust, reported, never changed silently); the audience must be
 * required. `repoPart` is the subject prefix (`repo:o/r`).
 */
export function judgeTrustPolicy(doc: unknown, providerArn: string, repoPart: string, planned: PlannedSubject[]): TrustFinding[] {
  const findings: TrustFinding[] = [];
  const statements = statementsOf(doc);
  const github = statements.filter((s) => s.effect === "Allow" && (s.federated.includes(providerArn) || s.federated.includes("*")));
  if (github.length === 0) findings.push({ kind: "no-github-statement", message: `No statement trusts GitHub's OIDC provider (${providerArn}): every run will be refused.` });
  for (const s of github) {
    const constrainsSub = Object.entries(s.condition).some(([op, block]) => /^string(equals|like|equalsignorecase)$/i.test(op) && Object.keys(block ?? {}).some((k) => k.toLowerCase() === SUB_KEY));
    if (!constrainsSub) findings.push({ kind: "unconstrained-sub", statement: s.index, message: `Statement ${s.sid ?? s.index + 1} does not constrain ${SUB_KEY}: any GitHub repository's workflow could assume the role.` });
  }
  // The prefix is `repo:OWNER/NAME` or GitHub's immutable `repo:OWNER@ID/NAME@ID`: other repositories are probed in both forms.
  const m = /^repo:([^@/]+)(@\d+)?\/([^@/:]+)(@\d+)?$/.exec(repoPart);
  const owner = m?.[1] ?? repoPart.replace(/^repo:/, "").split("/")[0];
  const ownerId = m?.[2] ?? "";
  const probes: Array<{ sub: string; kind: TrustFindingKind; what: string }> = [
    { sub: `repo:${owner}-other/other-repository:ref:refs/heads/main`, kind: "other-repositories", what: "a repository of another owner" },
    { sub: `repo:${owner}/other-repository:ref:refs/heads/main`, kind: "other-repositories", what: `another repository of ${owner}` },
    ...(ownerId ? [{ sub: `repo:${owner}${ownerId}/other-repository@1:ref:refs/heads/main`, kind: "other-repositories" as const, what: `another repository of ${owner} (immutable subject)` }] : []),
    { sub: `${repoPart}-fork:ref:refs/heads/main`, kind: "other-repositories", what: "a repository whose name starts with this one's" },
    { sub: `${repoPart}:pull_request`, kind: "wider-than-plan", what: "any pull request" },
    { sub: `${repoPart}:ref:refs/heads/deckhand-probe/unplanned-branch`, kind: "wider-than-plan", what: "any branch" },
    { sub: `${repoPart}:ref:refs/tags/deckhand-probe-tag`, kind: "wider-than-plan", what: "any tag" },
    { sub: `${repoPart}:environment:deckhand-probe`, kind: "wider-than-plan", what: "any environment" },
  ];
  const plannedAdmits = (sub: string) => planned.some((p) => (p.operator === "StringEquals" ? p.value === sub : matchWildcard(p.value, sub, { caseInsensitive: false })));
  for (const p of probes) {
    if (plannedAdmits(p.sub)) continue;
    const r = trustAdmits(doc, providerArn, p.sub);
    if (r.allowed) findings.push({ kind: p.kind, statement: r.statement, message: `The trust admits ${p.what} (for example "${p.sub}"), which the workflow never presents.` });
  }
  for (const p of planned) {
    if (p.operator !== "StringEquals") continue;
    const r = trustAdmits(doc, providerArn, p.value);
    if (!r.allowed) findings.push({ kind: "refuses-planned", message: `Runs presenting "${p.value}" (${p.because}) would be refused: ${r.statement !== undefined ? `statement ${r.statement + 1} denies it` : "no statement allows it"}.` });
  }
  const someSub = planned.find((p) => p.operator === "StringEquals")?.value;
  if (someSub && trustAdmits(doc, providerArn, someSub, "https://github.com/" + owner).allowed)
    findings.push({ kind: "audience", message: `The trust does not require the audience ${STS_AUDIENCE}: tokens minted for other audiences are accepted.` });
  return findings;
}
