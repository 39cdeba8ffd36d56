import { z } from "zod";
import { checkEcrRepositoryName } from "../../../judgements/push/ecr-repository-name";

/** Request bodies of the standalone worker's API, validated on the app's side. */
const workerId = z.string().min(1).max(200);
const attempt = z.number().int().min(1);
const platform = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/).max(64);
/** The platforms the worker builds (issue 14); a worker from before them reports none and gets no job parts. */
const platforms = z.array(platform).max(32).optional();
/** Set when the call is about a job part: the part's service (its attempt is the part's). */
const service = z.string().min(1).max(200).optional();

export const claimBody = z.object({ workerId, platforms });
export const heartbeatBody = z.object({ workerId, attempt, platforms, service });
export const logsBody = z.object({
  workerId,
  attempt,
  service,
  lines: z.array(z.object({ stream: z.string().max(16), line: z.string().max(65_536), at: z.string().max(40) })).max(5000),
});
export const servicesBody = z.object({
  workerId,
  attempt,
  part: z.boolean().optional(),
  result: z.object({
    service: z.string().min(1).max(200),
    repository: z.string().min(1).max(256),
    decision: z.enum(["pushed", "skipped", "failed", "not-built", "waiting"]),
    detail: z.string().max(4000).nullish(),
    localConfigDigest: z.string().max(100).nullish(),
    localManifestDigest: z.string().max(100).nullish(),
    remoteDigestBefore: z.string().max(100).nullish(),
    blobsUploaded: z.number().int().min(0).optional(),
    bytesUploaded: z.number().int().min(0).optional(),
    timings: z.record(z.string(), z.number()).optional(),
    inputsDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/).nullish(),
    build: z
      .object({
        imageBlobs: z.number().int().min(0).optional(),
        imageBytes: z.number().int().min(0).optional(),
        steps: z.object({ total: z.number().int().min(0), cached: z.number().int().min(0) }).optional(),
        baseImages: z.array(z.object({ ref: z.string().max(512), digest: z.string().max(100).optional(), pulled: z.boolean().optional() })).max(50).optional(),
        freshBases: z.boolean().optional(),
      })
      .nullish(),
  }),
});
/** ECR's repository name rule (CreateRepository), the one the compose reader applies (checkEcrRepositoryName). */
const ecrRepositoryName = z.string().refine((name) => checkEcrRepositoryName(name) === null, "must be an ECR repository name");
/** A worker asks whether a service may push into an ECR repository (issue 16); `part`: the attempt is the part's. */
export const ecrClaimBody = z.object({ workerId, attempt, part: z.boolean().optional(), service: z.string().min(1).max(200), ecrRepository: ecrRepositoryName, buildCacheRepository: ecrRepositoryName.optional() });
export const resultBody = z.object({
  workerId,
  attempt,
  result: z.object({
    result: z.enum(["succeeded", "skipped", "failed"]),
    summary: z.record(z.string(), z.unknown()),
    error: z.string().max(8000).nullish(),
    status: z.object({ state: z.enum(["success", "failure"]), description: z.string().max(200) }),
    waiting: z.array(z.object({ service: z.string().min(1).max(200), repository: z.string().min(1).max(256), platform })).max(200).optional(),
  }),
});

export function workerLeaseMs(): number {
  const n = Number(process.env.DECKHAND_WORKER_LEASE_MS ?? 60_000);
  return Number.isFinite(n) && n >= 3000 ? n : 60_000;
}
