import fs from "node:fs/promises";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
  type ECRClient,
} from "@aws-sdk/client-ecr";
import { describeRepository, ensureRepository, type RepositorySummary } from "./ecr";
import { describeImmutableTag } from "../../judgements/push/immutable-tag-fix";
import type { BuiltImage, ImageBlob } from "../build/read-oci-layout";

export interface PushResult {
  repositoryCreated: boolean;
  blobsUploaded: number;
  bytesUploaded: number;
  blobsAlreadyPresent: number;
  tags: { tag: string; outcome: "put" | "already-there" }[];
}

export class PushImageError extends Error {
  constructor(
    message: string,
    readonly code: "latest-immutable" | "tag-immutable" | "upload-failed" | "put-failed",
  ) {
    super(message);
    this.name = "PushImageError";
  }
}

/** What a push had uploaded when it failed: job records must not say 0 when blobs went up (field case ecr-immutable-latest). */
export interface PushProgress {
  blobsUploaded: number;
  bytesUploaded: number;
}

const progressOf = new WeakMap<object, PushProgress>();

/** The upload counts of a failed pushImage (any error it threw), or undefined for other errors. */
export function readPushProgress(err: unknown): PushProgress | undefined {
  return typeof err === "object" && err !== null ? progressOf.get(err) : undefined;
}

/**
 * PutImage without a tag: an image an index refers to (ECR keeps it untagged, listed under the index). A manifest
 * already there is fine. Its blobs must be uploaded first (pushImage with no tags).
 */
export async function putUntaggedManifest({ ecr, repositoryName, image }: { ecr: ECRClient; repositoryName: string; image: Pick<BuiltImage, "manifestBytes" | "manifestMediaType" | "manifestDigest"> }): Promise<void> {
  try {
    await ecr.send(
      new PutImageCommand({ repositoryName, imageManifest: image.manifestBytes.toString("utf8"), imageManifestMediaType: image.manifestMediaType, imageDigest: image.manifestDigest }),
    );
  } catch (err) {
    if ((err as Error).name === "ImageAlreadyExistsException") return;
    throw new PushImageError(`PutImage ${repositoryName}@${image.manifestDigest} failed: ${(err as Error).name}: ${(err as Error).message}`, "put-failed");
  }
}

/** BatchCheckLayerAvailability takes at most 100 digests per call. */
const CHECK_BATCH = 100;
/** Used only if InitiateLayerUpload returns no partSize; ECR documents that it always does. */
const FALLBACK_PART_SIZE = 10 * 1024 * 1024;

/**
 * Pushes a built image through the ECR API alone (the guide's policy actions; no docker login, no registry v2 HTTP):
 * creates the repository when missing, uploads only the blobs ECR lacks (config blob included), then PutImage with
 * the exact manifest bytes for each tag in order. Put the commit tag first and `latest` last, so `latest` only moves
 * once the commit's tag exists and a job killed half-way never leaves `latest` on an image without its commit tag.
 */
export async function pushImage({
  ecr,
  repositoryName,
  image,
  tags,
  onLog = () => {},
}: {
  ecr: ECRClient;
  repositoryName: string;
  image: BuiltImage;
  tags: string[];
  onLog?: (line: string) => void;
}): Promise<PushResult> {
  const progress: PushProgress = { blobsUploaded: 0, bytesUploaded: 0 };
  try {
    return await pushWithProgress({ ecr, repositoryName, image, tags, onLog }, progress);
  } catch (err) {
    if (typeof err === "object" && err !== null) progressOf.set(err, { ...progress });
    throw err;
  }
}

async function pushWithProgress(
  { ecr, repositoryName, image, tags, onLog }: { ecr: ECRClient; repositoryName: string; image: BuiltImage; tags: string[]; onLog: (line: string) => void },
  progress: PushProgress,
): Promise<PushResult> {
  const { repository, created } = await ensureRepository({ ecr, repositoryName });
  if (created) onLog(`created ECR repository ${repositoryName}`);
  const missing = await findMissingBlobs(ecr, repositoryName, image.blobs);
  for (const blob of missing) {
    onLog(`uploading ${blob.digest.slice(0, 19)} (${formatBytes(blob.size)})`);
    await uploadBlob(ecr, repositoryName, blob, progress);
    progress.blobsUploaded++;
  }
  if (missing.length === 0) onLog(`all ${image.blobs.length} blobs already in ${repositoryName}`);

  const manifest = image.manifestBytes.toString("utf8");
  const tagResults: PushResult["tags"] = [];
  for (const tag of tags) {
    try {
      await ecr.send(
        new PutImageCommand({
          repositoryName,
          imageManifest: manifest,
          imageManifestMediaType: image.manifestMediaType,
          // ECR checks the manifest it received against this digest.
          imageDigest: image.manifestDigest,
          imageTag: tag,
        }),
      );
      tagResults.push({ tag, outcome: "put" });
      onLog(`tagged ${repositoryName}:${tag} → ${image.manifestDigest.slice(0, 19)}`);
    } catch (err) {
      const name = (err as Error).name;
      if (name === "ImageAlreadyExistsException") {
        // The tag already points at this very manifest: the push is already done.
        tagResults.push({ tag, outcome: "already-there" });
        onLog(`${repositoryName}:${tag} already points to ${image.manifestDigest.slice(0, 19)}`);
        continue;
      }
      if (name === "ImageTagAlreadyExistsException") throw await immutableTagError(ecr, repositoryName, tag, repository, tagResults);
      throw new PushImageError(`PutImage ${repositoryName}:${tag} failed: ${name}: ${(err as Error).message}`, "put-failed");
    }
  }
  return {
    repositoryCreated: created,
    blobsUploaded: progress.blobsUploaded,
    bytesUploaded: progress.bytesUploaded,
    blobsAlreadyPresent: image.blobs.length - missing.length,
    tags: tagResults,
  };
}

