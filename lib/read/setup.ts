// The Setup page and the guided setup's planning: the state of each of the guide's steps, read fresh (no
// cache: setup must see what its own writes just did), the plan of what is missing or wrong, and the
// permission preflight. Each read that fails leaves its field null and adds one line naming the call.

import type { Clients } from "../integrations/clients";
import type { Db } from "../infra/db/open-db";
import { getUser, getUserPolicy, listAccessKeys, listUserPolicies } from "../integrations/aws/iam";
import { getCallerIdentity } from "../integrations/aws/sts";
import { listRepoSecrets } from "../integrations/github/secrets";
import { listRepoVariables } from "../integrations/github/variables";
import { describeAllRepositories } from "../integrations/aws/ecr";
import { diffPolicyDocuments } from "../judgements/posture/policy-diff";
import { describeFailure, type Service } from "../failures";
import { SafeError } from "../errors";
import { listRotations } from "../operations/rotation/store";
import { judgePermissions, type PermissionVerdict } from "../operations/setup/permissions";
import { planSetup } from "../operations/setup/plan";
import { activeSetup, latestSetup, listSetupSteps } from "../operations/setup/store";
import type { SetupNames, SetupPlan, SetupRecord, SetupState, SetupStepRecord } from "../operations/setup/types";
import type { ReadContext } from "./context";
import { readExpectedPolicy, readScopes } from "./posture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { describeCopy } from "../judgements/posture/secret-scopes";
import { REGION_VARIABLE, SECRET_NAMES } from "../judgements/posture/github-config";

async function attempt<T>(errors: string[], service: Service, call: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    errors.push(describeFailure(err, service, call).message);
    return null;
  }
}

async function readSetupState({
  clients,
  db,
  names,
  expectedPolicy,
  pushBranch,
}: {
  clients: Clients;
  db: Db;
  names: SetupNames;
  expectedPolicy: Record<string, unknown>;
  pushBranch: string;
}): Promise<SetupState> {
  const errors: string[] = [];
  const { iam, ecr } = clients.aws;
  const { github, repo } = clients;
  const { userName, policyName } = names;
  const user = await attempt(errors, "iam", "GetUser", () => getUser({ iam, userName }));
  const exists = user !== null;
  const gotUser = !errors.length;
  const [policyDoc, keys, secrets, variables, repositories] = await Promise.all([
    exists ? attempt(errors, "iam", "GetUserPolicy", async () => ({ doc: await getUserPolicy({ iam, userName, policyName }) })) : Promise.resolve({ doc: null }),
    exists ? attempt(errors, "iam", "ListAccessKeys", () => listAccessKeys({ iam, userName })) : Promise.resolve([]),
    attempt(errors, "github", "list secrets", async () => (await listRepoSecrets({ github, repo })).map((s) => s.name)),
    attempt(errors, "github", "list variables", async () => (await listRepoVariables({ github, repo })).map((v) => ({ name: v.name, value: v.value }))),
    attempt(errors, "ecr", "DescribeRepositories", () => describeAllRepositories({ ecr })),
  ]);
  let policy: SetupState["policy"] = null;
  if (policyDoc) {
    if (policyDoc.doc === null) policy = { present: false, matches: false, addedActions: [], removedActions: [] };
    else {
      const d = diffPolicyDocuments(policyDoc.doc, expectedPolicy);
      policy = d.ok
        ? { present: true, matches: d.diff.identical || (d.diff.addedActions.length === 0 && d.diff.removedActions.length === 0 && d.diff.statements.every((s) => s.status === "same")), addedActions: d.diff.addedActions, removedActions: d.diff.removedActions }
        : { present: true, matches: false, addedActions: [], removedActions: [] };
    }
  }
  const lastRotation = listRotations(db, 10).find((r) => r.state === "completed" && r.userName === userName);
  return {
    names,
    user: gotUser ? { exists, arn: user?.arn ?? null } : null,
    policy,
    keys,
    secrets,
    variables,
    repositories: repositories ? repositories.map((r) => r.name) : null,
    repositoriesWithImages: repositories ? repositories.filter((r) => r.hasImages).length : null,
    pushBranch,
    knownHeldKeyId: lastRotation?.newKeyId ?? null,
    errors,
  };
}

/** The permission preflight: who Deckhand is, and whether its own policies allow `required`. */
async function checkOwnPermissions({ clients, required }: { clients: Clients; required: string[] }): Promise<PermissionVerdict> {
  const { iam, sts } = clients.aws;
  let arn: string;
  try {
    arn = (await getCallerIdentity({ sts })).arn;
  } catch (err) {
    return { kind: "unknown", why: describeFailure(err, "sts", "GetCallerIdentity").message };
  }
  const self = /:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  let policies: string[] | null = null;
  if (self) {
    try {
      policies = (await listUserPolicies({ iam, userName: self })).map((p) => p.document);
    } catch {
      // Reading one's own policies may itself be denied: judged "unknown" below, and refused by the caller.
      policies = null;
    }
  }
  return judgePermissions({ callerArn: arn, policies, required });
}

