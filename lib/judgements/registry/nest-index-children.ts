/**
 * A repository's images as people think of them: an image index (multi-platform image) with its platform images and
 * BuildKit attestation manifests inside it, rather than each manifest as an untagged image of its own. Pure over
 * DescribeImages rows and the indexes' manifests.
 */

import type { ImageLike } from "./image-facts";
import { IMAGE_CONFIG_TYPES, type IndexEntry, type ManifestRefs } from "./manifest-refs";

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
   * Rows to list: every image that is neither an untagged entry of an index listed as a row nor a referrer shown with
   * the row it ultimately refers to. Referrers that cannot be shown that way stay rows (a subject gone, a cycle, a
   * subject that is not shown), labelled by `referrerOf`.
   */
  top: T[];
  /** Index digest → its entries, platform images first, then attestations. */
  children: Map<string, IndexChild[]>;
  /** Digest of an entry → the index (or indexes) holding it. */
  parents: Map<string, string[]>;
  /**
   * Shown digest → the signatures, attestations, SBOMs to show with it. A shown digest is a row of `top`, or an entry
   * of an index that is a row (the page shows those with the index). A referrer of a referrer is listed under the
   * image the chain ends at, its own `subject` unchanged. Every referrer here is shown; none is only counted.
   */
  referrers: Map<string, Referrer[]>;
  /** Every referrer listed, by its own digest (nested or not). */
  referrerOf: Map<string, Referrer>;
}

const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;

/** Whether `tag` has the form of cosign's tag scheme, `sha256-<hex>.sig|.att|.sbom`. */
export const isCosignTag = (tag: string) => COSIGN_TAG.test(tag);

/**
 * Layer media types of what signs or describes an image rather than makes one: cosign's simple signing payload and
 * DSSE envelope (sigstore/cosign pkg/types/media.go SimpleSigningMediaType; `cosign attest`), in-toto statements
 * (BuildKit's attestation layers, docs.docker.com "Image attestation storage"), and SBOMs (SPDX, CycloneDX, Syft:
 * cosign's CycloneDXMediaType, SPDXMediaType, SyftMediaType with their +json/+xml forms).
 */
const REFERRER_LAYER_TYPES = [
  /^application\/vnd\.dev\.cosign\.simplesigning\.v1\+json$/,
  /^application\/vnd\.dsse\.envelope\.v1\+json$/,
  /^application\/vnd\.in-toto\+json$/,
  /^text\/spdx(\+(json|xml))?$/,
  /^application\/spdx\+json$/,
  /^application\/vnd\.cyclonedx(\+(json|xml))?$/,
  /^application\/vnd\.syft\+json$/,
];

/**
 * Whether a manifest is an artifact (signature, attestation, SBOM...) rather than an image someone can run, from the
 * manifest itself (`refs`, readManifestRefs). Its config media type decides when it is not an image config
 * (IMAGE_CONFIG_TYPES): runtimes run only those. When it is one, only the layers can tell, as cosign's signatures
 * carry an OCI image config (sigstore/cosign pkg/oci/static/options.go: ConfigMediaType OCIConfigJSON, LayerMediaType
 * SimpleSigningMediaType): an artifact only when there are layers and every one is a REFERRER_LAYER_TYPES payload.
 * `artifactType` is not trusted on its own, since an image carrying one still runs. An index, an unread or unreadable
 * manifest: false (shown as an image; the page says what could not be read).
 */
export function isArtifactManifest(refs: ManifestRefs | undefined): boolean {
  if (refs?.kind !== "image") return false;
  if (refs.configMediaType && !IMAGE_CONFIG_TYPES.has(refs.configMediaType)) return true;
  return refs.layerMediaTypes.length > 0 && refs.layerMediaTypes.every((t) => !!t && REFERRER_LAYER_TYPES.some((re) => re.test(t)));
}

/** signature / attestation / sbom from an artifact type (cosign, in-toto/DSSE, SPDX, CycloneDX); otherwise artifact. */
export function referrerKind(artifactType: string | null | undefined): Referrer["kind"] {
  const t = (artifactType ?? "").toLowerCase();
  if (/sig|signature|notary/.test(t)) return "signature";
  if (/in-toto|dsse|attestation|provenance/.test(t)) return "attestation";
  if (/spdx|cyclonedx|sbom|syft/.test(t)) return "sbom";
  return "artifact";
}

