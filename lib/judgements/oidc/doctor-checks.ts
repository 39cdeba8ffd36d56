// The Doctor's OIDC mode: the checks for a repository whose ECR workflow assumes GitHub's OIDC role instead of using
// the access key, in the Doctor's own format (status, summary, evidence, fix, API calls). Pure: lib/read/oidc-doctor.ts
// reads the state. A check fails on positive evidence, passes when what it needs was read and shows no problem, and
// is unknown when a read it depends on failed and nothing else decides it.
//
// Sources: STS API reference, AssumeRoleWithWebIdentity errors ("No OpenIDConnect provider found in your account
// for …", "Incorrect token audience", AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity");
// aws-actions/configure-aws-credentials src/index.ts (the hint it prints when role-to-assume is set but the job has no
// ID token: ACTIONS_ID_TOKEN_REQUEST_TOKEN unset, i.e. no `id-token: write`); IAM API reference,
// UpdateOpenIDConnectProviderThumbprint ("AWS secures communication with some OIDC identity providers (IdPs) through
// our library of trusted root certificate authorities (CAs) instead of using a certificate thumbprint … These OIDC
// IdPs include Auth0, GitHub, GitLab, Google …": a GitHub provider's thumbprints are kept but not used).

import type { Failure, Part } from "../../failures";
import { findUnresolvedFailures } from "../posture/run-log-signals";
import type { CheckResult, CheckStatus } from "../posture/doctor-checks";
import type { WorkflowRunInfo } from "../posture/types";
import { matchWildcard } from "../posture/wildcard";
import { partitionRefusals, type RefusalDiagnosis } from "./diagnose-refusal";
import { AUD_KEY, GITHUB_OIDC_URL, STS_AUDIENCE } from "./github-oidc";
import type { RolePolicyComparison } from "./role-permission-policy";
import { trustAdmits, type TrustFinding } from "./trust-policy";
import type { WorkflowCredentials } from "./workflow-credentials";
import type { PlannedSubject } from "./workflow-subjects";

export type OidcCheckId = "oidc-provider" | "oidc-audience" | "oidc-role" | "oidc-trust-breadth" | "oidc-id-token" | "oidc-role-policy" | "oidc-refusals";

/** The key mode's CheckResult with the OIDC mode's ids, so the Doctor page renders both alike. */
export type OidcCheckResult = Omit<CheckResult, "id"> & { id: OidcCheckId };

/** What configure-aws-credentials prints when role-to-assume is set but the job cannot request an ID token. */
export const ID_TOKEN_HINT = "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission?";

export interface OidcDoctorInput {
  /** The IAM provider ARN for GitHub's issuer in this account; null when the account is not known. */
  providerArn: string | null;
  /** null: the read failed. */
  provider: { clientIds: string[]; thumbprints: string[] } | "missing" | null;
  roleName: string;
  /** The role's trust as parsed JSON (null when it does not parse). */
  role: { arn: string; trust: unknown } | "missing" | null;
  /** The role's inline push policy against the one the move puts (rolePermissionPolicy), null when not compared. */
  rolePolicy: RolePolicyComparison | null;
  policyName: string;
  /** Findings on the role's trust against the planned subjects (judgeTrustPolicy, via the plan). */
  trustFindings: TrustFinding[];
  /** Subjects the ECR workflow's runs present (null: the workflow or template could not be read). */
  planned: PlannedSubject[] | null;
  workflow: { path: string; credentials: WorkflowCredentials } | null;
  /** When the workflow file last changed on the default branch (ISO), null when unknown. */
  workflowChangedAt: string | null;
  refusals: Part<RefusalDiagnosis[]>;
  /**
   * The repository's subject prefix (its sub-claim template's, e.g. `repo:acme/mcp-servers`), or null when the
   * template could not be read. CloudTrail's refusals are the whole account's: only those whose subject starts with
   * it are this repository's runs; another subject refused by this repository's role is the trust working.
   */
  subjectPrefix: string | null;
  runs: Part<WorkflowRunInfo[]>;
  /** Reads that failed while gathering the state (each names its call). */
  readErrors: string[];
}

const ms = (t: string | null | undefined) => (t ? Date.parse(t) : NaN);

