import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  type ImageDetail,
  type Repository,
} from "@aws-sdk/client-ecr";
import { mapLimit } from "../../infra/map-limit";
import type { EcrRepositoryInfo } from "../../judgements/posture/types";

/**
 * ECR's read side for the Registry page: repositories, image details, image ids and manifests, each
 * paginated through completely. Plain data out (ISO strings, no SDK types) so pages can cache and
 * serialise them.
 */

export interface RepositorySummary {
  name: string;
  uri: string;
  arn: string;
  registryId: string;
  createdAt: string | null;
  tagMutability: string;
  /** `imageTagMutabilityExclusionFilters` (with the _WITH_EXCLUSION mutabilities); empty when there are none. */
  tagMutabilityExclusionFilters: { filterType: string; filter: string }[];
  scanOnPush: boolean;
  encryptionType: string | null;
}

export interface ImageSummary {
  digest: string;
  tags: string[];
  sizeBytes: number | null;
  pushedAt: string | null;
  lastPulledAt: string | null;
  manifestMediaType: string | null;
  artifactMediaType: string | null;
  /** `subjectManifestDigest`: for a referrer (OCI 1.1 `subject`: a signature, SBOM...), the image it refers to. */
  subjectDigest: string | null;
}

export interface ImageManifest {
  digest: string;
  manifest: string;
  mediaType: string | null;
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

function toRepository(r: Repository): RepositorySummary {
  return {
    name: r.repositoryName ?? "",
    uri: r.repositoryUri ?? "",
    arn: r.repositoryArn ?? "",
    registryId: r.registryId ?? "",
    createdAt: iso(r.createdAt),
    tagMutability: r.imageTagMutability ?? "MUTABLE",
    tagMutabilityExclusionFilters: (r.imageTagMutabilityExclusionFilters ?? []).map((f) => ({ filterType: f.filterType ?? "WILDCARD", filter: f.filter ?? "" })),
    scanOnPush: r.imageScanningConfiguration?.scanOnPush ?? false,
    encryptionType: r.encryptionConfiguration?.encryptionType ?? null,
  };
}

function toImageSummary(d: ImageDetail): ImageSummary {
  return {
    digest: d.imageDigest ?? "",
    tags: d.imageTags ?? [],
    sizeBytes: d.imageSizeInBytes ?? null,
    pushedAt: iso(d.imagePushedAt),
    lastPulledAt: iso(d.lastRecordedPullTime),
    manifestMediaType: d.imageManifestMediaType ?? null,
    artifactMediaType: d.artifactMediaType ?? null,
    subjectDigest: d.subjectManifestDigest ?? null,
  };
}

/** Every repository in the client's region (DescribeRepositories, 1,000 a page: the API's maximum). */
export async function listRepositories({ ecr, pageSize = 1000 }: { ecr: ECRClient; pageSize?: number }): Promise<RepositorySummary[]> {
  const out: RepositorySummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: pageSize, nextToken }));
    for (const r of page.repositories ?? []) out.push(toRepository(r));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** One repository by name, or null when it does not exist (RepositoryNotFoundException). */
export async function describeRepository({ ecr, repositoryName }: { ecr: ECRClient; repositoryName: string }): Promise<RepositorySummary | null> {
  try {
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    const r = out.repositories?.[0];
    return r ? toRepository(r) : null;
  } catch (err) {
    if ((err as Error).name === "RepositoryNotFoundException") return null;
    throw err;
  }
}

/**
 * The repository, created (CreateRepository, default settings) when DescribeRepositories says it does not
 * exist. `repository` is null only when another writer created it between the two calls
 * (RepositoryAlreadyExistsException): it exists, its settings were not read.
 */
export async function ensureRepository({ ecr, repositoryName }: { ecr: ECRClient; repositoryName: string }): Promise<{ repository: RepositorySummary | null; created: boolean }> {
  const found = await describeRepository({ ecr, repositoryName });
  if (found) return { repository: found, created: false };
  try {
    const out = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    return { repository: out.repository ? toRepository(out.repository) : null, created: true };
  } catch (err) {
    if ((err as Error).name === "RepositoryAlreadyExistsException") return { repository: null, created: false };
    throw err;
  }
}

