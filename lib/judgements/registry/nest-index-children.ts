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

/**
 * A manifest about another one rather than an image to run: an OCI 1.1 referrer (its `subject` names the image; OCI
 * image-spec manifest.md "subject", DescribeImages `subjectManifestDigest`) or an artifact stored under cosign's tag
 * scheme `sha256-<hex of the subject digest>.sig|.att|.sbom` (sigstore cosign, "Signature specification").
 */
export interface Referrer {
  digest: string;
  tags: string[];
  subject: string;
  kind: "signature" | "attestation" | "sbom" | "artifact";
  /** The referrer's artifactType / config media type, when known. */
  artifactType: string | null;
  /** How the subject is known: the manifest's `subject` (from DescribeImages or the manifest), or a cosign tag. */
  source: "subject" | "cosign-tag";
  /** Whether DescribeImages lists the subject in this repository (a referrer of a deleted image is left behind). */
  subjectPresent: boolean;
}

export interface NestedImages<T> {
  /**
   * Rows to list: every image that is neither an untagged entry of an index of this repository nor a referrer of an
   * image listed here. Referrers whose subject is not listed stay rows (they are leftovers to prune), labelled by `referrerOf`.
   */
  top: T[];
  /** Index digest → its entries, platform images first, then attestations. */
  children: Map<string, IndexChild[]>;
  /** Digest of an entry → the index (or indexes) holding it. */
  parents: Map<string, string[]>;
  /** Subject digest → the signatures, attestations, SBOMs listed here that refer to it (only subjects listed here). */
  referrers: Map<string, Referrer[]>;
  /** Every referrer listed, by its own digest (nested or not). */
  referrerOf: Map<string, Referrer>;
}

const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;

/** signature / attestation / sbom from an artifact type (cosign, in-toto/DSSE, SPDX, CycloneDX); otherwise artifact. */
export function referrerKind(artifactType: string | null | undefined): Referrer["kind"] {
  const t = (artifactType ?? "").toLowerCase();
  if (/sig|signature|notary/.test(t)) return "signature";
  if (/in-toto|dsse|attestation|provenance/.test(t)) return "attestation";
  if (/spdx|cyclonedx|sbom|syft/.test(t)) return "sbom";
  return "artifact";
}

/**
 * What `img` refers to, if it is a referrer: DescribeImages' `subjectManifestDigest`, else the `subject` of its manifest
 * when `refs` holds it, else cosign's tag scheme (every tag `sha256-<hex>.sig|.att|.sbom` of one subject).
 */
function referrerOfImage(img: ImageLike, refs: ManifestRefs | undefined): Omit<Referrer, "subjectPresent"> | null {
  const manifestSubject = refs?.kind === "image" ? refs.subject : null;
  const subject = img.subjectDigest ?? manifestSubject;
  const artifactType = (refs?.kind === "image" ? refs.artifactType : null) ?? img.artifactMediaType ?? null;
  if (subject) return { digest: img.digest, tags: img.tags, subject, kind: referrerKind(artifactType), artifactType, source: "subject" };
  const cosign = img.tags.map((t) => COSIGN_TAG.exec(t));
  if (cosign.length === 0 || cosign.some((m) => !m) || new Set(cosign.map((m) => m![1])).size !== 1) return null;
  const suffix = cosign[0]![2];
  const kind = suffix === "sig" ? "signature" : suffix === "att" ? "attestation" : "sbom";
  return { digest: img.digest, tags: img.tags, subject: `sha256:${cosign[0]![1]}`, kind, artifactType, source: "cosign-tag" };
}

/**
 * Nests the untagged entries of each image index under it, and referrers (signatures, attestations, SBOMs: see
 * `Referrer`) under the image they refer to. An index entry that carries a tag of its own (e.g. the commit tag of a
 * single-platform push that a later index took over as `latest`) stays a row too: it is an image people pull.
 * `indexes` maps digests to their readManifestRefs result (indexes, and manifests read to find a `subject`); images
 * whose refs are missing or unreadable are left as they are.
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
  const referrers = new Map<string, Referrer[]>();
  const referrerOf = new Map<string, Referrer>();
  for (const img of images) {
    const r = referrerOfImage(img, indexes.get(img.digest));
    if (!r || r.subject === img.digest) continue;
    const referrer: Referrer = { ...r, subjectPresent: byDigest.has(r.subject) };
    referrerOf.set(img.digest, referrer);
    // Like an index entry, a referrer someone gave an ordinary tag stays a row of its own.
    if (referrer.subjectPresent && img.tags.every((t) => COSIGN_TAG.test(t))) referrers.set(r.subject, [...(referrers.get(r.subject) ?? []), referrer]);
  }
  const nestedReferrers = new Set([...referrers.values()].flat().map((r) => r.digest));
  const top = images.filter((i) => !(parents.has(i.digest) && i.tags.length === 0) && !nestedReferrers.has(i.digest));
  return { top, children, parents, referrers, referrerOf };
}