const CALLS: Record<OidcCheckId, string[]> = {
  "oidc-provider": ["STS GetCallerIdentity", "IAM GetOpenIDConnectProvider"],
  "oidc-audience": ["IAM GetOpenIDConnectProvider", "IAM GetRole", "GitHub get workflow file"],
  "oidc-role": ["IAM GetRole", "GitHub get workflow file", "GitHub get OIDC sub-claim customisation"],
  "oidc-trust-breadth": ["IAM GetRole", "GitHub get OIDC sub-claim customisation", "GitHub get workflow file"],
  "oidc-id-token": ["GitHub get workflow file", "GitHub list workflow runs", "GitHub download job logs"],
  "oidc-role-policy": ["IAM GetRolePolicy", "ECR DescribeRepositories"],
  "oidc-refusals": ["CloudTrail LookupEvents (AssumeRoleWithWebIdentity)", "IAM GetRole", "IAM GetOpenIDConnectProvider", "GitHub list commits"],
};

function check(id: OidcCheckId, title: string, guideError: string, status: CheckStatus, summary: string, evidence: string[], fixSteps: string[], failed: Failure[] = []): OidcCheckResult {
  return { id, title, guideError, status, summary, evidence: [...evidence, ...failed.map((f) => f.message)], apiCalls: CALLS[id], failedCalls: failed, fixSteps };
}

function checkProvider(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-provider", "GitHub's OIDC provider in the account", `No OpenIDConnect provider found in your account for ${GITHUB_OIDC_URL}`] as const;
  const create = [`Create the IAM OIDC provider for ${GITHUB_OIDC_URL} with the audience ${STS_AUDIENCE}: the move's first step does it (Credentials → Move to the OIDC role)`, `Or: aws iam create-open-id-connect-provider --url ${GITHUB_OIDC_URL} --client-id-list ${STS_AUDIENCE}`];
  if (i.provider === null) return check(...args, "unknown", "Could not read the account's OIDC provider", i.readErrors, create);
  if (i.provider === "missing" && i.workflow?.credentials?.kind === "key")
    return check(...args, "unknown", `Not set up yet: the workflow still signs in with the access key, and the move creates the provider`, [`${i.providerArn ?? "the provider"} does not exist (IAM NoSuchEntity)`], create);
  if (i.provider === "missing") return check(...args, "fail", `The account has no IAM OIDC provider for ${GITHUB_OIDC_URL}: STS refuses every GitHub token`, [`${i.providerArn ?? "the provider"} does not exist (IAM NoSuchEntity)`], create);
  const evidence = [`${i.providerArn} exists with the audiences ${i.provider.clientIds.join(", ") || "(none)"}`];
  // GitHub's issuer is verified with IAM's trusted CAs: thumbprints are informational only, never a failure.
  evidence.push(
    i.provider.thumbprints.length
      ? `Thumbprints ${i.provider.thumbprints.join(", ")} are configured but not used: IAM verifies GitHub's issuer with its library of trusted root CAs, so an old or expired thumbprint does not refuse tokens and needs no update (IAM API reference, UpdateOpenIDConnectProviderThumbprint)`
      : "No thumbprint configured: none is needed, IAM verifies GitHub's issuer with its library of trusted root CAs",
  );
  return check(...args, "pass", `Present: ${GITHUB_OIDC_URL}`, evidence, create);
}

/** The audiences the role's GitHub statements require (values of `aud` conditions), or null when none does. */
function trustAudiences(trust: unknown, providerArn: string): string[] | null {
  const raw = (trust as { Statement?: unknown })?.Statement;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<Record<string, unknown>>;
  const out: string[] = [];
  let any = false;
  for (const s of list) {
    if (s?.Effect !== "Allow" || ![(s.Principal as { Federated?: unknown } | undefined)?.Federated].flat().includes(providerArn)) continue;
    for (const block of Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [k, v] of Object.entries(block ?? {})) {
        if (k.toLowerCase() !== AUD_KEY) continue;
        any = true;
        out.push(...[v].flat().map(String));
      }
    }
  }
  return any ? [...new Set(out)] : null;
}

