// The doctor's OIDC mode for one refused AssumeRoleWithWebIdentity: what the run presented (subject, audience,
// issuer) against what the role's trust and the account's provider allow, the statement/condition that refused
// it, and the exact fix. Sources: STS API reference (AssumeRoleWithWebIdentity errors: InvalidIdentityToken "No
// OpenIDConnect provider found…", "Incorrect token audience", ExpiredToken, AccessDenied "Not authorized to
// perform sts:AssumeRoleWithWebIdentity"), IAM JSON policy reference (condition evaluation).

import { matchWildcard } from "../posture/wildcard";
import { AUD_KEY, GITHUB_OIDC_URL, STS_AUDIENCE } from "./github-oidc";
import { trustAdmits } from "./trust-policy";
import { SUB_KEY, type PlannedSubject } from "./workflow-subjects";
import type { WebIdentityEvent } from "./prove-role";

export interface RefusalDiagnosis {
  time: string;
  subject: string | null;
  audience: string | null;
  issuer: string | null;
  roleArn: string | null;
  errorCode: string;
  /** Why, in the operator's words: the statement and the condition that refused it. */
  cause: string;
  /** What to change, exactly. */
  fix: string;
}

export interface RefusalContext {
  /** The role's trust policy (parsed JSON), or null when the role does not exist / could not be read. */
  trust: unknown;
  providerArn: string;
  /** The provider's audiences, or null when the account has no provider for GitHub's issuer. */
  providerAudiences: string[] | null;
  /** The subjects the ECR workflow is planned to present (from the plan), to tell an intended run from a stray one. */
  planned: PlannedSubject[];
}

interface Condition {
  operator: string;
  key: string;
  expected: string[];
}

/** The GitHub statements' conditions on `sub` and `aud` that do not hold for what was presented. */
function failingConditions(trust: unknown, providerArn: string, presented: Record<string, string>): Array<{ statement: string; failing: Condition[] }> {
  const raw = (trust as { Statement?: unknown })?.Statement;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<Record<string, unknown>>;
  const out: Array<{ statement: string; failing: Condition[] }> = [];
  list.forEach((s, i) => {
    if (s?.Effect !== "Allow") return;
    const fed = (s.Principal as { Federated?: unknown } | undefined)?.Federated;
    if (![fed].flat().includes(providerArn)) return;
    const failing: Condition[] = [];
    for (const [operator, block] of Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [key, value] of Object.entries(block ?? {})) {
        const k = key.toLowerCase();
        if (k !== SUB_KEY && k !== AUD_KEY) continue;
        const expected = [value].flat().map(String);
        const got = presented[k];
        const op = operator.toLowerCase();
        const holds = op.startsWith("stringlike") ? expected.some((p) => matchWildcard(p, got ?? "", { caseInsensitive: false })) : op.startsWith("stringequalsignorecase") ? expected.some((p) => p.toLowerCase() === (got ?? "").toLowerCase()) : expected.includes(got ?? "");
        if (!holds) failing.push({ operator, key, expected });
      }
    }
    out.push({ statement: typeof s.Sid === "string" ? s.Sid : `statement ${i + 1}`, failing });
  });
  return out;
}

