// The OIDC page's data: live state for the move from the access key to GitHub's OIDC role (IAM provider and role,
// the repository's sub-claim template, the ECR workflow file), judged into the plan by lib/judgements/oidc. Read
// fresh (no cache): the apply steps must see what their own writes just did. Each failed read leaves its field
// null and adds one line naming the call.

import { getCallerIdentity } from "../integrations/aws/sts";
import { getUser } from "../integrations/aws/iam";
import { getOidcProvider, getRole, getRolePolicy } from "../integrations/aws/iam-oidc-roles";
import { getDefaultBranch } from "../integrations/github/commits";
import { getSubClaimTemplate } from "../integrations/github/oidc-customization";
import { readRepoFile } from "../integrations/github/scoped-secrets";
import { findOpenPullRequest } from "../integrations/github/pull-requests";
import { OIDC_BRANCH } from "../operations/oidc/types";
import { findWorkflowByName, listWorkflows } from "../integrations/github/workflows";
import { defaultRoleName, githubProviderArn } from "../judgements/oidc/github-oidc";
import { planOidcMove, type OidcLiveState, type OidcPlan } from "../judgements/oidc/plan";
import { CallFailure, callApi, describeFailure, type Part, type Service } from "../failures";
import { readEcrWorkflowFile } from "./workflow-list";
import { readWorkflowCredentials, type WorkflowCredentials } from "../judgements/oidc/workflow-credentials";
import { judgeTrustPolicy, type TrustFinding } from "../judgements/oidc/trust-policy";
import { READ_CACHE_PREFIXES, readPart, repoKey, type ReadContext } from "./context";
import { readExpectedDocument } from "./setup";
import { lookupWebIdentityEvents } from "../integrations/aws/cloudtrail-web-identity";
import { POSTURE_TTL_MS } from "./posture";
import { listRepositories } from "../integrations/aws/ecr";
import { compareRolePolicy, rolePermissionPolicy, type RolePolicyComparison } from "../judgements/oidc/role-permission-policy";
import { latestOidcMove, listOidcSteps, roleNameTakenByAnother } from "../operations/oidc/store";
import type { OidcMoveRecord, OidcStepRecord } from "../operations/oidc/types";

async function attempt<T>(errors: string[], service: Service, call: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    errors.push(describeFailure(err, service, call).message);
    return null;
  }
}

export type OidcContext = Pick<ReadContext, "clients" | "cache" | "db" | "userName" | "policyName" | "expectedPolicyPath" | "workflowName" | "github" | "defaultRepository">;

export interface OidcOverview {
  state: OidcLiveState;
  plan: OidcPlan;
}

/** What names a repository's OIDC role: its push user, the repository (`clients.repo`), the default one, the store. */
export type RoleNameContext = Pick<ReadContext, "clients" | "db" | "userName" | "defaultRepository">;

/**
 * The repository's OIDC role: the role its latest move made or is making (the store's plan, so a move made under an
 * older naming is still found), else the name Deckhand proposes (defaultRoleName: `github-ecr-push-oidc` for the
 * default repository, `github-ecr-push-oidc-OWNER+NAME` for another). No AWS or GitHub call.
 */
export function oidcRoleName(ctx: RoleNameContext): string {
  const repository = repoKey(ctx);
  const recorded = latestOidcMove(ctx.db, repository)?.plan.roleName;
  if (recorded) return recorded;
  const isDefault = !ctx.defaultRepository || ctx.defaultRepository.toLowerCase() === repository.toLowerCase();
  // A default repository that changed (GITHUB_REPOSITORIES reordered) never gets the old default's role.
  const bare = defaultRoleName(ctx.userName);
  return isDefault && !roleNameTakenByAnother(ctx.db, bare, repository) ? bare : defaultRoleName(ctx.userName, repository);
}