function checkAudience(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-audience", "Token audience", "Incorrect token audience"] as const;
  const creds = i.workflow?.credentials;
  const audience = creds?.kind === "role" ? creds.audience : STS_AUDIENCE;
  const fixes = [
    `Let configure-aws-credentials ask for its default audience ${STS_AUDIENCE} (remove a custom \`audience:\` input)`,
    `Or add the audience to the provider (aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${i.providerArn ?? "PROVIDER_ARN"} --client-id AUDIENCE) and to the trust's ${AUD_KEY} condition`,
  ];
  const fails: string[] = [];
  const notes: string[] = [`The workflow asks GitHub for tokens with the audience "${audience}"${creds?.kind === "role" && audience === STS_AUDIENCE ? " (configure-aws-credentials' default)" : ""}`];
  if (i.provider && i.provider !== "missing") {
    if (!i.provider.clientIds.includes(audience)) fails.push(`The provider's audiences (${i.provider.clientIds.join(", ") || "none"}) do not include "${audience}": STS answers "Incorrect token audience"`);
    else notes.push(`The provider accepts "${audience}"`);
  }
  if (i.role && i.role !== "missing" && i.providerArn) {
    const required = trustAudiences(i.role.trust, i.providerArn);
    if (required && !required.includes(audience)) fails.push(`The role's trust requires ${AUD_KEY} ${required.map((a) => `"${a}"`).join(" or ")}; the workflow presents "${audience}"`);
    else if (required) notes.push(`The role's trust requires "${audience}"`);
  }
  const open = (i.refusals.ok ? i.refusals.data : []).filter((r) => /audience/i.test(r.cause) && r.audience && r.audience !== audience);
  for (const r of open.slice(0, 3)) notes.push(`CloudTrail ${r.time}: a token with the audience "${r.audience}" was refused (${r.errorCode}), before the workflow's current audience`);
  if (fails.length) return check(...args, "fail", fails[0], [...fails, ...notes], fixes);
  if (!i.workflow || i.provider === null || i.role === null) return check(...args, "unknown", "Could not read the workflow, the provider or the role", [...notes, ...i.readErrors], fixes);
  if (i.provider === "missing") return check(...args, "unknown", "No provider to compare the audience with (see the provider check)", notes, fixes);
  return check(...args, "pass", `The workflow, the provider and the trust agree on the audience "${audience}"`, notes, fixes);
}

function checkRole(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-role", `Role ${i.roleName} admits the workflow's runs`, "Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity"] as const;
  const fixes = ["Create the role with the trust the OIDC page proposes (the move's role step), or correct role-to-assume in the workflow", "For an existing role: aws iam update-assume-role-policy with the proposed trust policy (Deckhand never rewrites an existing role's trust)"];
  const notes: string[] = [];
  const creds = i.workflow?.credentials;
  if (creds?.kind === "role") {
    const named = creds.roleToAssume;
    const literal = !named.includes("${{");
    if (literal && i.role && i.role !== "missing" && named !== i.role.arn && named !== i.roleName)
      notes.push(`The workflow assumes "${named}", not ${i.role.arn}: these checks judge ${i.roleName}, the role Deckhand manages`);
    else notes.push(`The workflow's role-to-assume: ${named}`);
  }
  if (i.role === null) return check(...args, "unknown", `Could not read the role ${i.roleName}`, [...notes, ...i.readErrors], fixes);
  // Before the move (the workflow still uses the key) a missing role is the plan's next step, not a failure.
  if (i.role === "missing" && creds?.kind === "key") return check(...args, "unknown", `Not set up yet: the workflow still signs in with the access key, and the move creates ${i.roleName}`, notes, fixes);
  if (i.role === "missing") return check(...args, "fail", `The role ${i.roleName} does not exist: every run is refused`, notes, fixes);
  const refuses = i.trustFindings.filter((f) => f.kind === "refuses-planned" || f.kind === "no-github-statement");
  if (refuses.length) return check(...args, "fail", refuses[0].message, [...refuses.map((f) => f.message), ...notes], fixes);
  if (i.planned === null) return check(...args, "unknown", "The subjects the workflow presents could not be derived (workflow or sub-claim template unreadable)", [...notes, ...i.readErrors], fixes);
  if (i.planned.length === 0) return check(...args, "unknown", "The workflow presents no subject to judge the trust against", notes, fixes);
  return check(...args, "pass", `Exists, and its trust admits the ${i.planned.length === 1 ? "subject" : `${i.planned.length} subjects`} the workflow presents`, [...i.planned.map((p) => `${p.value} (${p.operator}): ${p.because}`), ...notes], fixes);
}

