// The doctor's OIDC mode, as the OIDC page shows it: every refused AssumeRoleWithWebIdentity of GitHub's provider
// in the last days (CloudTrail), each diagnosed against the role's trust and the account's provider as they are
// now, with the fix. Read fresh.

import { lookupWebIdentityEvents } from "../integrations/aws/cloudtrail-web-identity";
import { getOidcProvider, getRole, getRolePolicy } from "../integrations/aws/iam-oidc-roles";
import { diagnoseRefusal, type RefusalDiagnosis } from "../judgements/oidc/diagnose-refusal";
import { GITHUB_OIDC_HOST } from "../judgements/oidc/github-oidc";
import type { PlannedSubject } from "../judgements/oidc/workflow-subjects";
import { callApi, describeFailure, toPart, type Part } from "../failures";
import { READ_CACHE_PREFIXES, readPart, repoKey, type ReadContext } from "./context";
import { lastCommitTouching } from "../integrations/github/commits";
import { runOidcDoctorChecks, type OidcCheckResult, type OidcDoctorInput } from "../judgements/oidc/doctor-checks";
import { judgeTrustPolicy } from "../judgements/oidc/trust-policy";
import { compareRolePolicy } from "../judgements/oidc/role-permission-policy";
import { namedRoleName, readWorkflowCredentials } from "../judgements/oidc/workflow-credentials";
import { readOidcPlan } from "./oidc";
import { POSTURE_TTL_MS, readRuns } from "./posture";

const DAY_MS = 86_400_000;

/** IAM's RoleName: 1-64 characters of [\w+=,.@-] (IAM API reference, GetRole). */
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;

/**
 * Refusals of the last `days` (default 7), newest first, at most 50, each diagnosed. `planned` are the subjects the
 * ECR workflow presents (from the plan) so a fix can tell an intended run from a stray one. Throws CallFailure.
 */
