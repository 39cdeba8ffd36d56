// The posture parts: what the Overview, Credentials, Policy, Activity and Doctor pages judge. Each part is
// one cached, parallel, paginated read that maps SDK answers into lib/judgements' plain types; a part that
// fails is a Part failure naming the service and call, and the other parts still load. Cache keys are
// these readers': mutations that change what they read call invalidatePosture().

import fs from "node:fs/promises";
import { getAccessKeyLastUsed, getAttachedPolicy, getDefaultVersionId, getInlinePolicy, getUser, listAccessKeys, listAttachedPolicyRefs, listUserPolicyNames, type FetchedPolicy, type IamUser } from "../integrations/aws/iam";
import { getCallerIdentity, type CallerIdentity } from "../integrations/aws/sts";
import { lookupEventsKeepingPartial } from "../integrations/aws/cloudtrail";
import { describeAllRepositories } from "../integrations/aws/ecr";
import { listRepoSecrets } from "../integrations/github/secrets";
import { listRepoVariables } from "../integrations/github/variables";
import { listRecentRunsWithFailures } from "../integrations/github/runs";
import {
  listEnvironmentSecrets,
  listEnvironmentVariables,
  listOrgSecretsWithReach,
  listOrgVariablesWithReach,
  type OrgScopeEntry,
  listRepoOrganizationSecrets,
  listRepoOrganizationVariables,
} from "../integrations/github/scoped-secrets";
import { readEcrWorkflowFile } from "./workflow-list";
import { orgItemsReaching, visibilityByName } from "../judgements/posture/org-reach";
import { resolveScopes, type ScopeRead, type ScopeResolution, type ScopesInput, type Visibility } from "../judgements/posture/secret-scopes";
import { ecrJobEnvironment, type JobEnvironment } from "../judgements/workflows/job-environment";
import type { TtlCache } from "../infra/cache/ttl-cache";
import type { AccessKeyInfo } from "../judgements/posture/key-verdicts";
import type { CloudTrailEvent, EcrRepositoryInfo, GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "../judgements/posture/types";
import { GUIDE_POLICY_NAME, GUIDE_PUSH_POLICY } from "../judgements/posture/ecr-actions";
import { normalizePolicy } from "../judgements/posture/normalize-policy";
import { CallFailure, callApi, classifyFailure, describeFailure, failure, toPart, type Failure, type FailureKind, type Part } from "../failures";
import { READ_CACHE_PREFIXES, readPart, repoKey, type ReadContext, type Stamped } from "./context";

export const POSTURE_TTL_MS = 30_000;

/** What the posture readers need of a ReadContext (tests pass just this). */
export type PostureContext = Pick<ReadContext, "clients" | "cache" | "userName" | "policyName" | "expectedPolicyPath" | "ttlMs" | "now" | "activityDays"> &
  Partial<Pick<ReadContext, "workflowName">>;

/** The API calls behind each part, as pages list them under it. */
export const PART_CALLS = {
  user: ["IAM GetUser"],
  keys: ["IAM ListAccessKeys", "IAM GetAccessKeyLastUsed"],
  policies: ["IAM ListUserPolicies", "IAM GetUserPolicy", "IAM ListAttachedUserPolicies", "IAM GetPolicy", "IAM GetPolicyVersion"],
  identity: ["STS GetCallerIdentity"],
  activity: ["IAM ListAccessKeys", "CloudTrail LookupEvents (AccessKeyId, 90 days)"],
  secrets: ["GitHub GET /repos/{owner}/{repo}/actions/secrets"],
  variables: ["GitHub GET /repos/{owner}/{repo}/actions/variables"],
  runs: ["GitHub GET /repos/{owner}/{repo}/actions/runs", "GitHub GET /actions/runs/{run_id}/jobs", "GitHub GET /actions/jobs/{job_id}/logs"],
  repositories: ["ECR DescribeRepositories", "ECR DescribeImages"],
  scopes: [
    "GitHub GET /repos/{owner}/{repo}/actions/secrets",
    "GitHub GET /repos/{owner}/{repo}/actions/variables",
    "GitHub GET /repos/{owner}/{repo}/actions/organization-secrets",
    "GitHub GET /repos/{owner}/{repo}/actions/organization-variables",
    "GitHub GET /orgs/{org}/actions/secrets",
    "GitHub GET /orgs/{org}/actions/variables",
    "GitHub GET /orgs/{org}/actions/secrets/{secret_name}/repositories",
    "GitHub GET /orgs/{org}/actions/variables/{name}/repositories",
    "GitHub GET /repos/{owner}/{repo}/contents/{workflow file}",
    "GitHub GET /repos/{owner}/{repo}/environments/{environment}/secrets",
    "GitHub GET /repos/{owner}/{repo}/environments/{environment}/variables",
  ],
  expected: [] as string[],
};

type PartName = keyof typeof PART_CALLS;

/**
 * A part's cache key: GitHub parts are the repository's, the ECR repositories and the caller identity the account's
 * (one region's: the same for every push user, so a fleet of several users reads them once), the other AWS parts the
 * push user's.
 */
function keyOf(ctx: PostureContext, part: PartName): string {
  const scope =
    part === "secrets" || part === "variables" || part === "runs" || part === "scopes"
      ? repoKey(ctx)
      : part === "repositories" || part === "identity"
        ? `region=${ctx.clients.aws.region}`
        : ctx.userName;
  return `${READ_CACHE_PREFIXES.posture}${part}:${scope}`;
}

const ttl = (ctx: PostureContext) => ctx.ttlMs ?? POSTURE_TTL_MS;

/** The cached value of a part, throwing its CallFailure (for parts built on another part). */
function cachedData<T>(ctx: PostureContext, part: PartName, load: () => Promise<T>): Promise<T> {
  return ctx.cache.get<Stamped<T>>(keyOf(ctx, part), ttl(ctx), async () => ({ data: await load(), at: (ctx.now?.() ?? new Date()).toISOString() })).then((s) => s.data);
}

function part<T>(ctx: PostureContext, name: PartName, load: () => Promise<T>): Promise<Part<T>> {
  return readPart(ctx, keyOf(ctx, name), ttl(ctx), [...PART_CALLS[name]], load);
}

function fetchKeys(ctx: PostureContext): Promise<AccessKeyInfo[]> {
  const iam = ctx.clients.aws.iam;
  return cachedData(ctx, "keys", async () => {
    const keys = await callApi("iam", "ListAccessKeys", () => listAccessKeys({ iam, userName: ctx.userName }));
    return Promise.all(keys.map(async (k) => ({ ...k, lastUsed: await callApi("iam", "GetAccessKeyLastUsed", () => getAccessKeyLastUsed({ iam, accessKeyId: k.accessKeyId })) })));
  });
}

async function fetchPolicies(ctx: PostureContext): Promise<FetchedPolicy[]> {
  const iam = ctx.clients.aws.iam;
  const userName = ctx.userName;
  // The same calls as listUserPolicies, each under its own name so a failure says which one failed.
  const [names, refs] = await Promise.all([
    callApi("iam", "ListUserPolicies", () => listUserPolicyNames({ iam, userName })),
    callApi("iam", "ListAttachedUserPolicies", () => listAttachedPolicyRefs({ iam, userName })),
  ]);
  return Promise.all([
    ...names.map((policyName) => callApi("iam", "GetUserPolicy", () => getInlinePolicy({ iam, userName, policyName }))),
    ...refs.map(async (ref) => {
      const versionId = await callApi("iam", "GetPolicy", () => getDefaultVersionId({ iam, policyArn: ref.policyArn }));
      return callApi("iam", "GetPolicyVersion", () => getAttachedPolicy({ iam, ref, versionId }));
    }),
  ]);
}

export interface ActivityData {
  events: CloudTrailEvent[];
  /** The keys whose events were looked up. */
  accessKeyIds: string[];
  windowDays: number;
  /**
   * History that could not be read: per key, the failure of the LookupEvents page that stopped it and the time at or
   * before which its events are missing. What was read before the failure is kept in `events`.
   */
  gaps: { accessKeyId: string; missingBefore: string; failure: Failure }[];
}

async function fetchActivity(ctx: PostureContext): Promise<ActivityData> {
  const days = ctx.activityDays ?? 90;
  const keys = await fetchKeys(ctx);
  const end = ctx.now?.() ?? new Date();
  const start = new Date(end.getTime() - days * 86_400_000);
  const perKey = await Promise.all(keys.map((k) => lookupEventsKeepingPartial({ cloudtrail: ctx.clients.aws.cloudtrail, accessKeyId: k.accessKeyId, start, end })));
  // Nothing read at all: the part fails as any call does. Anything read is kept, and the gap is said.
  const firstError = perKey.find((r) => r.error)?.error;
  if (firstError && perKey.every((r) => r.error && r.events.length === 0)) await callApi("cloudtrail", "LookupEvents", () => Promise.reject(firstError));
  const gaps = perKey.flatMap((r, i) =>
    r.error ? [{ accessKeyId: keys[i].accessKeyId, missingBefore: r.missingBefore ?? end.toISOString(), failure: describeFailure(r.error, "cloudtrail", "LookupEvents") }] : [],
  );
  const events = perKey.flatMap((r) => r.events).sort((a, b) => String(b.time).localeCompare(String(a.time)));
  return { events, accessKeyIds: keys.map((k) => k.accessKeyId), windowDays: days, gaps };
}

export interface ExpectedPolicy {
  document: Record<string, unknown>;
  label: string;
  /** "file" when DECKHAND_EXPECTED_POLICY names one, else the guide's Step 2 policy. */
  origin: "file" | "guide";
}

async function fetchExpectedPolicy(ctx: Pick<PostureContext, "expectedPolicyPath">): Promise<ExpectedPolicy> {
  if (!ctx.expectedPolicyPath) return { document: GUIDE_PUSH_POLICY as unknown as Record<string, unknown>, label: GUIDE_POLICY_NAME, origin: "guide" };
  let text: string;
  try {
    text = await fs.readFile(ctx.expectedPolicyPath, "utf8");
  } catch (err) {
    throw new CallFailure(failure("deckhand", "read of DECKHAND_EXPECTED_POLICY", "not-found"), { cause: err });
  }
  const parsed = normalizePolicy(text);
  if (!parsed.ok) throw new CallFailure(failure("deckhand", "read of DECKHAND_EXPECTED_POLICY", "bad-data"));
  return { document: parsed.policy.document, label: ctx.expectedPolicyPath.split("/").pop() ?? ctx.expectedPolicyPath, origin: "file" };
}

/** Failure kinds that may pass by themselves (a fault, not the token's scopes): an answer with one is kept shorter. */
const TRANSIENT: ReadonlySet<FailureKind> = new Set(["throttled", "unavailable", "unreachable", "failed"]);

/**
 * A scope's list, or why it could not be read (in the failure vocabulary's words: "GitHub … was refused");
 * `failed.transient` is set when it failed for a reason that may pass (TRANSIENT).
 */
async function scopeRead<T>(call: string, load: () => Promise<T[]>, failed?: { transient: boolean }): Promise<ScopeRead<T>> {
  try {
    return { readable: true, items: await callApi("github", call, load) };
  } catch (err) {
    if (err instanceof CallFailure) {
      if (failed && TRANSIENT.has(err.failure.kind)) failed.transient = true;
      return { readable: false, reason: err.failure.message };
    }
    throw err;
  }
}

/** `load`'s answer, or null when it failed; `transient` says whether that failure may pass (TRANSIENT). */
async function orNull<T>(load: () => Promise<T>): Promise<{ value: T | null; transient: boolean }> {
  try {
    return { value: await load(), transient: false };
  } catch (err) {
    return { value: null, transient: TRANSIENT.has(classifyFailure(err)) };
  }
}

/**
 * How long an answer read while one of its calls failed for a reason that may pass (throttling, 5xx, no connection)
 * is kept (ms): "could not be read" or "(visibility unknown)" shows only until the next read a few seconds later,
 * not for the whole TTL after GitHub answers again. A refusal that lasts (no admin:org: 403) keeps the whole TTL.
 */
const DEGRADED_TTL_MS = 5_000;
const keepFor = (ctx: PostureContext, transient: boolean) => (transient ? Math.min(DEGRADED_TTL_MS, ttl(ctx)) : ttl(ctx));

/** A read about an organization, cached with the scopes part (invalidated with it) but shared by its repositories. */
function perOrg<T>(ctx: PostureContext, org: string, what: string, load: () => Promise<{ value: T | null; transient: boolean }>): Promise<{ value: T | null; transient: boolean }> {
  return ctx.cache.get(`${READ_CACHE_PREFIXES.posture}scopes:org:${org.toLowerCase()}:${what}`, (v) => keepFor(ctx, v.transient), load);
}

/**
 * What of the organization reaches `repository`: from the organization's lists when they say (orgItemsReaching),
 * else from the repository's own list (`load`, one call). `visibility` is null when the organization's lists could
 * not be read.
 */
async function orgScopeRead<T extends { name: string }>(
  reach: OrgScopeEntry<T>[] | null,
  repository: string,
  call: string,
  load: () => Promise<T[]>,
  failed: { transient: boolean },
): Promise<{ visibility: Record<string, Visibility> | null; read: ScopeRead<T> }> {
  const items = reach && orgItemsReaching(reach, repository);
  return { visibility: reach && visibilityByName(reach), read: items ? { readable: true, items } : await scopeRead(call, load, failed) };
}

export interface ScopesView extends ScopeResolution {
  /** The ECR job's environment, when the workflow file names one. */
  environment: string | null;
  /** Whether a scope's read failed for a reason that may pass (then the answer is cached only briefly). */
  transientFailure: boolean;
}

/**
 * Secrets and variables at every scope a run of the ECR workflow sees: the repository's (required: their failure is
 * the part's), the organization's that reach it (their visibility when the token may read the organization's lists),
 * and the ECR job's environment's (from the workflow file). A scope the token may not read is said, not shown empty.
 */
async function fetchScopes(ctx: PostureContext): Promise<ScopesView> {
  const github = ctx.clients.github;
  const repo = ctx.clients.repo;
  const repository = `${repo.owner}/${repo.repo}`;
  const failed = { transient: false };
  const [secrets, variables, orgSecrets, orgVariables, job] = await Promise.all([
    cachedData(ctx, "secrets", () => callApi("github", "list repository secrets", () => listRepoSecrets({ github, repo }))),
    cachedData(ctx, "variables", () => callApi("github", "list repository variables", () => listRepoVariables({ github, repo }))),
    // The organization's own lists (with each selected secret's repositories) are the same for each of its
    // repositories: read once per organization, they say what reaches this one without a call of its own. When
    // they cannot (no admin:org, or a `private` visibility), the repository's own list is asked, as before.
    perOrg(ctx, repo.owner, "secret-reach", () => orNull(() => listOrgSecretsWithReach({ github, org: repo.owner }))).then((reach) => {
      if (reach.transient) failed.transient = true;
      return orgScopeRead(reach.value, repository, "list organization secrets of the repository", () => listRepoOrganizationSecrets({ github, repo }), failed);
    }),
    perOrg(ctx, repo.owner, "variable-reach", () => orNull(() => listOrgVariablesWithReach({ github, org: repo.owner }))).then((reach) => {
      if (reach.transient) failed.transient = true;
      return orgScopeRead(reach.value, repository, "list organization variables of the repository", () => listRepoOrganizationVariables({ github, repo }), failed);
    }),
    ecrJob(ctx, failed),
  ]);
  let environment: ScopesInput["environment"] = null;
  if (job.name) {
    const env = job.name;
    const [envSecrets, envVariables] = await Promise.all([
      scopeRead(`list secrets of environment ${env}`, () => listEnvironmentSecrets({ github, repo, environment: env }), failed),
      scopeRead(`list variables of environment ${env}`, () => listEnvironmentVariables({ github, repo, environment: env }), failed),
    ]);
    environment = { name: env, secrets: envSecrets, variables: envVariables };
  }
  const resolution = resolveScopes({
    repository: { secrets, variables },
    organization: { secrets: orgSecrets.read, variables: orgVariables.read, secretVisibility: orgSecrets.visibility, variableVisibility: orgVariables.visibility },
    environment,
    environmentUnknown: job.unknown,
  });
  return { ...resolution, environment: job.name, transientFailure: failed.transient };
}

/** Workflow texts judged, kept by text (bounded; oldest dropped first). */
const judgedWorkflows = new Map<string, JobEnvironment>();
const JUDGED_WORKFLOWS_MAX = 200;

/**
 * ecrJobEnvironment, once per distinct text: a fleet's repositories mostly hold the same workflow (one template
 * copied), and parsing its YAML again for each of 200 repositories was a visible part of a cold Fleet read.
 */
function environmentOf(text: string): JobEnvironment {
  const known = judgedWorkflows.get(text);
  if (known) return known;
  const env = ecrJobEnvironment(text);
  if (judgedWorkflows.size >= JUDGED_WORKFLOWS_MAX) judgedWorkflows.delete(judgedWorkflows.keys().next().value!);
  judgedWorkflows.set(text, env);
  return env;
}

/**
 * The ECR job's environment from the workflow file (DECKHAND_WORKFLOW), or why it is unknown; `failed.transient` is
 * set when the file could not be read for a reason that may pass.
 */
async function ecrJob(ctx: PostureContext, failed: { transient: boolean }): Promise<{ name: string | null; unknown: string | null }> {
  if (!ctx.workflowName) return { name: null, unknown: null };
  const github = ctx.clients.github;
  try {
    // The same cached list as the Workflows page's and the same file read as the Doctor's mode (one call each per
    // repository, not two).
    const file = await readEcrWorkflowFile(ctx, github);
    if (!file.ok) throw new CallFailure(file.failure);
    if (!file.data) return { name: null, unknown: null };
    const { path: workflowPath, text } = file.data;
    const env = text === null ? { kind: "unparsable" as const } : environmentOf(text);
    if (env.kind === "named") return { name: env.name, unknown: null };
    if (env.kind === "dynamic") return { name: null, unknown: `the ECR job's environment is the expression ${env.expression}` };
    if (env.kind === "unparsable") return { name: null, unknown: `${workflowPath} could not be parsed` };
    return { name: null, unknown: null };
  } catch (err) {
    if (err instanceof CallFailure) {
      if (TRANSIENT.has(err.failure.kind)) failed.transient = true;
      return { name: null, unknown: err.failure.message };
    }
    throw err;
  }
}

export const readUser = (ctx: PostureContext): Promise<Part<IamUser | null>> =>
  part(ctx, "user", () => callApi("iam", "GetUser", () => getUser({ iam: ctx.clients.aws.iam, userName: ctx.userName })));
export const readKeys = (ctx: PostureContext): Promise<Part<AccessKeyInfo[]>> => part(ctx, "keys", () => fetchKeys(ctx));
export const readPolicies = (ctx: PostureContext): Promise<Part<FetchedPolicy[]>> => part(ctx, "policies", () => fetchPolicies(ctx));
export const readIdentity = (ctx: PostureContext): Promise<Part<CallerIdentity>> =>
  part(ctx, "identity", () => callApi("sts", "GetCallerIdentity", () => getCallerIdentity({ sts: ctx.clients.aws.sts })));
export const readActivity = (ctx: PostureContext): Promise<Part<ActivityData>> => part(ctx, "activity", () => fetchActivity(ctx));
export const readSecrets = (ctx: PostureContext): Promise<Part<GithubSecretInfo[]>> =>
  part(ctx, "secrets", () => callApi("github", "list repository secrets", () => listRepoSecrets({ github: ctx.clients.github, repo: ctx.clients.repo })));
export const readVariables = (ctx: PostureContext): Promise<Part<GithubVariableInfo[]>> =>
  part(ctx, "variables", () => callApi("github", "list repository variables", () => listRepoVariables({ github: ctx.clients.github, repo: ctx.clients.repo })));
export const readRuns = (ctx: PostureContext): Promise<Part<WorkflowRunInfo[]>> =>
  part(ctx, "runs", () => callApi("github", "list workflow runs", () => listRecentRunsWithFailures({ github: ctx.clients.github, repo: ctx.clients.repo })));
export const readRepositories = (ctx: PostureContext): Promise<Part<EcrRepositoryInfo[]>> =>
  part(ctx, "repositories", () => callApi("ecr", "DescribeRepositories/DescribeImages", () => describeAllRepositories({ ecr: ctx.clients.aws.ecr })));
export const readScopes = (ctx: PostureContext): Promise<Part<ScopesView>> =>
  readPart(ctx, keyOf(ctx, "scopes"), (v: ScopesView) => keepFor(ctx, v.transientFailure), [...PART_CALLS.scopes], () => fetchScopes(ctx));

/** What a run of the ECR job gets per name (each tagged with its scope): what the guide's checks judge. */
export async function readEffectiveSecrets(ctx: PostureContext): Promise<Part<GithubSecretInfo[]>> {
  const scopes = await readScopes(ctx);
  return scopes.ok ? { ...scopes, data: scopes.data.effectiveSecrets } : scopes;
}
export async function readEffectiveVariables(ctx: PostureContext): Promise<Part<GithubVariableInfo[]>> {
  const scopes = await readScopes(ctx);
  return scopes.ok ? { ...scopes, data: scopes.data.effectiveVariables } : scopes;
}

/** Not cached: a local file (or the guide's policy), read fresh so an edited file shows at once. */
export const readExpectedPolicy = (ctx: Pick<PostureContext, "expectedPolicyPath">): Promise<Part<ExpectedPolicy>> => toPart([], () => fetchExpectedPolicy(ctx));

export interface PostureParts {
  user: Part<IamUser | null>;
  keys: Part<AccessKeyInfo[]>;
  policies: Part<FetchedPolicy[]>;
  identity: Part<CallerIdentity>;
  activity: Part<ActivityData>;
  secrets: Part<GithubSecretInfo[]>;
  variables: Part<GithubVariableInfo[]>;
  runs: Part<WorkflowRunInfo[]>;
  repositories: Part<EcrRepositoryInfo[]>;
  expected: Part<ExpectedPolicy>;
}

/** Every part at once, all calls in flight together. */
export async function readPosture(ctx: PostureContext): Promise<PostureParts> {
  const [user, keys, policies, identity, activity, secrets, variables, runs, repositories, expected] = await Promise.all([
    readUser(ctx),
    readKeys(ctx),
    readPolicies(ctx),
    readIdentity(ctx),
    readActivity(ctx),
    // What a run gets, across environment, repository and organization scopes.
    readEffectiveSecrets(ctx),
    readEffectiveVariables(ctx),
    readRuns(ctx),
    readRepositories(ctx),
    readExpectedPolicy(ctx),
  ]);
  return { user, keys, policies, identity, activity, secrets, variables, runs, repositories, expected };
}

/**
 * After Deckhand's own change (or the Refresh button): forget what was read. `part` narrows it ("keys",
 * "policies", ...); IAM changes also change the CloudTrail part, which is keyed by the keys.
 */
export function invalidatePosture(cache: TtlCache, ...parts: PartName[]): void {
  if (parts.length === 0) cache.invalidate(READ_CACHE_PREFIXES.posture);
  // The scopes part is built on the repository's secrets and variables.
  const all = parts.some((p) => p === "secrets" || p === "variables") ? [...parts, "scopes" as const] : parts;
  for (const p of all) cache.invalidate(`${READ_CACHE_PREFIXES.posture}${p}:`);
  // The Fleet page's rows are judged over every part: any change makes them stale.
  cache.invalidate(`${READ_CACHE_PREFIXES.posture}fleet:`);
}