/** Live state of every step of the move, read fresh. Throws SafeError("expected-policy") when that cannot be read. */
export async function readOidcState(ctx: OidcContext): Promise<OidcLiveState> {
  const errors: string[] = [];
  const { iam, sts, ecr } = ctx.clients.aws;
  const { github, repo } = ctx.clients;
  const roleName = oidcRoleName(ctx);
  const expectedPolicy = await readExpectedDocument(ctx);
  const [identity, pushUser, repositories, roleRead, template, defaultBranch, workflows, pullRequest] = await Promise.all([
    attempt(errors, "sts", "GetCallerIdentity", () => getCallerIdentity({ sts })),
    attempt(errors, "iam", "GetUser", async () => (await getUser({ iam, userName: ctx.userName })) ?? ("missing" as const)),
    // The role gets only the account's repositories (the narrowing the Policy page proposes for the user).
    attempt(errors, "ecr", "DescribeRepositories", () => listRepositories({ ecr })),
    attempt(errors, "iam", "GetRole", async () => (await getRole({ iam, roleName })) ?? ("missing" as const)),
    attempt(errors, "github", "get OIDC sub-claim customisation", () => getSubClaimTemplate({ github, repo })),
    attempt(errors, "github", "get repository", () => getDefaultBranch({ github, repo })),
    attempt(errors, "github", "list workflows", () => listWorkflows({ github, repo })),
    attempt(errors, "github", "list pull requests", () => findOpenPullRequest({ github, repo, head: OIDC_BRANCH })),
  ]);
  const accountId = identity?.account || null;
  const providerArn = accountId ? githubProviderArn(accountId) : null;
  const summary = workflows ? findWorkflowByName(workflows, ctx.workflowName) : null;
  if (workflows && !summary) errors.push(`No workflow named "${ctx.workflowName}" (DECKHAND_WORKFLOW) in ${repo.owner}/${repo.repo}.`);
  const [provider, rolePolicy, workflowText] = await Promise.all([
    providerArn ? attempt(errors, "iam", "GetOpenIDConnectProvider", async () => (await getOidcProvider({ iam, arn: providerArn })) ?? ("missing" as const)) : Promise.resolve(null),
    roleRead && roleRead !== "missing" ? attempt(errors, "iam", "GetRolePolicy", async () => (await getRolePolicy({ iam, roleName, policyName: ctx.policyName })) ?? ("missing" as const)) : Promise.resolve(roleRead === "missing" ? ("missing" as const) : null),
    summary ? attempt(errors, "github", "get workflow file", () => readRepoFile({ github, repo, path: summary.path })) : Promise.resolve(null),
  ]);
  const permissionPolicy = rolePermissionPolicy(expectedPolicy, { region: ctx.clients.aws.region, accountId, repositoryNames: repositories ? repositories.map((r) => r.name) : null });
  const rolePolicyComparison = typeof rolePolicy === "string" && rolePolicy !== "missing" ? compareRolePolicy(rolePolicy, permissionPolicy) : null;
  const rolePolicyMatches = rolePolicyComparison ? rolePolicyComparison.matches : typeof rolePolicy === "string" && rolePolicy !== "missing" ? false : null;
  return {
    repository: `${repo.owner}/${repo.repo}`,
    pushUser: { name: ctx.userName, exists: pushUser === null ? null : pushUser !== "missing" },
    accountId,
    provider: provider === null ? null : provider === "missing" ? "missing" : { arn: provider.arn, clientIds: provider.clientIds, thumbprints: provider.thumbprints },
    roleName,
    role: roleRead === null ? null : roleRead === "missing" ? "missing" : { arn: roleRead.arn, trustPolicy: roleRead.trustPolicy },
    rolePolicy,
    rolePolicyMatches,
    policyName: ctx.policyName,
    expectedPolicy,
    permissionPolicy,
    template,
    defaultBranch,
    workflow: summary && workflowText !== null ? { path: summary.path, text: workflowText } : null,
    openPullRequest: pullRequest ? { number: pullRequest.number, url: pullRequest.url } : null,
    errors,
  };
}

/** The plan over live state (read only). */
export async function readOidcPlan(ctx: OidcContext): Promise<OidcOverview> {
  const state = await readOidcState(ctx);
  return { state, plan: planOidcMove(state) };
}

export interface OidcMoveView {
  move: OidcMoveRecord;
  steps: OidcStepRecord[];
}

/** The latest move of the configured repository with its steps, or null (from the store: no AWS/GitHub call). */
export function readLatestOidcMove(ctx: Pick<ReadContext, "db" | "clients">): OidcMoveView | null {
  const move = latestOidcMove(ctx.db, `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`);
  return move ? { move, steps: listOidcSteps(ctx.db, move.id) } : null;
}

export interface RoleSummary {
  roleName: string;
  arn: string;
  /** IAM's RoleLastUsed (ISO), null when IAM has none. */
  lastUsed: string | null;
  /** The newest successful AssumeRoleWithWebIdentity of this role in CloudTrail's window, with its subject; null when none. */
  lastSession: { time: string; subject: string | null } | null;
  /** Why the sessions are not known (CloudTrail could not be read), else null. */
  sessionsUnread: string | null;
  /** How many days of CloudTrail were looked at for sessions. */
  sessionDays: number;
  /** Trust breadth findings (a `sub` wildcard admitting any branch, pull request or other repositories). */
  findings: TrustFinding[];
  /** The role's inline push policy against the one the move puts (the expected one narrowed to the account's repositories); null when not compared. */
  policy: RolePolicyComparison | null;
}

/**
 * The OIDC role as the Credentials page and the Overview show it for a repository that pushes (or will push) with it:
 * null when the role does not exist. No key age: trust breadth (judged without the workflow: any probe admitted is a
 * finding, a pinned role admits none of them), the last role session from CloudTrail, and the permission drift.
 * Throws CallFailure naming the IAM, STS or GitHub call; a failed CloudTrail or ECR read only narrows what it says.
 */
