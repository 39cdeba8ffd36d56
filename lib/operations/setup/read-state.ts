// Gathers what planSetup judges, fresh (no cache: setup must see what its own writes just did). Each
// read that fails leaves its field null and adds one line naming the service and call.

import type { Clients } from "../../integrations/clients";
import type { Db } from "../../infra/db/open-db";
import { getUser, getUserPolicy, listAccessKeys, listUserPolicies } from "../../integrations/aws/iam";
import { getCallerIdentity } from "../../integrations/aws/sts";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listRepoVariables } from "../../integrations/github/variables";
import { describeAllRepositories } from "../../integrations/aws/ecr-repositories";
import { diffPolicyDocuments } from "../../judgements/posture/policy-diff";
import { describeFailure } from "../../overview/describe-failure";
import { listRotations } from "../rotation/store";
import { judgePermissions, type PermissionVerdict } from "./permissions";
import type { SetupNames, SetupState } from "./types";

async function attempt<T>(errors: string[], service: "AWS" | "GitHub", call: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    errors.push(describeFailure(err, service, call).message);
    return null;
  }
}

export async function readSetupState({
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
  const user = await attempt(errors, "AWS", "IAM GetUser", () => getUser({ iam, userName }));
  const exists = user !== null;
  const gotUser = !errors.length;
  const [policyDoc, keys, secrets, variables, repositories] = await Promise.all([
    exists ? attempt(errors, "AWS", "IAM GetUserPolicy", async () => ({ doc: await getUserPolicy({ iam, userName, policyName }) })) : Promise.resolve({ doc: null }),
    exists ? attempt(errors, "AWS", "IAM ListAccessKeys", () => listAccessKeys({ iam, userName })) : Promise.resolve([]),
    attempt(errors, "GitHub", "list secrets", async () => (await listRepoSecrets({ github, repo })).map((s) => s.name)),
    attempt(errors, "GitHub", "list variables", async () => (await listRepoVariables({ github, repo })).map((v) => ({ name: v.name, value: v.value }))),
    attempt(errors, "AWS", "ECR DescribeRepositories", () => describeAllRepositories({ ecr })),
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
export async function checkOwnPermissions({ clients, required }: { clients: Clients; required: string[] }): Promise<PermissionVerdict> {
  const { iam, sts } = clients.aws;
  let arn: string;
  try {
    arn = (await getCallerIdentity({ sts })).arn;
  } catch (err) {
    return { kind: "unknown", why: describeFailure(err, "AWS", "STS GetCallerIdentity").message };
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
