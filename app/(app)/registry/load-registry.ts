import { cache } from "react";
import { appCache } from "@/lib/cache/ttl-cache";
import { getClients } from "@/lib/clients";
import { batchGetManifests, describeImages, describeRepository, listRepositories, type ImageSummary, type RepositorySummary } from "@/lib/aws/ecr";
import { isIndexMediaType, readManifestRefs, type ManifestRefs } from "@/lib/registry/manifest-refs";
import { summarizeImages, type RepositoryFacts } from "@/lib/registry/image-facts";
import { nestIndexChildren } from "@/lib/registry/nest-index-children";
import { mapLimit } from "@/lib/overview/map-limit";
import { describeFailure, type SectionFailure } from "@/lib/overview/describe-failure";

/**
 * The Registry pages' reads. appCache shares results across requests for a short TTL (and one
 * in-flight call between concurrent renders); React cache() dedupes within one render.
 */

const REPOS_TTL = 60_000;
const IMAGES_TTL = 30_000;

export const loadRepositories = cache(
  (): Promise<RepositorySummary[]> => appCache().get("ecr:repos", REPOS_TTL, () => listRepositories({ ecr: getClients().aws.ecr })),
);

export const loadRepository = cache(
  (name: string): Promise<RepositorySummary | null> =>
    appCache().get(`ecr:repo:${name}`, REPOS_TTL, () => describeRepository({ ecr: getClients().aws.ecr, repositoryName: name })),
);

export const loadImages = cache(
  (name: string): Promise<ImageSummary[]> => appCache().get(`ecr:images:${name}`, IMAGES_TTL, () => describeImages({ ecr: getClients().aws.ecr, repositoryName: name })),
);

export type FactsResult = { ok: true; facts: RepositoryFacts } | { ok: false; failure: SectionFailure };

/**
 * Image facts for the given repositories, 16 DescribeImages listings at a time. Entries of image indexes (platform
 * images, attestation manifests) are not counted as untagged images of their own.
 */
export async function loadFacts(names: readonly string[]): Promise<Map<string, FactsResult>> {
  const results = await mapLimit(names, 16, async (name): Promise<FactsResult> => {
    try {
      const images = await loadImages(name);
      return { ok: true, facts: summarizeImages((await loadNestedImages(name, images)).top) };
    } catch (err) {
      return { ok: false, failure: describeFailure(err, "AWS", `DescribeImages (${name})`) };
    }
  });
  return new Map(names.map((n, i) => [n, results[i]]));
}

/**
 * Manifests never change for a digest, so what we read from them is kept for the process's life
 * (bounded). This matters beyond speed: ECR records a BatchGetImage as a pull, so re-reading would
 * keep moving "last pull" on the very page that shows it.
 */
const g = globalThis as unknown as { deckhandManifestRefs?: Map<string, ManifestRefs> };
const MAX_REFS = 100_000;
function refsStore(): Map<string, ManifestRefs> {
  g.deckhandManifestRefs ??= new Map();
  return g.deckhandManifestRefs;
}

export interface ConfigDigestInfo {
  configDigest: string | null;
  /** For an image index: the linux/amd64 manifest the config digest was read from. */
  platformDigest: string | null;
  note: string | null;
}

const refKey = (repositoryName: string, digest: string) => `${repositoryName}@${digest}`;

/** Reads (once per process) the manifests of `wanted` digests not read yet: one BatchGetImage per 100. */
async function fetchRefs(repositoryName: string, wanted: readonly string[]): Promise<void> {
  const store = refsStore();
  const missing = [...new Set(wanted)].filter((d) => !store.has(refKey(repositoryName, d)));
  if (missing.length === 0) return;
  const { manifests } = await batchGetManifests({ ecr: getClients().aws.ecr, repositoryName, digests: missing });
  if (store.size + manifests.length > MAX_REFS) store.clear();
  for (const m of manifests) store.set(refKey(repositoryName, m.digest), readManifestRefs(m.manifest, m.mediaType));
}

/** At most this many image indexes of one repository are read to nest their entries (5 BatchGetImage calls). */
const MAX_INDEXES = 500;

/**
 * The repository's images with the entries of its image indexes nested under them (lib/registry/nest-index-children).
 * Index manifests are read once per process; DescribeImages' media type says which images are indexes, so
 * repositories without indexes cost no call. If the indexes cannot be read, the images stay flat.
 */
export async function loadNestedImages(repositoryName: string, images: readonly ImageSummary[]) {
  const allIndexes = images.filter((i) => isIndexMediaType(i.manifestMediaType)).map((i) => i.digest);
  const indexDigests = allIndexes.slice(0, MAX_INDEXES);
  const refs = new Map<string, ManifestRefs>();
  let unreadIndexes: string | null = allIndexes.length > MAX_INDEXES ? `Only ${MAX_INDEXES} of ${allIndexes.length} image indexes were read: entries of the others show as images.` : null;
  if (indexDigests.length) {
    try {
      await fetchRefs(repositoryName, indexDigests);
    } catch (err) {
      unreadIndexes = `Image indexes could not be read (${describeFailure(err, "AWS", "ECR BatchGetImage").message}): their platform images and attestations show as untagged images.`;
      return { ...nestIndexChildren(images, refs), unreadIndexes };
    }
    for (const d of indexDigests) {
      const r = refsStore().get(refKey(repositoryName, d));
      if (r) refs.set(d, r);
    }
  }
  return { ...nestIndexChildren(images, refs), unreadIndexes };
}

/** Config digests for images of one repository: one BatchGetImage per 100 uncached digests (+ one for index children). */
export async function loadConfigDigests(repositoryName: string, digests: readonly string[]): Promise<Map<string, ConfigDigestInfo>> {
  const store = refsStore();
  const key = (d: string) => refKey(repositoryName, d);
  await fetchRefs(repositoryName, digests);
  const children = digests.map((d) => store.get(key(d))).flatMap((r) => (r?.kind === "index" && r.linuxAmd64Digest ? [r.linuxAmd64Digest] : []));
  if (children.length) await fetchRefs(repositoryName, children);
  const out = new Map<string, ConfigDigestInfo>();
  for (const d of digests) {
    const r = store.get(key(d));
    if (!r) out.set(d, { configDigest: null, platformDigest: null, note: "manifest not readable" });
    else if (r.kind === "image") out.set(d, { configDigest: r.configDigest, platformDigest: null, note: null });
    else if (r.kind === "unreadable") out.set(d, { configDigest: null, platformDigest: null, note: r.reason });
    else {
      const child = r.linuxAmd64Digest ? store.get(key(r.linuxAmd64Digest)) : undefined;
      out.set(d, {
        configDigest: child?.kind === "image" ? child.configDigest : null,
        platformDigest: r.linuxAmd64Digest,
        note: r.linuxAmd64Digest ? (child?.kind === "image" ? "image index: linux/amd64" : "image index: linux/amd64 manifest not readable") : "image index without linux/amd64",
      });
    }
  }
  return out;
}
