import { cache } from "react";
import { appCache } from "@/lib/infra/cache/ttl-cache";
import { getClients } from "@/lib/integrations/clients";
import { batchGetManifests, describeImages, describeRepository, listRepositories, type ImageSummary, type RepositorySummary } from "@/lib/integrations/aws/ecr";
import { readManifestRefs, type ManifestRefs } from "@/lib/judgements/registry/manifest-refs";
import { summarizeImages, type RepositoryFacts } from "@/lib/judgements/registry/image-facts";
import { mapLimit } from "@/lib/infra/map-limit";
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

/** Image facts for the given repositories, 16 DescribeImages listings at a time. */
export async function loadFacts(names: readonly string[]): Promise<Map<string, FactsResult>> {
  const results = await mapLimit(names, 16, async (name): Promise<FactsResult> => {
    try {
      return { ok: true, facts: summarizeImages(await loadImages(name)) };
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

/** Config digests for images of one repository: one BatchGetImage per 100 uncached digests (+ one for index children). */
export async function loadConfigDigests(repositoryName: string, digests: readonly string[]): Promise<Map<string, ConfigDigestInfo>> {
  const store = refsStore();
  const key = (d: string) => `${repositoryName}@${d}`;
  const fetchRefs = async (wanted: string[]) => {
    const missing = [...new Set(wanted)].filter((d) => !store.has(key(d)));
    if (missing.length === 0) return;
    const { manifests } = await batchGetManifests({ ecr: getClients().aws.ecr, repositoryName, digests: missing });
    if (store.size + manifests.length > MAX_REFS) store.clear();
    for (const m of manifests) store.set(key(m.digest), readManifestRefs(m.manifest, m.mediaType));
  };
  await fetchRefs([...digests]);
  const children = digests.map((d) => store.get(key(d))).flatMap((r) => (r?.kind === "index" && r.linuxAmd64Digest ? [r.linuxAmd64Digest] : []));
  if (children.length) await fetchRefs(children);
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
