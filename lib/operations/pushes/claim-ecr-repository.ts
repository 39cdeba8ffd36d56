import type { Clients } from "../../integrations/clients";
import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { recordAudit } from "../../infra/audit/record-audit";
import { describeRepository } from "../../integrations/aws/ecr";
import { ecrAccount } from "../../integrations/aws/ecr-account";
import { describeFailedCall } from "../../integrations/clients/name-failed-call";
import { decideEcrOwner, sameRepository } from "../../judgements/push/decide-ecr-owner";
import { claimEcrOwner, jobClaimant, readEcrOwner, type EcrRepositoryKey } from "./ecr-owners-store";
import { holdsLease } from "./job-parts-store";
import { getJob } from "./job-store";
import { parseWorkerConfig } from "./worker/worker-config";

/** The app's answer to a worker asking to push a service into an ECR repository. */
export type EcrClaimAnswer =
  /** Push: the job's repository owns it (`claimed`: from this call on). */
  | { ok: true; claimed: boolean; owner: string }
  /** Do not push: the service fails with `message`. `lost`: the worker no longer holds the job's (or part's) lease. */
  | { ok: false; lost?: boolean; message: string };

/** What a worker asks about one service. */
export interface EcrClaimAsk {
  service: string;
  ecrRepository: string;
  /** The worker's DECKHAND_BUILD_CACHE_REPOSITORY: Deckhand's build cache, never a service's image. */
  buildCacheRepository?: string;
}

export interface EcrClaimRequest extends EcrClaimAsk {
  jobId: string;
  workerId: string;
  /** The job's attempt, or with `service` set for a part, the part's. */
  attempt: number;
  /** The compose service; the lease checked is the part's when `part` is set. */
  part?: boolean;
}

let appCache: { value: string | undefined } | undefined;
/** The app's own DECKHAND_BUILD_CACHE_REPOSITORY (as its embedded worker reads it), parsed once; unset when invalid. */
function appBuildCacheRepository(): string | undefined {
  if (!appCache) {
    try {
      appCache = { value: parseWorkerConfig(process.env).buildCacheRepository };
    } catch {
      appCache = { value: undefined };
    }
  }
  return appCache.value;
}

/**
 * The served repository whose Deckhand push last went into `ecrRepository` (a service pushed there), from the push
 * history; jobs recorded before repositories were (migration 11) are the default repository's. Null when none.
 */
function lastDeckhandPusher(db: Db, ecrRepository: string, defaultRepository: string): string | null {
  const row = db
    .prepare(
      `SELECT j.repository AS source FROM push_job_services s JOIN push_jobs j ON j.id = s.job_id
       WHERE s.repository = ? AND s.decision = 'pushed' ORDER BY j.seq DESC LIMIT 1`,
    )
    .get(ecrRepository) as { source: string | null } | undefined;
  return row ? (row.source ?? defaultRepository) : null;
}

/**
 * Decides on the app's side whether a push job's service may push into `ecrRepository` (issue 16), and records the
 * claim when the job's repository takes it. The worker only asks: the source repository comes from the job record,
 * whether it is named from the configuration, the owner from the store and existence from ECR (DescribeRepositories
 * with the app's own credentials), never from the worker, which runs the repository's untrusted build. Fenced like the
 * worker's other calls: only the holder of the job's lease (or the part's, with `part`) is answered. A new ECR
 * repository goes to exactly one of two racing jobs: the claim is one INSERT that only the first wins, inside the
 * same IMMEDIATE transaction as the lease check; the loser is decided again against the winner.
 * The key is the app's account (STS) and region (`clients.aws.region`): a standalone worker pushing with credentials
 * of another account or region is not told apart (see the pushes README).
 * Never throws for AWS failures: a failed DescribeRepositories or GetCallerIdentity refuses the service, naming the call.
 */
export async function claimEcrRepository(ctx: { clients: Pick<Clients, "aws">; db: Db; config: Pick<DeckhandConfig, "github"> }, req: EcrClaimRequest): Promise<EcrClaimAnswer> {
  const lease = { jobId: req.jobId, workerId: req.workerId, attempt: req.attempt, service: req.part ? req.service : undefined };
  const lost = { ok: false as const, lost: true, message: "this worker no longer holds the job's lease: nothing is pushed" };
  if (!holdsLease(ctx.db, lease)) return lost;
  const job = getJob(ctx.db, req.jobId);
  if (!job) return lost;
  const source = job.repository ?? ctx.config.github.repository;
  const sourceNamed = ctx.config.github.repositories.some((r) => sameRepository(r.repository, source));
  // Deckhand's build cache repositories: the asking worker's and the app's own (its embedded worker's); a service
  // naming either is refused, whichever worker runs it.
  const buildCacheRepository = [req.buildCacheRepository, appBuildCacheRepository()].find((c) => c === req.ecrRepository) ?? req.buildCacheRepository;

  let key: EcrRepositoryKey;
  let exists: boolean;
  try {
    key = { account: await ecrAccount(ctx.clients.aws), region: ctx.clients.aws.region, ecrRepository: req.ecrRepository };
    exists = readEcrOwner(ctx.db, key) !== null || (await describeRepository({ ecr: ctx.clients.aws.ecr, repositoryName: req.ecrRepository })) !== null;
  } catch (err) {
    return { ok: false, message: `cannot tell who owns ECR repository ${req.ecrRepository}: ${describeFailedCall(err)}; nothing pushed` };
  }

  const claimedBy = jobClaimant(req.jobId, req.service);
  // Decided inside the transaction against the owner read there, so a claim that lost the race is decided again.
  const answer = ctx.db
    .transaction((): EcrClaimAnswer => {
      if (!holdsLease(ctx.db, lease)) return lost;
      const owner = readEcrOwner(ctx.db, key)?.sourceRepository ?? null;
      const lastPusher = owner === null && exists ? lastDeckhandPusher(ctx.db, req.ecrRepository, ctx.config.github.repository) : null;
      const d = decideEcrOwner({ ecrRepository: req.ecrRepository, source, sourceNamed, owner, exists, buildCacheRepository, lastPusher });
      if (d.action === "push") return { ok: true, claimed: false, owner: owner! };
      if (d.action === "refuse") return { ok: false, message: d.message };
      // One statement: only the first of two racing claims inserts (the transaction is IMMEDIATE, so this is belt and braces).
      if (!claimEcrOwner(ctx.db, key, source, claimedBy)) return { ok: false, message: `ECR repository ${req.ecrRepository} was claimed at the same time by another job: try again` };
      recordAudit(ctx.db, {
        actor: "deckhand",
        action: "ecr-owner.claim",
        target: req.ecrRepository,
        outcome: "success",
        detail: { source, why: d.why, job: req.jobId, service: req.service, account: key.account, region: key.region },
      });
      return { ok: true, claimed: true, owner: source };
    })
    .immediate();
  return answer;
}
