// "Prove before retiring": after the move's pull request merged, CloudTrail and the pull request say whether the
// role works (an assumption by a pinned subject, a push with its session) and whether the key is still used, every
// use listed with where it came from. Read fresh: the page is looked at rarely and must show the latest trail.

import { listAccessKeys } from "../integrations/aws/iam";
import { lookupEventsByAccessKey } from "../integrations/aws/cloudtrail";
import { lookupWebIdentityEvents } from "../integrations/aws/cloudtrail-web-identity";
import { readPullRequest } from "../integrations/github/pull-requests";
import { listRepoSecrets } from "../integrations/github/secrets";
import { proveRole, type RoleProof } from "../judgements/oidc/prove-role";
import type { CloudTrailEvent } from "../judgements/posture/types";
import { callApi } from "../failures";
import { getGraceDays } from "../operations/oidc/grace-days";
import { latestOidcMove, listOidcSteps } from "../operations/oidc/store";
import type { ReadContext } from "./context";

export interface RoleProofView {
  /** The push user's keys and whether the repository still has the two secrets (what the retire steps act on). */
  keys: Array<{ accessKeyId: string; status: string }>;
  secretsPresent: boolean;
  pullRequest: { number: number; url: string; state: string; merged: boolean; mergedAt: string | null } | null;
  graceDays: number;
  proof: RoleProof;
}

const DAY_MS = 86_400_000;
/** How many of the latest sessions' temporary keys are looked up for a push (each is one LookupEvents walk). */
const SESSIONS_LOOKED_AT = 5;

/**
 * The proof for the latest completed move of the configured repository, or null when there is none (or it opened
 * no pull request). CloudTrail is read from the merge on (at most its 90 days). Throws CallFailure naming the call.
 */
export async function readRoleProof(ctx: Pick<ReadContext, "clients" | "db" | "userName"> & { now?: () => Date }): Promise<RoleProofView | null> {
  const { github, repo } = ctx.clients;
  const { cloudtrail, iam } = ctx.clients.aws;
  const move = latestOidcMove(ctx.db, `${repo.owner}/${repo.repo}`);
  const prStep = move ? listOidcSteps(ctx.db, move.id).find((s) => s.step === "workflow-pr" && s.outcome === "succeeded" && typeof s.detail?.pullRequest === "number") : undefined;
  if (!move || !prStep) return null;
  const now = ctx.now?.() ?? new Date();
  const graceDays = getGraceDays(ctx.db);
  const [pr, keys, secrets] = await Promise.all([
    readPullRequest({ github, repo, number: prStep.detail!.pullRequest as number }),
    callApi("iam", "ListAccessKeys", () => listAccessKeys({ iam, userName: ctx.userName })),
    callApi("github", "list repository secrets", () => listRepoSecrets({ github, repo })),
  ]);
  const held = { keys: keys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })), secretsPresent: secrets.some((x) => x.name === "AWS_ACCESS_KEY_ID" || x.name === "AWS_SECRET_ACCESS_KEY") };
  const mergedAt = pr?.merged ? pr.mergedAt : null;
  const base = { roleArn: move.plan.roleArn, subjects: move.plan.subjects, now, graceDays };
  const pullRequest = pr && { number: pr.number, url: pr.url, state: pr.state, merged: pr.merged, mergedAt: pr.mergedAt };
  if (!mergedAt) return { ...held, pullRequest, graceDays, proof: proveRole({ ...base, mergedAt: null, webIdentity: [], sessionEvents: [], keyEvents: [] }) };
  const start = new Date(Math.max(new Date(mergedAt).getTime() - 60_000, now.getTime() - 90 * DAY_MS));
  const webIdentity = await callApi("cloudtrail", "LookupEvents", () => lookupWebIdentityEvents({ cloudtrail, start, end: now }));
  const sessionKeys = [...new Set(webIdentity.filter((e) => e.roleArn === move.plan.roleArn && !e.errorCode && e.sessionKeyId).map((e) => e.sessionKeyId!))].slice(0, SESSIONS_LOOKED_AT);
  const lookup = (accessKeyId: string) => callApi("cloudtrail", "LookupEvents", () => lookupEventsByAccessKey({ cloudtrail, accessKeyId, start, end: now }));
  const [sessionEvents, keyEvents] = await Promise.all([
    Promise.all(sessionKeys.map(lookup)).then((x) => x.flat()),
    Promise.all(keys.map((k) => lookup(k.accessKeyId))).then((x) => x.flat() as CloudTrailEvent[]),
  ]);
  return {
    ...held,
    pullRequest,
    graceDays,
    proof: proveRole({ ...base, mergedAt, webIdentity, sessionEvents, keyEvents }),
  };
}