export type SetupContext = Pick<ReadContext, "clients" | "db" | "cache" | "userName" | "policyName" | "expectedPolicyPath" | "github"> & Partial<Pick<ReadContext, "workflowName">>;

/** The repository's push user (DECKHAND_IAM_USER unless GITHUB_REPOSITORIES names another), DECKHAND_IAM_POLICY, the region, and the repository. */
export function setupNames(ctx: Pick<ReadContext, "clients" | "userName" | "policyName">): SetupNames {
  return { userName: ctx.userName, policyName: ctx.policyName, region: ctx.clients.aws.region, repository: `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}` };
}

/** The expected policy's document (DECKHAND_EXPECTED_POLICY, else the guide's); a SafeError saying why it cannot be read. */
export async function readExpectedDocument(ctx: Pick<ReadContext, "clients" | "cache" | "userName" | "policyName" | "expectedPolicyPath">): Promise<Record<string, unknown>> {
  const e = await readExpectedPolicy(ctx);
  if (!e.ok) throw new SafeError(e.failure.message, "expected-policy");
  return e.data.document;
}

/** The guide's names whose value a run gets from an organization or environment copy (fresh: setup sees its own writes). */
async function readInherited(ctx: SetupContext): Promise<SetupState["inherited"]> {
  const scopes = await readScopes({ ...ctx, cache: new TtlCache() });
  // Unreadable scopes leave the repository's own copies to decide, as before scopes were read.
  if (!scopes.ok) return {};
  const out: NonNullable<SetupState["inherited"]> = {};
  for (const r of [...scopes.data.secrets, ...scopes.data.variables]) {
    if (![...SECRET_NAMES, REGION_VARIABLE].includes(r.name) || r.source.scope === "repository") continue;
    out[r.name] = { where: describeCopy(r.source, r.kind), ...(r.kind === "variable" ? { value: r.source.value ?? "" } : {}) };
  }
  return out;
}

export interface SetupOverview {
  state: SetupState;
  plan: SetupPlan;
  permissions: PermissionVerdict;
}

/** The state of each guide step, the plan of what is missing or wrong, and the permission preflight (read only). */
export async function planGuidedSetup(ctx: SetupContext): Promise<SetupOverview> {
  const state = await readSetupState({
    clients: ctx.clients,
    db: ctx.db,
    names: setupNames(ctx),
    expectedPolicy: await readExpectedDocument(ctx),
    pushBranch: ctx.github.branch ?? "the default branch",
  });
  state.inherited = await readInherited(ctx);
  const plan = planSetup(state);
  const permissions = await checkOwnPermissions({ clients: ctx.clients, required: plan.requiredActions });
  return { state, plan, permissions };
}

/**
 * The newest setup of the context's repository with its steps (the one running or stopped, if any), or null before
 * its first. Setups recorded before setups were per repository count as the default repository's.
 */
export function readLatestSetup(ctx: Pick<ReadContext, "db" | "clients" | "defaultRepository">): { setup: SetupRecord; steps: SetupStepRecord[]; active: boolean } | null {
  const s = latestSetup(ctx.db, `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`, ctx.defaultRepository ?? "");
  return s ? { setup: s, steps: listSetupSteps(ctx.db, s.id), active: s.state === "running" || s.state === "stopped" } : null;
}

/**
 * The setup running or stopped for another repository than the context's (one setup runs at a time across every
 * repository), with that repository; null when none, when it is this repository's, or when it is a stopped setup of
 * a repository no longer among `served` (servedRepositories(): starting a setup abandons it).
 */
export function readActiveSetupElsewhere(ctx: Pick<ReadContext, "db" | "clients" | "defaultRepository">, served: ReadonlyArray<{ repository: string }>): { id: number; state: string; repository: string } | null {
  const s = activeSetup(ctx.db);
  if (!s) return null;
  const repository = s.names.repository ?? ctx.defaultRepository ?? "";
  if (repository.toLowerCase() === `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`.toLowerCase()) return null;
  // A stopped setup of a repository no longer served does not hold this one back: starting here abandons it.
  const stillServed = served.some((r) => r.repository.toLowerCase() === repository.toLowerCase());
  return stillServed || s.state === "running" ? { id: s.id, state: s.state, repository } : null;
}
