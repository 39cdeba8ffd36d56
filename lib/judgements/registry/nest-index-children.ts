/**
 * A repository's images as people think of them: an image index (multi-platform image) with its platform images and
 * BuildKit attestation manifests inside it, rather than each manifest as an untagged image of its own. Pure over
 * DescribeImages rows and the indexes' manifests.
 */

import type { ImageLike } from "./image-facts";
import type { IndexEntry, ManifestRefs } from "./manifest-refs";

export interface IndexChild extends IndexEntry {
  /** Whether DescribeImages lists this manifest in the repository (a pruned child is not). */
  present: boolean;
  /** For an attestation: the platform of the image it attests, when that image is in the same index. */
  attestsPlatform: string | null;
}

export interface NestedImages<T> {
  /** Rows to list: every image that is not an untagged entry of an index of this repository. */
  top: T[];
  /** Index digest → its entries, platform images first, then attestations. */
  children: Map<string, IndexChild[]>;
  /** Digest of an entry → the index (or indexes) holding it. */
  parents: Map<string, string[]>;
}

/**
 * Nests the untagged entries of each image index under it. An entry that carries a tag of its own (e.g. the commit tag
 * of a single-platform push that a later index took over as `latest`) stays a row too: it is an image people pull.
 * `indexes` maps index digests to their readManifestRefs result; images whose refs are missing or unreadable are left
 * as they are.
 */
export function nestIndexChildren<T extends ImageLike>(images: readonly T[], indexes: ReadonlyMap<string, ManifestRefs>): NestedImages<T> {
  const byDigest = new Map(images.map((i) => [i.digest, i]));
  const children = new Map<string, IndexChild[]>();
  const parents = new Map<string, string[]>();
  for (const img of images) {
    const refs = indexes.get(img.digest);
    if (refs?.kind !== "index") continue;
    const platformOf = new Map(refs.children.filter((c) => c.role === "image").map((c) => [c.digest, c.platform]));
    const entries = refs.children
      .map((c): IndexChild => ({ ...c, present: byDigest.has(c.digest), attestsPlatform: c.attests ? (platformOf.get(c.attests) ?? null) : null }))
      .sort((a, b) => Number(a.role === "attestation") - Number(b.role === "attestation"));
    children.set(img.digest, entries);
    for (const c of entries) parents.set(c.digest, [...(parents.get(c.digest) ?? []), img.digest]);
  }
  const top = images.filter((i) => !(parents.has(i.digest) && i.tags.length === 0));
  return { top, children, parents };
}