async function findMissingBlobs(ecr: ECRClient, repositoryName: string, blobs: ImageBlob[]): Promise<ImageBlob[]> {
  const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()];
  const available = new Set<string>();
  for (let i = 0; i < unique.length; i += CHECK_BATCH) {
    const batch = unique.slice(i, i + CHECK_BATCH);
    const out = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: batch.map((b) => b.digest) }),
    );
    for (const layer of out.layers ?? []) {
      if (layer.layerAvailability === "AVAILABLE" && layer.layerDigest) available.add(layer.layerDigest);
    }
    // failures (MissingLayerDigest, InvalidLayerDigest) simply mean "not there": upload, and let ECR judge.
  }
  return unique.filter((b) => !available.has(b.digest));
}

/** Uploads one blob in contiguous parts of the size ECR asked for, adding the bytes sent to `progress` as they go. */
async function uploadBlob(ecr: ECRClient, repositoryName: string, blob: ImageBlob, progress: PushProgress): Promise<void> {
  const init = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  const uploadId = init.uploadId;
  if (!uploadId) throw new PushImageError(`InitiateLayerUpload for ${repositoryName} returned no uploadId`, "upload-failed");
  const partSize = init.partSize && init.partSize > 0 ? init.partSize : FALLBACK_PART_SIZE;
  const file = await fs.open(blob.path, "r");
  try {
    let first = 0;
    while (first < blob.size) {
      const length = Math.min(partSize, blob.size - first);
      const part = Buffer.alloc(length);
      const { bytesRead } = await file.read(part, 0, length, first);
      if (bytesRead !== length) throw new PushImageError(`${blob.path} shrank while uploading`, "upload-failed");
      const last = first + length - 1;
      try {
        await ecr.send(
          new UploadLayerPartCommand({
            repositoryName,
            uploadId,
            partFirstByte: first,
            partLastByte: last,
            layerPartBlob: part,
          }),
        );
        progress.bytesUploaded += length;
        first = last + 1;
      } catch (err) {
        // A retried part whose first try did arrive: ECR says where it stands; carry on from there.
        const e = err as Error & { lastValidByteReceived?: number };
        if (e.name === "InvalidLayerPartException" && typeof e.lastValidByteReceived === "number" && e.lastValidByteReceived >= last) {
          progress.bytesUploaded += e.lastValidByteReceived + 1 - first;
          first = e.lastValidByteReceived + 1;
          continue;
        }
        throw new PushImageError(`UploadLayerPart ${blob.digest} bytes ${first}-${last}: ${e.name}: ${e.message}`, "upload-failed");
      }
    }
  } finally {
    await file.close();
  }
  try {
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [blob.digest] }));
  } catch (err) {
    // Uploaded concurrently by another job: the blob is there, which is all we need.
    if ((err as Error).name !== "LayerAlreadyExistsException") {
      throw new PushImageError(`CompleteLayerUpload ${blob.digest}: ${(err as Error).name}: ${(err as Error).message}`, "upload-failed");
    }
  }
}

/**
 * The error for a tag ECR would not move, with the setting change that fixes it (judgements/push/immutable-tag-fix).
 * The repository's setting is read again: it may have changed since the push began; if that read fails, the one read
 * at the start is used, and with neither the message does not claim a setting.
 */
async function immutableTagError(ecr: ECRClient, repositoryName: string, tag: string, atStart: RepositorySummary | null, done: PushResult["tags"]): Promise<PushImageError> {
  const now = await describeRepository({ ecr, repositoryName }).catch(() => null);
  const repo = now ?? atStart;
  const { code, message } = describeImmutableTag({
    repositoryName,
    tag,
    mutability: repo?.tagMutability ?? null,
    filters: repo?.tagMutabilityExclusionFilters ?? [],
    pushedAs: done.filter((t) => t.outcome === "put" || t.outcome === "already-there").map((t) => t.tag),
  });
  return new PushImageError(message, code);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