export async function readOidcRefusals(ctx: Pick<ReadContext, "clients"> & { now?: () => Date }, planned: PlannedSubject[], days = 7): Promise<RefusalDiagnosis[]> {
  const { cloudtrail, iam } = ctx.clients.aws;
  const end = ctx.now?.() ?? new Date();
  const events = await callApi("cloudtrail", "LookupEvents", () => lookupWebIdentityEvents({ cloudtrail, start: new Date(end.getTime() - days * DAY_MS), end, max: 500 }));
  const refused = events.filter((e) => e.errorCode && (e.provider ?? "").endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`)).slice(0, 50);
  const trusts = new Map<string, unknown>();
  const providers = new Map<string, string[] | null>();
  for (const e of refused) {
    const roleName = e.roleArn?.split("/").pop();
    // roleArn is whatever the caller asked STS for (anyone with a GitHub ID token can call it): a name IAM cannot
    // hold (RoleName: 1-64 of [\w+=,.@-], IAM API reference) is not looked up, so GetRole's ValidationError cannot
    // fail every other refusal's diagnosis. Its trust stays unknown.
    if (e.roleArn && roleName && !ROLE_NAME_RE.test(roleName)) trusts.set(e.roleArn, null);
    if (e.roleArn && roleName && !trusts.has(e.roleArn)) {
      const role = await callApi("iam", "GetRole", () => getRole({ iam, roleName }));
      let doc: unknown = null;
      try {
        doc = role ? JSON.parse(role.trustPolicy) : null;
      } catch {
        doc = null;
      }
      trusts.set(e.roleArn, doc);
    }
    if (e.provider && !providers.has(e.provider)) {
      const p = await callApi("iam", "GetOpenIDConnectProvider", () => getOidcProvider({ iam, arn: e.provider! }));
      providers.set(e.provider, p ? p.clientIds : null);
    }
  }
  return refused.map((e) => diagnoseRefusal(e, { trust: e.roleArn ? (trusts.get(e.roleArn) ?? null) : null, providerArn: e.provider ?? "", providerAudiences: e.provider ? (providers.get(e.provider) ?? null) : null, planned }));
}

/**
 * The Doctor's OIDC mode: every OIDC check (lib/judgements/oidc/doctor-checks.ts) over live state — the move's plan
 * state (provider, role, trust findings, the workflow; read fresh), the refusals above, the workflow file's last
 * change, and the repository's runs with their failing steps' logs (the posture part, cached). When the workflow's
 * role-to-assume names another role literally, that role (its trust, its push policy) is judged instead. Throws SafeError
 * ("expected-policy") when the expected policy cannot be read; every other failed read leaves its checks unknown.
 */
export async function readOidcDoctorChecks(ctx: ReadContext): Promise<OidcCheckResult[]> {
  const { state, plan } = await readOidcPlan(ctx);
  const planned = plan.subjects ? plan.subjects.subjects : null;
  const [refusals, runs, workflowChangedAt] = await Promise.all([
    toPart(["CloudTrail LookupEvents"], () => readOidcRefusals(ctx, planned ?? [])),
    readRuns(ctx),
    state.workflow && state.defaultBranch
      ? lastCommitTouching({ github: ctx.clients.github, repo: ctx.clients.repo, path: state.workflow.path, ref: state.defaultBranch }).catch(() => null)
      : Promise.resolve(null),
  ]);
  const credentials = state.workflow ? readWorkflowCredentials(state.workflow.text) : null;
  let roleName = state.roleName;
  let role: OidcDoctorInput["role"] = state.role === null || state.role === "missing" ? state.role : { arn: state.role.arn, trust: parseJson(state.role.trustPolicy) };
  let rolePolicy = state.rolePolicy === null || state.role === "missing" ? null : compareRolePolicy(state.rolePolicy === "missing" ? null : state.rolePolicy, state.permissionPolicy);
  let trustFindings = plan.trustFindings;
  const readErrors = [...state.errors];
  // The workflow assumes a role of its own naming: judge that one, as the runs meet it, not Deckhand's.
  const named = credentials?.kind === "role" ? namedRoleName(credentials.roleToAssume) : null;
  if (named && named !== state.roleName) {
    roleName = named;
    const read = await readNamedRole(ctx, named, state.policyName).catch((err: unknown) => {
      readErrors.push(describeFailure(err, "iam", "GetRole/GetRolePolicy").message);
      return null;
    });
    role = read === null ? null : read === "missing" ? "missing" : { arn: read.arn, trust: parseJson(read.trustPolicy) };
    rolePolicy = read && read !== "missing" ? compareRolePolicy(read.policy, state.permissionPolicy) : null;
    trustFindings = role && role !== "missing" && plan.providerArn ? judgeTrustPolicy(role.trust, plan.providerArn, state.template?.prefix ?? `repo:${state.repository}`, planned ?? []) : [];
  }
  return runOidcDoctorChecks({
    providerArn: plan.providerArn,
    provider: state.provider === null || state.provider === "missing" ? state.provider : { clientIds: state.provider.clientIds, thumbprints: state.provider.thumbprints ?? [] },
    roleName,
    role,
    rolePolicy,
    policyName: state.policyName,
    trustFindings,
    planned,
    workflow: state.workflow && credentials ? { path: state.workflow.path, credentials } : null,
    workflowChangedAt,
    refusals,
    subjectPrefix: state.template?.prefix ?? null,
    runs,
    readErrors,
  });
}

/** A role by name with its inline push policy (JSON text, or null without one); "missing" when IAM has no such role. */
async function readNamedRole(ctx: Pick<ReadContext, "clients">, roleName: string, policyName: string): Promise<{ arn: string; trustPolicy: string; policy: string | null } | "missing"> {
  const { iam } = ctx.clients.aws;
  const role = await getRole({ iam, roleName });
  if (!role) return "missing";
  return { arn: role.arn, trustPolicy: role.trustPolicy, policy: await getRolePolicy({ iam, roleName, policyName }) };
}

/** readOidcDoctorChecks cached like the posture parts (the Overview's verdict and Doctor card; `?refresh=1` drops it). */
export function readOidcDoctorChecksPart(ctx: ReadContext): Promise<Part<OidcCheckResult[]>> {
  return readPart(ctx, `${READ_CACHE_PREFIXES.posture}oidc-checks:${repoKey(ctx)}`, ctx.ttlMs ?? POSTURE_TTL_MS, ["IAM", "CloudTrail LookupEvents", "GitHub"], () => readOidcDoctorChecks(ctx));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
