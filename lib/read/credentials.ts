// The Credentials page (and the Overview's key cards): the push user's keys judged against the thresholds,
// which key GitHub's secret most likely holds, and the repository's secrets and variables checked against
// the guide. Plain data plus per-part failures.

import { judgeAccessKeys, type AccessKeyInfo, type AccountKeyFinding, type KeyVerdict, type Severity } from "../judgements/posture/key-verdicts";
import { correlateSecretKey, type OwnKeyUse, type OwnSecretWrite, type SecretCorrelation } from "../judgements/posture/secret-correlation";
import { listOwnKeyActivity } from "../operations/rotation/store";
import { checkGithubConfig, type GithubConfigReport } from "../judgements/posture/github-config";
import type { TimeInput } from "../judgements/posture/time-util";
import type { GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "../judgements/posture/types";
import { getThresholds, type Thresholds } from "../operations/settings/thresholds";
import { listRotations, listSteps } from "../operations/rotation/store";
import { describeCopy, keyOfCopy, type KnownWrite } from "../judgements/posture/secret-scopes";
import type { Failure, Part } from "../failures";
import type { ReadContext } from "./context";
import { readActivity, readEffectiveSecrets, readKeys, readRepositories, readRuns, readScopes, type ActivityData, type PostureContext, type ScopesView } from "./posture";
import { readActivityWithin } from "./doctor";
import { keyChangeUnderway } from "./rotation";

export interface KeysView {
  thresholds: Thresholds;
  keys: (KeyVerdict & { createDate: TimeInput | null })[];
  account: AccountKeyFinding[];
  /** The most severe verdict among the active keys (all keys when none is active) and account findings. */
  worst: Severity;
}

const RANK: Record<Severity, number> = { ok: 0, info: 1, warn: 2, fail: 3 };
const worstOf = (severities: Severity[]): Severity => [...severities].sort((a, b) => RANK[b] - RANK[a])[0] ?? "ok";

/** The keys, each judged (age, last use, status) against the Settings thresholds. */
export async function readKeyVerdicts(ctx: PostureContext & Pick<ReadContext, "db">): Promise<Part<KeysView>> {
  const keys = await readKeys(ctx);
  if (!keys.ok) return keys;
  const thresholds = getThresholds(ctx.db);
  const judged = judgeAccessKeys({ keys: keys.data, now: ctx.now?.() ?? new Date(), thresholds, rotationInProgress: keyChangeUnderway(ctx) });
  const active = judged.keys.filter((k) => k.active);
  const shown = active.length ? active : judged.keys;
  return {
    ...keys,
    data: {
      thresholds,
      keys: judged.keys.map((k) => ({ ...k, createDate: keys.data.find((x) => x.accessKeyId === k.accessKeyId)?.createDate ?? null })),
      account: judged.account,
      worst: worstOf([...shown.map((k) => k.severity), ...judged.account.map((a) => a.severity)]),
    },
  };
}

export interface HeldKeyView {
  correlation: SecretCorrelation;
  /** Evidence that could not be read, in words ("Without CloudTrail (...) the evidence is weaker"). */
  caveats: string[];
  worst: Severity;
}

/** Which key GitHub's AWS_ACCESS_KEY_ID most likely holds: needs the secrets and the keys; CloudTrail and runs only strengthen it. */
export function correlateParts(input: {
  secrets: Part<GithubSecretInfo[]>;
  keys: Part<AccessKeyInfo[]>;
  activity: Part<ActivityData>;
  runs: Part<WorkflowRunInfo[]>;
  now: Date;
  /** When Deckhand itself used and wrote keys (listOwnKeyActivity): never a stranger's use. */
  own?: { uses: OwnKeyUse[]; writes: OwnSecretWrite[] };
}): Part<HeldKeyView> {
  const calls = [...new Set([...input.secrets.calls, ...input.keys.calls, ...input.activity.calls, ...input.runs.calls])];
  if (!input.secrets.ok) return { ...input.secrets, calls };
  if (!input.keys.ok) return { ...input.keys, calls };
  const caveats: string[] = [];
  if (!input.activity.ok) caveats.push(`Without CloudTrail (${input.activity.failure.message}) the evidence is weaker`);
  if (!input.runs.ok) caveats.push(`Without workflow runs (${input.runs.failure.message}) the evidence is weaker`);
  const correlation = correlateSecretKey({
    secrets: input.secrets.data,
    keys: input.keys.data,
    events: input.activity.ok ? input.activity.data.events : [],
    runs: input.runs.ok ? input.runs.data : [],
    now: input.now,
    ownUses: input.own?.uses,
    ownWrites: input.own?.writes,
  });
  return { ok: true, calls, asOf: input.keys.asOf, data: { correlation, caveats, worst: worstOf(correlation.flags.map((f) => f.severity)) } };
}

/**
 * The key correlation over the cached parts. `activityWaitMs` time-boxes CloudTrail (the Overview). `ownKeyActivity`:
 * Deckhand's own key uses and writes when the caller read them already for many repositories (else read from `ctx.db`).
 */
export async function readHeldKey(
  ctx: PostureContext & Partial<Pick<ReadContext, "db">>,
  opts: { activityWaitMs?: number; ownKeyActivity?: ReturnType<typeof listOwnKeyActivity> } = {},
): Promise<Part<HeldKeyView>> {
  const [secrets, keys, activity, runs] = await Promise.all([
    readEffectiveSecrets(ctx),
    readKeys(ctx),
    opts.activityWaitMs === undefined ? readActivity(ctx) : readActivityWithin(ctx, opts.activityWaitMs),
    readRuns(ctx),
  ]);
  return correlateParts({ secrets, keys, activity, runs, now: ctx.now?.() ?? new Date(), own: opts.ownKeyActivity ?? (ctx.db ? listOwnKeyActivity(ctx.db) : undefined) });
}

export interface AccessKeyIdCopy {
  /** "organization secret (selected repositories)", "environment secret (production)", "repository secret". */
  where: string;
  used: boolean;
  updatedAt: string | null;
  /** The key it holds when Deckhand wrote it; null: unknown. */
  accessKeyId: string | null;
}

/**
 * The keys Deckhand's rotations wrote into AWS_ACCESS_KEY_ID (step 4's recorded updated_at), newest first. With
 * `repository` ("owner/name"), a fleet rotation's writes into another repository's or its environments' secrets are
 * left out (organization writes and writes recorded without a repository are kept).
 */
export function deckhandSecretWrites(db: ReadContext["db"], repository?: string): KnownWrite[] {
  const writes: KnownWrite[] = [];
  for (const r of listRotations(db, 20)) {
    if (!r.newKeyId) continue;
    for (const step of listSteps(db, r.id)) {
      if (step.step !== 4 || step.outcome !== "succeeded") continue;
      // Each holder's write (organization, environment, repository); older rotations wrote the repository's only.
      const each = Array.isArray(step.detail?.writes)
        ? (step.detail.writes as Array<{ scope: KnownWrite["scope"]; environment?: string; repository?: string; accessKeyIdUpdatedAt: string }>).filter(
            (w) => !repository || w.scope === "organization" || !w.repository || w.repository.toLowerCase() === repository.toLowerCase(),
          )
        : typeof step.detail?.accessKeyIdUpdatedAt === "string"
          ? [{ scope: "repository" as const, accessKeyIdUpdatedAt: step.detail.accessKeyIdUpdatedAt }]
          : [];
      for (const w of each) writes.push({ scope: w.scope, ...(w.environment ? { environment: w.environment } : {}), updatedAt: w.accessKeyIdUpdatedAt, accessKeyId: r.newKeyId });
    }
  }
  return writes;
}

export interface GithubConfigView {
  report: GithubConfigReport;
  /** What a run gets per name, each tagged with its scope. */
  secrets: GithubSecretInfo[];
  variables: GithubVariableInfo[];
  /** Per name: where the run's value comes from, the shadowed copies, scope findings and unreadable scopes. */
  scopes: ScopesView;
  /** Every copy of AWS_ACCESS_KEY_ID, the run's first: where it is and which key it holds when Deckhand knows. */
  accessKeyIdCopies: AccessKeyIdCopy[];
  /** Why AWS_REGION was not compared with where the repositories are, when it was not. */
  regionNotCompared: Failure | null;
}

/**
 * The secrets and variables a run gets (environment over repository over organization) checked against the guide,
 * and AWS_REGION against where the repositories are.
 */
export async function readGithubConfig(ctx: PostureContext & Partial<Pick<ReadContext, "db">>): Promise<Part<GithubConfigView>> {
  const [scopes, repositories] = await Promise.all([readScopes(ctx), readRepositories(ctx)]);
  const calls = [...scopes.calls, ...repositories.calls];
  if (!scopes.ok) return { ...scopes, calls };
  const repositoryRegions = repositories.ok ? (repositories.data.length ? [ctx.clients.aws.region] : []) : null;
  const { effectiveSecrets: secrets, effectiveVariables: variables, unreadable } = scopes.data;
  return {
    ok: true,
    calls,
    asOf: scopes.asOf,
    data: {
      report: checkGithubConfig({ secrets, variables, repositoryRegions, unreadable }),
      secrets,
      variables,
      scopes: scopes.data,
      accessKeyIdCopies: accessKeyIdCopies(scopes.data, ctx.db ? deckhandSecretWrites(ctx.db, `${ctx.clients.repo.owner}/${ctx.clients.repo.repo}`) : []),
      regionNotCompared: repositories.ok ? null : repositories.failure,
    },
  };
}

function accessKeyIdCopies(scopes: ScopesView, writes: KnownWrite[]): AccessKeyIdCopy[] {
  const r = scopes.secrets.find((x) => x.name === "AWS_ACCESS_KEY_ID");
  if (!r) return [];
  return [r.source, ...r.shadowed].map((copy, i) => ({
    where: describeCopy(copy, "secret"),
    used: i === 0,
    updatedAt: copy.updatedAt === null ? null : new Date(copy.updatedAt).toISOString(),
    accessKeyId: keyOfCopy(copy, writes),
  }));
}