export async function readRoleSummary(ctx: RoleNameContext & Pick<ReadContext, "cache" | "policyName" | "expectedPolicyPath"> & { now?: () => Date; activityDays?: number }): Promise<RoleSummary | null> {
  const { iam, sts, ecr, cloudtrail } = ctx.clients.aws;
  const roleName = oidcRoleName(ctx);
  const role = await callApi("iam", "GetRole", () => getRole({ iam, roleName }));
  if (!role) return null;
  const now = ctx.now?.() ?? new Date();
  const sessionDays = Math.min(ctx.activityDays ?? 90, 90);
  const [identity, doc, expected, repositories, template, sessions] = await Promise.all([
    callApi("sts", "GetCallerIdentity", () => getCallerIdentity({ sts })),
    callApi("iam", "GetRolePolicy", () => getRolePolicy({ iam, roleName, policyName: ctx.policyName })),
    readExpectedDocument(ctx).catch(() => null),
    listRepositories({ ecr }).catch(() => null),
    callApi("github", "get OIDC sub-claim customisation", () => getSubClaimTemplate({ github: ctx.clients.github, repo: ctx.clients.repo })),
    lookupWebIdentityEvents({ cloudtrail, start: new Date(now.getTime() - sessionDays * 86_400_000), end: now, max: 500 }).then(
      (events) => ({ ok: true as const, events }),
      (err: unknown) => ({ ok: false as const, message: describeFailure(err, "cloudtrail", "LookupEvents").message }),
    ),
  ]);
  let trust: unknown = null;
  try {
    trust = JSON.parse(role.trustPolicy);
  } catch {
    trust = null;
  }
  const findings = judgeTrustPolicy(trust, githubProviderArn(identity.account), template.prefix, []);
  const permission = expected ? rolePermissionPolicy(expected, { region: ctx.clients.aws.region, accountId: identity.account, repositoryNames: repositories ? repositories.map((r) => r.name) : null }) : null;
  const policy = permission ? compareRolePolicy(doc, permission) : null;
  // Events come newest first: the first success of this role is its last session.
  const last = sessions.ok ? sessions.events.find((e) => e.roleArn === role.arn && !e.errorCode) : undefined;
  return {
    roleName,
    arn: role.arn,
    lastUsed: role.lastUsed,
    lastSession: last ? { time: last.time, subject: last.subject } : null,
    sessionsUnread: sessions.ok ? null : sessions.message,
    sessionDays,
    findings,
    policy,
  };
}

/** readRoleSummary cached like the posture parts (the Overview refreshes itself; `?refresh=1` drops it). */
export function readRoleSummaryPart(ctx: Parameters<typeof readRoleSummary>[0] & Pick<ReadContext, "ttlMs">): Promise<Part<RoleSummary | null>> {
  return readPart(ctx, `${READ_CACHE_PREFIXES.posture}oidc-role:${repoKey(ctx)}:${oidcRoleName(ctx)}`, ctx.ttlMs ?? POSTURE_TTL_MS, ["IAM GetRole", "IAM GetRolePolicy", "CloudTrail LookupEvents"], () => readRoleSummary(ctx));
}

/**
 * How the configured ECR workflow (DECKHAND_WORKFLOW) signs in to AWS: with the role (role-to-assume), the key, or
 * neither, from the file on the default branch. Cached like the posture parts (`?refresh=1` drops it).
 */
export function readWorkflowSignIn(ctx: Pick<ReadContext, "clients" | "cache" | "now" | "ttlMs" | "workflowName">): Promise<Part<{ path: string; credentials: WorkflowCredentials }>> {
  return readPart(ctx, `${READ_CACHE_PREFIXES.posture}oidc-workflow:${repoKey(ctx)}:${ctx.workflowName}`, ctx.ttlMs ?? POSTURE_TTL_MS, ["GitHub list workflows", "GitHub get workflow file"], async () => {
    // The same cached list and file read as the scopes part's (a Fleet of 200 read each twice).
    const file = await readEcrWorkflowFile(ctx, ctx.clients.github);
    if (!file.ok) throw new CallFailure(file.failure);
    if (!file.data) return { path: "", credentials: { kind: "none" as const, reason: `no workflow named "${ctx.workflowName}"` } };
    const { path, text } = file.data;
    return { path, credentials: text === null ? { kind: "none" as const, reason: `${path} could not be read` } : readWorkflowCredentials(text) };
  });
}

export type DoctorMode = "key" | "oidc";

/** The Doctor's mode: `?mode=oidc|key` when given, else OIDC when the ECR workflow assumes a role, else the key's. */
export async function resolveDoctorMode(ctx: Parameters<typeof readWorkflowSignIn>[0], requested: unknown): Promise<{ mode: DoctorMode; automatic: boolean }> {
  if (requested === "oidc" || requested === "key") return { mode: requested, automatic: false };
  const signIn = await readWorkflowSignIn(ctx);
  return { mode: signIn.ok && signIn.data.credentials.kind === "role" ? "oidc" : "key", automatic: true };
}
