import type { ImageInputs } from "../build-records";
import type { ServiceRecord } from "../job-store";

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
}

export type HeartbeatAnswer = { ok: true } | { ok: false; reason: string };

export interface JobResult {
  result: "succeeded" | "skipped" | "failed";
  summary: Record<string, unknown>;
  error?: string | null;
  /** The deckhand/ecr-push commit status to set. */
  status: { state: "success" | "failure"; description: string };
}

/**
 * How a worker talks to the queue. The embedded worker uses the store directly; a standalone worker on
 * another host goes through the app's HTTP API. Both end in the same service verbs.
 */
export interface JobChannel {
  readonly workerId: string;
  claim(): Promise<ClaimedJob | null>;
  heartbeat(job: ClaimedJob): Promise<HeartbeatAnswer>;
  log(job: ClaimedJob, lines: Array<{ stream: string; line: string; at: string }>): Promise<void>;
  recordService(job: ClaimedJob, result: ServiceRecord): Promise<boolean>;
  finish(job: ClaimedJob, result: JobResult): Promise<boolean>;
}