function checkBreadth(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-trust-breadth", "Trust policy pins the subject", "A wildcard sub lets any branch or pull request assume the role"] as const;
  const fixes = ["Replace the wildcard with the exact subjects the OIDC page proposes (StringEquals on token.actions.githubusercontent.com:sub), and require the audience sts.amazonaws.com", "Update it with aws iam update-assume-role-policy: Deckhand reports a wider trust and never changes it"];
  if (i.role === null) return check(...args, "unknown", `Could not read the role ${i.roleName}`, i.readErrors, fixes);
  if (i.role === "missing") return check(...args, "unknown", `No role ${i.roleName} yet: nothing to judge`, [], fixes);
  const wide = i.trustFindings.filter((f) => f.kind !== "refuses-planned" && f.kind !== "no-github-statement");
  if (wide.length) return check(...args, "fail", wide[0].message, wide.map((f) => f.message), fixes);
  return check(...args, "pass", "The trust admits no other repository, pull request, branch, tag or environment than the workflow's", ["Probed as STS would: another owner's repository, another repository of the owner, a name sharing the prefix, any pull request, branch, tag and environment"], fixes);
}

function runHintLines(run: WorkflowRunInfo): Array<{ step: string; line: string }> {
  const out: Array<{ step: string; line: string }> = [];
  for (const s of [...(run.failingSteps ?? []), ...(run.stepLogs ?? [])])
    for (const raw of s.log.split(/\r?\n/)) if (raw.includes(ID_TOKEN_HINT)) out.push({ step: s.step, line: raw.replace(/^\S*\d{4}-\d{2}-\d{2}T[\d:.]+Z\s*/, "").trim().slice(0, 300) });
  return out;
}

function checkIdToken(i: OidcDoctorInput): OidcCheckResult {
  const creds = i.workflow?.credentials;
  const job = creds && creds.kind !== "none" ? creds.job : "the ECR job";
  const args = ["oidc-id-token", "The job may request an ID token (id-token: write)", "Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers"] as const;
  const fixes = [`Give the job ${job} \`permissions: id-token: write\` (keep \`contents: read\` for actions/checkout: listing permissions sets the others to none)`, "The move's pull request adds it; GitHub never grants id-token: write by default"];
  const fails: string[] = [];
  const notes: string[] = [];
  if (creds?.kind === "role") {
    if (!creds.idTokenWrite) fails.push(`${i.workflow!.path}: the job ${creds.job} assumes a role but cannot request an ID token (permissions of ${creds.permissions})`);
    else notes.push(`${i.workflow!.path}: permissions of ${creds.permissions}`);
  }
  // The run's own words: configure-aws-credentials' hint in a failed run after the newest success.
  if (i.runs.ok) {
    for (const run of findUnresolvedFailures(i.runs.data)) {
      const hits = runHintLines(run);
      if (!hits.length) continue;
      const changedAfter = ms(i.workflowChangedAt) > ms(String(run.createdAt));
      const line = `run #${run.id} (${run.conclusion}), ${hits[0].step}: ${hits[0].line}`;
      // A run older than the workflow's last change, whose workflow now grants the token, is history.
      if (changedAfter && creds?.kind === "role" && creds.idTokenWrite) notes.push(`${line} (before the workflow changed at ${i.workflowChangedAt}; it grants id-token: write now)`);
      else fails.push(line);
    }
  }
  if (fails.length) return check(...args, "fail", fails[0], [...fails, ...notes], fixes, i.runs.ok ? [] : [i.runs.failure]);
  if (!i.workflow) return check(...args, "unknown", "Could not read the ECR workflow", i.readErrors, fixes);
  if (creds?.kind !== "role") return check(...args, "unknown", creds?.kind === "key" ? "The workflow signs in with the access key: no ID token is needed" : `Not judged: ${creds?.kind === "none" ? creds.reason : "no credentials step"}`, notes, fixes);
  if (!i.runs.ok) return check(...args, "unknown", "The workflow grants id-token: write, but the runs' logs could not be read", notes, fixes, [i.runs.failure]);
  return check(...args, "pass", `The job ${creds.job} has id-token: write and no failed run since the last success lacked the token`, notes, fixes);
}