/** Every image of a repository with its tags, size, push and pull times (DescribeImages, paginated). */
export async function describeImages({
  ecr,
  repositoryName,
  tagStatus,
  pageSize = 1000,
}: {
  ecr: ECRClient;
  repositoryName: string;
  tagStatus?: "TAGGED" | "UNTAGGED" | "ANY";
  pageSize?: number;
}): Promise<ImageSummary[]> {
  const out: ImageSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(
      new DescribeImagesCommand({ repositoryName, maxResults: pageSize, nextToken, filter: tagStatus ? { tagStatus } : undefined }),
    );
    for (const d of page.imageDetails ?? []) out.push(toImageSummary(d));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** The image a tag points to, or null when the tag (or repository) does not exist. */
export async function describeImageByTag({ ecr, repositoryName, tag }: { ecr: ECRClient; repositoryName: string; tag: string }): Promise<ImageSummary | null> {
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] }));
    const d = out.imageDetails?.[0];
    return d ? toImageSummary(d) : null;
  } catch (err) {
    if ((err as Error).name === "ImageNotFoundException") return null;
    throw err;
  }
}

/** Whether a repository holds any image at all: one image of any tag (DescribeImages, maxResults 1). */
async function holdsAnyImage({ ecr, repositoryName }: { ecr: ECRClient; repositoryName: string }): Promise<boolean> {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName, maxResults: 1 }));
  return (out.imageDetails ?? []).length > 0;
}

/** BatchGetImage accepts at most 100 image ids per call. */
const BATCH_LIMIT = 100;

/**
 * Manifests by digest, batched 100 per BatchGetImage call and issued in parallel. Digests ECR cannot
 * find come back in `failures` (never thrown), because one deleted image must not hide the others.
 * Note: ECR counts BatchGetImage as a pull (lastRecordedPullTime), so callers should cache the
 * results; a manifest never changes for a given digest.
 */
export async function batchGetManifests({
  ecr,
  repositoryName,
  digests,
}: {
  ecr: ECRClient;
  repositoryName: string;
  digests: string[];
}): Promise<{ manifests: ImageManifest[]; failures: Array<{ digest: string; code: string; reason: string }> }> {
  const unique = [...new Set(digests)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_LIMIT) chunks.push(unique.slice(i, i + BATCH_LIMIT));
  const results = await Promise.all(
    chunks.map((chunk) =>
      ecr.send(
        new BatchGetImageCommand({
          repositoryName,
          imageIds: chunk.map((imageDigest) => ({ imageDigest })),
          // Without this ECR may convert the manifest to the schema-2 Docker type it defaults to.
          acceptedMediaTypes: [
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
          ],
        }),
      ),
    ),
  );
  const manifests: ImageManifest[] = [];
  const failures: Array<{ digest: string; code: string; reason: string }> = [];
  for (const r of results) {
    for (const img of r.images ?? []) {
      if (!img.imageId?.imageDigest || img.imageManifest === undefined) continue;
      manifests.push({ digest: img.imageId.imageDigest, manifest: img.imageManifest, mediaType: img.imageManifestMediaType ?? null });
    }
    for (const f of r.failures ?? []) failures.push({ digest: f.imageId?.imageDigest ?? "", code: f.failureCode ?? "", reason: f.failureReason ?? "" });
  }
  return { manifests, failures };
}

/**
 * Every repository in the client's region, and whether it holds images. A summary, not an inventory: one
 * small DescribeImages per repository (the `latest` tag: its push time is the newest push of the guide's
 * workflow and of Deckhand), and only when there is no `latest`, one image of any tag. Listing every image
 * (hundreds of pages at 100,000 images) is the Registry page's job, not the posture's.
 */
export async function describeAllRepositories({ ecr, concurrency = 8 }: { ecr: ECRClient; concurrency?: number }): Promise<EcrRepositoryInfo[]> {
  const repos = await listRepositories({ ecr });
  return mapLimit(repos, concurrency, async (r): Promise<EcrRepositoryInfo> => {
    const latest = await describeImageByTag({ ecr, repositoryName: r.name, tag: "latest" });
    if (latest) return { name: r.name, uri: r.uri, hasImages: true, latestPushedAt: latest.pushedAt };
    return { name: r.name, uri: r.uri, hasImages: await holdsAnyImage({ ecr, repositoryName: r.name }), latestPushedAt: null };
  });
}