/** Diagnose one refused assumption (an event with errorCode). */
export function diagnoseRefusal(event: WebIdentityEvent, ctx: RefusalContext): RefusalDiagnosis {
  const base = { time: event.time, subject: event.subject, audience: event.audience ?? null, issuer: event.provider, roleArn: event.roleArn, errorCode: event.errorCode ?? "" };
  const sub = event.subject ?? "";
  const aud = event.audience ?? "";
  const message = event.errorMessage ?? "";
  if (ctx.providerAudiences === null || /No OpenIDConnect provider found/i.test(message))
    return { ...base, cause: `The account has no IAM OIDC provider for ${GITHUB_OIDC_URL}, so STS cannot verify GitHub's token.`, fix: `Create the provider (${GITHUB_OIDC_URL}, audience ${STS_AUDIENCE}): the move's first step does it.` };
  if (/Incorrect token audience/i.test(message) || (aud && !ctx.providerAudiences.includes(aud)))
    return {
      ...base,
      cause: `The token's audience${aud ? ` "${aud}"` : ""} is not one of the provider's (${ctx.providerAudiences.join(", ") || "none"}).`,
      fix: `Let configure-aws-credentials ask for its default audience ${STS_AUDIENCE} (remove a custom \`audience:\` input), or add "${aud}" to the provider's audiences (AddClientIDToOpenIDConnectProvider).`,
    };
  if (event.errorCode === "ExpiredTokenException")
    return { ...base, cause: "The ID token had expired when STS received it (GitHub's tokens live 5 minutes).", fix: "Ask for the token right before assuming the role: keep configure-aws-credentials right before the steps that need AWS." };
  if (ctx.trust === null) return { ...base, cause: `The role ${event.roleArn ?? ""} does not exist or its trust could not be read.`, fix: "Create the role (the move's role step), or fix role-to-assume in the workflow." };
  const r = trustAdmits(ctx.trust, ctx.providerArn, sub, aud || STS_AUDIENCE);
  if (r.statement !== undefined && !r.allowed)
    return { ...base, cause: `Statement ${r.statement + 1} of the role's trust explicitly denies the subject "${sub}".`, fix: "Remove that Deny, or run the workflow from a ref it does not deny." };
  const failing = failingConditions(ctx.trust, ctx.providerArn, { [SUB_KEY]: sub, [AUD_KEY]: aud || STS_AUDIENCE });
  const first = failing.find((f) => f.failing.length > 0);
  const condition = first?.failing[0];
  const cause = condition
    ? `${first!.statement} requires ${condition.operator} ${condition.key} ${condition.expected.map((v) => `"${v}"`).join(" or ")}; the run presented "${condition.key.toLowerCase() === SUB_KEY ? sub : aud}".`
    : failing.length === 0
      ? `No statement of the role's trust trusts ${ctx.providerArn} for sts:AssumeRoleWithWebIdentity.`
      : "The trust's conditions refused the token.";
  const intended = ctx.planned.some((p) => (p.operator === "StringEquals" ? p.value === sub : matchWildcard(p.value, sub, { caseInsensitive: false })));
  const fix = intended
    ? `The ECR workflow presents "${sub}" on purpose: add it to the role's trust (UpdateAssumeRolePolicy with the proposed trust policy, which includes it).`
    : sub.endsWith(":pull_request")
      ? `This run came from a pull request ("${sub}"). If pull requests should push images, add "${sub}" to the trust; otherwise skip the push job on pull_request (\`if: github.event_name != 'pull_request'\`) — the trust is right to refuse it.`
      : `The ECR workflow's plan does not include "${sub}". If this run should push, add it to the trust's sub values; otherwise the refusal is the trust working.`;
  return { ...base, cause, fix };
}

/**
 * CloudTrail's refusals are the whole account's: split them into this repository's runs (the subject starts with its
 * sub-claim prefix, e.g. `repo:acme/mcp-servers`, compared case-insensitively as GitHub names are; all of them when the
 * prefix is unknown) and outsiders refused by this repository's role `roleArn` (the pinned trust doing its job).
 * Another repository's refusal by another role is neither. Pure.
 */
export function partitionRefusals<R extends Pick<RefusalDiagnosis, "subject" | "roleArn">>(refusals: readonly R[], subjectPrefix: string | null, roleArn: string | null): { ours: R[]; outsiders: R[] } {
  const ours: R[] = [];
  const outsiders: R[] = [];
  for (const r of refusals) {
    // Only a subject that names another repository is told apart: none, or one of a customised template without
    // the repo claim (`repository_owner:acme:...`), may be this repository's runs and counts as ours.
    const another = subjectPrefix !== null && r.subject !== null && /^repo:/i.test(r.subject) && !r.subject.toLowerCase().startsWith(`${subjectPrefix.toLowerCase()}:`);
    if (!another) ours.push(r);
    else if (roleArn !== null && r.roleArn === roleArn) outsiders.push(r);
  }
  return { ours, outsiders };
}