/**
 * What `img` refers to, if it is a referrer: only an artifact (isArtifactManifest, so its manifest must have been
 * read), then DescribeImages' `subjectManifestDigest`, else the `subject` of its manifest, else cosign's tag scheme
 * (every tag `sha256-<hex>.sig|.att|.sbom` of one subject). A tag alone never makes a runnable image a referrer:
 * anyone who can push can give any image such a tag.
 */
function referrerOfImage(img: ImageLike, refs: ManifestRefs | undefined): Omit<Referrer, "subjectPresent"> | null {
  if (refs?.kind !== "image" || !isArtifactManifest(refs)) return null;
  const subject = img.subjectDigest ?? refs.subject;
  const artifactType = refs.artifactType ?? img.artifactMediaType ?? null;
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
 * `indexes` maps digests to their readManifestRefs result (indexes, and manifests read to find a `subject` or to tell
 * an artifact from an image); images whose refs are missing or unreadable are left as they are.
 *
 * ECR content may be written by anyone holding the push key, so nothing is hidden on its word alone: an index entry is
 * hidden only inside an index that is itself a row, and a referrer only under a digest that is shown (first pass: the
 * rows without referrers; second pass: each referrer follows its chain of referrers to the image it ends at, nested
 * there when that is shown, else a row itself, as are the referrers of a cycle).
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

  // Referrer edges that could be nested: an artifact naming a listed subject other than itself, with no ordinary tag
  // (like an index entry, a referrer someone gave an ordinary tag stays a row of its own).
  const referrerOf = new Map<string, Referrer>();
  const edge = new Map<string, string>();
  for (const img of images) {
    const r = referrerOfImage(img, indexes.get(img.digest));
    if (!r || r.subject === img.digest) continue;
    const referrer: Referrer = { ...r, subjectPresent: byDigest.has(r.subject) };
    referrerOf.set(img.digest, referrer);
    if (referrer.subjectPresent && img.tags.every((t) => COSIGN_TAG.test(t))) edge.set(img.digest, r.subject);
  }

  // Pass 1, the rows apart from referrers: an untagged index entry is hidden only when an index holding it is a row.
  // Indexes cannot truly contain each other in a cycle (digests), but a cycle in bad data leaves its members rows.
  const isIndexRow = new Map<string, boolean>();
  const indexRow = (digest: string, visiting: Set<string>): boolean => {
    const known = isIndexRow.get(digest);
    if (known !== undefined) return known;
    if (visiting.has(digest)) return true;
    visiting.add(digest);
    const img = byDigest.get(digest);
    const row = !img || img.tags.length > 0 || !(parents.get(digest) ?? []).some((p) => indexRow(p, visiting));
    visiting.delete(digest);
    isIndexRow.set(digest, row);
    return row;
  };
  const baseRow = (digest: string) => !edge.has(digest) && indexRow(digest, new Set());
  // Where the page shows referrers: with a row, and with an entry of an index that is a row.
  const shown = (digest: string) => baseRow(digest) || (parents.get(digest) ?? []).some((p) => baseRow(p));

  // Pass 2: each referrer follows its chain to the first digest that is not a nestable referrer.
  const referrers = new Map<string, Referrer[]>();
  const nested = new Set<string>();
  for (const img of images) {
    if (!edge.has(img.digest)) continue;
    const seen = new Set([img.digest]);
    let at = edge.get(img.digest)!;
    while (edge.has(at) && !seen.has(at)) {
      seen.add(at);
      at = edge.get(at)!;
    }
    // A chain back into itself (A signs B, B signs A) has no image to show it with.
    if (edge.has(at) || !shown(at)) continue;
    referrers.set(at, [...(referrers.get(at) ?? []), referrerOf.get(img.digest)!]);
    nested.add(img.digest);
  }
  const top = images.filter((i) => !nested.has(i.digest) && (edge.has(i.digest) || indexRow(i.digest, new Set())));
  return { top, children, parents, referrers, referrerOf };
}
