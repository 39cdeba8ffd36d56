// Gathers everything the Credentials, Policy, Activity and Doctor pages judge. Each part is one cached,
// parallel, paginated read that maps SDK responses into lib/judgements/posture's plain types; a part that fails
// becomes a Section error naming the service and call, and the other parts still load.

import fs from "node:fs/promises";
import type { Clients } from "../integrations/clients";
import type { DeckhandConfig } from "../infra/config/env";
import type { TtlCache } from "../infra/cache/ttl-cache";
import { getAccessKeyLastUsed, getAttachedPolicy, getDefaultVersionId, getInlinePolicy, getUser, listAccessKeys, listAttachedPolicyRefs, listUserPolicyNames, type FetchedPolicy, type IamUser } from "../integrations/aws/iam";
import { getCallerIdentity, type CallerIdentity } from "../integrations/aws/sts";
import { lookupEventsByAccessKey } from "../integrations/aws/cloudtrail";
import { listRepoSecrets } from "../integrations/github/secrets";
import { listRepoVariables } from "../integrations/github/variables";
import type { AccessKeyInfo } from "../judgements/posture/key-verdicts";
import type { CloudTrailEvent, EcrRepositoryInfo, GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "../judgements/posture/types";
import { GUIDE_POLICY_NAME, GUIDE_PUSH_POLICY } from "../judgements/posture/ecr-actions";
import { normalizePolicy } from "../judgements/posture/normalize-policy";
import { describeAllRepositories } from "../integrations/aws/ecr-repositories";
import { listRecentRunsWithFailures } from "./recent-runs";
import { CallFailure, callApi, toSection, type Section } from "../failures";

export const POSTURE_CACHE_PREFIX = "posture:";
export const POSTURE_TTL_MS = 30_000;

export interface PostureDeps {
  clients: Clients;
  cache: TtlCache;
  userName: string;
  policyName: string;
  expectedPolicyPath?: string;
  ttlMs?: number;
  now?: () => Date;
  /** CloudTrail window; LookupEvents keeps 90 days. */
  activityDays?: number;
}

export function postureDepsFrom(config: DeckhandConfig, clients: Clients, cache: TtlCache): PostureDeps {
  return { clients, cache, userName: config.iamUser, policyName: config.iamPolicyName, expectedPolicyPath: config.expectedPolicyPath };
}

export const SECTION_CALLS = {
  user: ["IAM GetUser"],
  keys: ["IAM ListAccessKeys", "IAM GetAccessKeyLastUsed"],
  policies: ["IAM ListUserPolicies", "IAM GetUserPolicy", "IAM ListAttachedUserPolicies", "IAM GetPolicy", "IAM GetPolicyVersion"],
  identity: ["STS GetCallerIdentity"],
  events: ["IAM ListAccessKeys", "CloudTrail LookupEvents (AccessKeyId, 90 days)"],
  secrets: ["GitHub GET /repos/{owner}/{repo}/actions/secrets"],
  variables: ["GitHub GET /repos/{owner}/{repo}/actions/variables"],
  runs: ["GitHub GET /repos/{owner}/{repo}/actions/runs", "GitHub GET /actions/runs/{run_id}/jobs", "GitHub GET /actions/jobs/{job_id}/logs"],
  repositories: ["ECR DescribeRepositories", "ECR DescribeImages"],
  expected: [] as string[],
} as const;

const key = (d: PostureDeps, part: string) => `${POSTURE_CACHE_PREFIX}${part}:${d.userName}`;
const cached = <T>(d: PostureDeps, part: string, load: () => Promise<T>) => d.cache.get(key(d, part), d.ttlMs ?? POSTURE_TTL_MS, load);

function fetchKeys(d: PostureDeps): Promise<AccessKeyInfo[]> {
  const iam = d.clients.aws.iam;
  return cached(d, "iam:keys", async () => {
    const keys = await callApi("iam", "ListAccessKeys", () => listAccessKeys({ iam, userName: d.userName }));
    return Promise.all(
      keys.map(async (k) => ({ ...k, lastUsed: await callApi("iam", "GetAccessKeyLastUsed", () => getAccessKeyLastUsed({ iam, accessKeyId: k.accessKeyId })) })),
    );
  });
}

function fetchPolicies(d: PostureDeps): Promise<FetchedPolicy[]> {
  const iam = d.clients.aws.iam;
  const userName = d.userName;
  // The same calls as listUserPolicies, each under its own name so a failure says which one failed.
  return cached(d, "iam:policies", async () => {
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
  });
}

function fetchUser(d: PostureDeps): Promise<IamUser | null> {
  return cached(d, "iam:user", () => callApi("iam", "GetUser", () => getUser({ iam: d.clients.aws.iam, userName: d.userName })));
}

function fetchIdentity(d: PostureDeps): Promise<CallerIdentity> {
  return cached(d, "sts:identity", () => callApi("sts", "GetCallerIdentity", () => getCallerIdentity({ sts: d.clients.aws.sts })));
}

export interface ActivityData {
  events: CloudTrailEvent[];
  /** The keys whose events were looked up. */
  accessKeyIds: string[];
  windowDays: number;
}

function fetchEvents(d: PostureDeps): Promise<ActivityData> {
  const days = d.activityDays ?? 90;
  return cached(d, "cloudtrail:events", async () => {
    const keys = await fetchKeys(d);
    const end = (d.now ?? (() => new Date()))();
    const start = new Date(end.getTime() - days * 86_400_000);
    const perKey = await Promise.all(
      keys.map((k) => callApi("cloudtrail", "LookupEvents", () => lookupEventsByAccessKey({ cloudtrail: d.clients.aws.cloudtrail, accessKeyId: k.accessKeyId, start, end }))),
    );
    const events = perKey.flat().sort((a, b) => String(b.time).localeCompare(String(a.time)));
    return { events, accessKeyIds: keys.map((k) => k.accessKeyId), windowDays: days };
  });
}

function fetchSecrets(d: PostureDeps): Promise<GithubSecretInfo[]> {
  return cached(d, "github:secrets", () => callApi("github", "list repository secrets", () => listRepoSecrets({ github: d.clients.github, repo: d.clients.repo })));
}

function fetchVariables(d: PostureDeps): Promise<GithubVariableInfo[]> {
  return cached(d, "github:variables", () => callApi("github", "list repository variables", () => listRepoVariables({ github: d.clients.github, repo: d.clients.repo })));
}

function fetchRuns(d: PostureDeps): Promise<WorkflowRunInfo[]> {
  return cached(d, "github:runs", () => callApi("github", "list workflow runs", () => listRecentRunsWithFailures({ github: d.clients.github, repo: d.clients.repo })));
}

function fetchRepositories(d: PostureDeps): Promise<EcrRepositoryInfo[]> {
  return cached(d, "ecr:repositories", () => callApi("ecr", "DescribeRepositories/DescribeImages", () => describeAllRepositories({ ecr: d.clients.aws.ecr })));
}

export interface ExpectedPolicy {
  document: Record<string, unknown>;
  label: string;
  /** "file" when DECKHAND_EXPECTED_POLICY names one, else the guide's Step 2 policy. */
  origin: "file" | "guide";
}

async function readExpectedPolicy(d: PostureDeps): Promise<ExpectedPolicy> {
  if (!d.expectedPolicyPath) return { document: GUIDE_PUSH_POLICY as unknown as Record<string, unknown>, label: GUIDE_POLICY_NAME, origin: "guide" };
  let text: string;
  try {
    text = await fs.readFile(d.expectedPolicyPath, "utf8");
  } catch (err) {
    throw new CallFailure("config", "read of DECKHAND_EXPECTED_POLICY", "not-found", { cause: err });
  }
  const parsed = normalizePolicy(text);
  if (!parsed.ok) throw new CallFailure("config", "read of DECKHAND_EXPECTED_POLICY", "bad-data");
  return { document: parsed.policy.document, label: d.expectedPolicyPath.split("/").pop() ?? d.expectedPolicyPath, origin: "file" };
}

export const loadUser = (d: PostureDeps): Promise<Section<IamUser | null>> => toSection([...SECTION_CALLS.user], () => fetchUser(d));
export const loadKeys = (d: PostureDeps): Promise<Section<AccessKeyInfo[]>> => toSection([...SECTION_CALLS.keys], () => fetchKeys(d));
export const loadPolicies = (d: PostureDeps): Promise<Section<FetchedPolicy[]>> => toSection([...SECTION_CALLS.policies], () => fetchPolicies(d));
export const loadIdentity = (d: PostureDeps): Promise<Section<CallerIdentity>> => toSection([...SECTION_CALLS.identity], () => fetchIdentity(d));
export const loadActivity = (d: PostureDeps): Promise<Section<ActivityData>> => toSection([...SECTION_CALLS.events], () => fetchEvents(d));
export const loadSecrets = (d: PostureDeps): Promise<Section<GithubSecretInfo[]>> => toSection([...SECTION_CALLS.secrets], () => fetchSecrets(d));
export const loadVariables = (d: PostureDeps): Promise<Section<GithubVariableInfo[]>> => toSection([...SECTION_CALLS.variables], () => fetchVariables(d));
export const loadRuns = (d: PostureDeps): Promise<Section<WorkflowRunInfo[]>> => toSection([...SECTION_CALLS.runs], () => fetchRuns(d));
export const loadRepositories = (d: PostureDeps): Promise<Section<EcrRepositoryInfo[]>> => toSection([...SECTION_CALLS.repositories], () => fetchRepositories(d));
export const loadExpectedPolicy = (d: PostureDeps): Promise<Section<ExpectedPolicy>> => toSection([], () => readExpectedPolicy(d));

export interface PostureSections {
  user: Section<IamUser | null>;
  keys: Section<AccessKeyInfo[]>;
  policies: Section<FetchedPolicy[]>;
  identity: Section<CallerIdentity>;
  activity: Section<ActivityData>;
  secrets: Section<GithubSecretInfo[]>;
  variables: Section<GithubVariableInfo[]>;
  runs: Section<WorkflowRunInfo[]>;
  repositories: Section<EcrRepositoryInfo[]>;
  expected: Section<ExpectedPolicy>;
}

/** Every part at once, all calls in flight together. */
export async function loadPosture(d: PostureDeps): Promise<PostureSections> {
  const [user, keys, policies, identity, activity, secrets, variables, runs, repositories, expected] = await Promise.all([
    loadUser(d),
    loadKeys(d),
    loadPolicies(d),
    loadIdentity(d),
    loadActivity(d),
    loadSecrets(d),
    loadVariables(d),
    loadRuns(d),
    loadRepositories(d),
    loadExpectedPolicy(d),
  ]);
  return { user, keys, policies, identity, activity, secrets, variables, runs, repositories, expected };
}

/** After Deckhand's own change, or the Refresh button: forget what was read. */
export function invalidatePosture(cache: TtlCache, part = ""): void {
  cache.invalidate(`${POSTURE_CACHE_PREFIX}${part}`);
}
