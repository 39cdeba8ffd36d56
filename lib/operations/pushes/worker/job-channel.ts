import type { ImageInputs } from "../build-records";
import type { ServiceRecord, WaitingService } from "../job-store";
import type { EcrClaimAnswer, EcrClaimAsk } from "../claim-ecr-repository";

/** What a worker needs to know about the job it claimed. */
export interface ClaimedJob {
  jobId: string;
  /** The fencing token: quoted in every call about this job. */
  attempt: number;
  sha: string;
  branch: string | null;
  /** Where to fetch the commit (no credentials in it) and the token to fetch with. */
  git: { url: string; token?: string };
  /** The GitHub repository (owner/name) the commit is in; workers from before several repositories ignore it. */
  repository?: string;
  leaseMs: number;
  /** Pull every base image again for this job ("rebuild with fresh base images"). */
  freshBases?: boolean;
  /** When an operator last asked workers to drop their build caches (ISO time); a worker drops once per request. */
  cacheDropRequestedAt?: string;
  /** Recent images' build inputs, for deciding "unchanged" without building (issue 15). */
  knownInputs?: ImageInputs[];
  /**
   * Set when this claim is a job part (issue 14): build only this service, for a platform this worker reported.
   * `attempt` is then the part's own attempt; heartbeats and the report name the service.
   */
  part?: { service: string; platform: string };
}

export type HeartbeatAnswer = { ok: true } | { ok: false; reason: string };

export interface JobResult {
  result: "succeeded" | "skipped" | "failed";
  summary: Record<string, unknown>;
  error?: string | null;
  /** The deckhand/ecr-push commit status to set. */
  status: { state: "success" | "failure"; description: string };
  /** Services this worker could not build (another platform's RUN steps): the job waits for a worker that can. */
  waiting?: WaitingService[];
}

/**
 * How a worker talks to the queue. The embedded worker uses the store directly; a standalone worker on
 * another host goes through the app's HTTP API. Both end in the same service verbs.
 */
export interface JobChannel {
  readonly workerId: string;
  /** The platforms this worker builds (detectBuildPlatforms), reported with each claim and heartbeat. */
  readonly platforms: readonly string[];
  claim(): Promise<ClaimedJob | null>;
  heartbeat(job: ClaimedJob): Promise<HeartbeatAnswer>;
  log(job: ClaimedJob, lines: Array<{ stream: string; line: string; at: string }>): Promise<void>;
  /** One service's record; for a part, its result, which ends the part (and the job, when it was the last). */
  recordService(job: ClaimedJob, result: ServiceRecord): Promise<boolean>;
  finish(job: ClaimedJob, result: JobResult): Promise<boolean>;
  /**
   * Asks the app whether `service` may push into the ECR repository `ecrRepository` (issue 16), before any blob is
   * uploaded. The app decides and records the claim; the worker only obeys the answer. `buildCacheRepository`: the
   * worker's DECKHAND_BUILD_CACHE_REPOSITORY, which no service may push into (only the worker knows its setting).
   */
  claimEcrRepository(job: ClaimedJob, ask: EcrClaimAsk): Promise<EcrClaimAnswer>;
}