function checkRolePolicy(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-role-policy", `The role's push policy (${i.policyName})`, "User: arn:aws:sts::…:assumed-role/… is not authorized to perform: ecr:…"] as const;
  const fixes = [`Put the push policy the OIDC page shows on the role (aws iam put-role-policy --role-name ${i.roleName} --policy-name ${i.policyName}), or apply the move, whose role-policy step does it`];
  if (i.role === null) return check(...args, "unknown", `Could not read the role ${i.roleName}`, i.readErrors, fixes);
  if (i.role === "missing") return check(...args, "unknown", `No role ${i.roleName} yet`, [], fixes);
  const p = i.rolePolicy;
  if (!p) return check(...args, "unknown", "Could not compare the role's policy with the expected one", i.readErrors, fixes);
  if (!p.present) return check(...args, "fail", `The role has no inline policy ${i.policyName}: runs assuming it cannot push`, [], fixes);
  const drift = [...(p.missingActions.length ? [`missing ${p.missingActions.join(", ")}`] : []), ...(p.extraActions.length ? [`extra ${p.extraActions.join(", ")}`] : [])];
  if (!p.matches) return check(...args, "fail", `The role's push policy drifted from the expected one${drift.length ? `: ${drift.join("; ")}` : " (its statements' resources or conditions differ)"}`, drift, fixes);
  return check(...args, "pass", `Equals the expected push policy${p.scopedTo ? `, narrowed to ${p.scopedTo.join(", ")}` : ""}`, [], fixes);
}

/** Is a refused assumption still the present state? Returns why not, or null when it still stands. */
function refusalResolved(r: RefusalDiagnosis, i: OidcDoctorInput): string | null {
  const sub = r.subject ?? "";
  const aud = r.audience || STS_AUDIENCE;
  const providerOk = i.provider && i.provider !== "missing" && i.provider.clientIds.includes(aud);
  if (providerOk && i.role && i.role !== "missing" && i.providerArn && r.roleArn === i.role.arn && trustAdmits(i.role.trust, i.providerArn, sub, aud).allowed) return "the provider and the role's trust admit it now";
  const planned = (i.planned ?? []).some((p) => (p.operator === "StringEquals" ? p.value === sub : matchWildcard(p.value, sub, { caseInsensitive: false })));
  if (!planned && i.planned !== null && ms(i.workflowChangedAt) > ms(r.time)) return `the ECR workflow changed after it (${i.workflowChangedAt}) and presents no such subject`;
  return null;
}

function checkRefusals(i: OidcDoctorInput): OidcCheckResult {
  const args = ["oidc-refusals", "Refused role assumptions (CloudTrail, last 7 days)", "Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity"] as const;
  if (!i.refusals.ok) return check(...args, "unknown", "Could not read CloudTrail's AssumeRoleWithWebIdentity records", [], ["Read again once CloudTrail answers"], [i.refusals.failure]);
  const open: RefusalDiagnosis[] = [];
  const notes: string[] = [];
  const line = (r: RefusalDiagnosis) => `${r.time}: ${r.errorCode} for subject "${r.subject ?? "?"}", audience "${r.audience ?? "?"}", issuer ${r.issuer ?? "?"}, role ${r.roleArn ?? "?"}. ${r.cause}`;
  // Another repository's run (or anyone's GitHub token) refused by this role is the pinned trust doing its job; a
  // refusal of another role and another repository is that repository's Doctor's business, not this one's.
  const { ours, outsiders: others } = partitionRefusals(i.refusals.data, i.subjectPrefix, i.role && i.role !== "missing" ? i.role.arn : null);
  const outsiders = others.length;
  for (const r of others) notes.push(`${line(r)} Refused as it should: the subject is not this repository's.`);
  for (const r of ours) {
    const why = refusalResolved(r, i);
    if (why) notes.push(`${line(r)} Resolved: ${why}.`);
    else open.push(r);
  }
  if (open.length) {
    const first = open[0];
    const fixes = [...new Set(open.map((r) => r.fix))];
    return check(...args, "fail", `STS refused the subject "${first.subject ?? "?"}" (${first.errorCode}): ${first.cause}`, [...open.map((r) => `${line(r)} Fix: ${r.fix}`), ...notes], fixes);
  }
  const resolved = notes.length - outsiders;
  const summary = resolved ? `No refusal stands: ${resolved} earlier one${resolved === 1 ? " is" : "s are"} resolved` : "STS refused no token of this repository's runs";
  return check(...args, "pass", outsiders ? `${summary}; the role refused ${outsiders} token${outsiders === 1 ? "" : "s"} of other subjects, as it should` : summary, notes, ["Nothing to fix"]);
}

/** Every OIDC check over one gathered state, in the order a run meets them. */
export function runOidcDoctorChecks(i: OidcDoctorInput): OidcCheckResult[] {
  return [checkProvider(i), checkAudience(i), checkRole(i), checkBreadth(i), checkIdToken(i), checkRolePolicy(i), checkRefusals(i)];
}
