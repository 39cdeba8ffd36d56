import crypto from "node:crypto";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "../../integrations/build/read-oci-layout";

/** A manifest as BatchGetImage returns it (imageManifest string + imageManifestMediaType), or already parsed. */
export interface RemoteManifest {
  manifest: string | Uint8Array | Record<string, unknown>;
  mediaType?: string;
}

export type RemoteState =
  | { repository: "missing" }
  | { latest: "missing" }
  | {
      latest: RemoteManifest;
      /** When `latest` is an index: the manifest fetched for the descriptor a previous call asked for. */
      child?: RemoteManifest;
    };

export type PushReason = "repository-missing" | "latest-missing" | "config-differs" | "no-linux-amd64" | "unreadable-remote" | "ambiguous-platform";

export type PushDecision =
  | { action: "push"; reason: PushReason; remoteConfigDigest?: string; detail?: string }
  | { action: "skip"; reason: "config-matches"; remoteConfigDigest: string }
  /** `latest` is an image index: fetch this manifest (BatchGetImage by digest) and decide again with it as `child`. */
  | { action: "fetch"; digest: string; mediaType?: string };

const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/;

/**
 * The guide's digest comparison, done on the image ID: push when ECR's `latest` has a different config digest than
 * the local build, or does not exist. Comparing manifest digests instead would push whenever only layer compression
 * differs; the config digest covers the uncompressed layers (diff_ids) and all metadata. When `latest` is an image
 * index (OCI image-spec image-index.md) or Docker manifest list, the entry compared is the one for `platform`, the
 * platform the local image was built for ("os/arch[/variant]", default linux/amd64); attestation manifests are never it.
 */
export function decidePush({ localConfigDigest, platform = "linux/amd64", remote }: { localConfigDigest: string; platform?: string; remote: RemoteState }): PushDecision {
  if ("repository" in remote) return { action: "push", reason: "repository-missing" };
  if (remote.latest === "missing") return { action: "push", reason: "latest-missing" };
  const top = parseManifest(remote.latest);
  if ("error" in top) return unreadable(top.error);

  let image = top;
  if (top.kind === "index") {
    const candidates = platformCandidates(top.entries, platform);
    if (candidates.length === 0) {
      return { action: "push", reason: "no-linux-amd64", detail: `latest is an image index without a ${platform} image` };
    }
    if (candidates.length > 1) {
      // Which of them a puller takes is up to the puller (and whoever wrote the index); comparing one could skip a
      // push while pullers run the other.
      return { action: "push", reason: "ambiguous-platform", detail: `latest is an image index with ${candidates.length} ${platform} images` };
    }
    const entry = candidates[0];
    if (!remote.child) return { action: "fetch", digest: entry.digest, mediaType: entry.mediaType };
    const child = parseManifest(remote.child);
    if ("error" in child) return unreadable(`index entry ${entry.digest}: ${child.error}`);
    if (child.digest && child.digest !== entry.digest.toLowerCase()) {
      return unreadable(`fetched manifest ${child.digest} is not the index's ${platform} entry ${entry.digest}`);
    }
    if (child.kind === "index") return unreadable("nested image indexes are not followed");
    image = child;
  }
  if (image.kind !== "image") return unreadable("unexpected manifest kind");
  const remoteConfigDigest = image.configDigest;
  if (remoteConfigDigest === localConfigDigest.toLowerCase()) {
    return { action: "skip", reason: "config-matches", remoteConfigDigest };
  }
  return { action: "push", reason: "config-differs", remoteConfigDigest };
}

function unreadable(detail: string): PushDecision {
  // Pushing replaces a latest we cannot interpret; skipping could leave it broken forever.
  return { action: "push", reason: "unreadable-remote", detail };
}

export interface IndexEntry {
  digest: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, unknown>;
}

/**
 * A BuildKit attestation manifest inside an index, never an image to run: platform `unknown/unknown`, or no platform
 * at all and the annotation `vnd.docker.reference.type: attestation-manifest`. BuildKit always writes its attestation
 * descriptors with platform unknown/unknown (docs.docker.com, "Image attestation storage", "Attestation Manifest
 * Descriptor"), which is also what keeps pullers from taking them. An annotated entry that claims a real platform is
 * therefore not one of BuildKit's: a puller for that platform may take it, so it counts as an image of that platform.
 * The annotation alone must not hide it, since anyone with push rights can write it.
 */
export function isAttestationEntry(e: IndexEntry): boolean {
  if (e.platform?.os === "unknown" && e.platform.architecture === "unknown") return true;
  // Any platform field written, even a malformed one, is not "absent": such an entry stays counted (toward a push).
  return e.platform == null && e.annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}

export type ParsedManifest =
  | { kind: "image"; configDigest: string; digest?: string }
  | { kind: "index"; entries: IndexEntry[]; digest?: string }
  | { error: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseManifest(m: RemoteManifest): ParsedManifest {
  let json: unknown;
  let digest: string | undefined;
  if (typeof m.manifest === "string" || m.manifest instanceof Uint8Array) {
    const bytes = typeof m.manifest === "string" ? Buffer.from(m.manifest, "utf8") : Buffer.from(m.manifest);
    digest = "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex");
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch {
      return { error: "manifest is not JSON" };
    }
  } else {
    json = m.manifest;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { error: "manifest is not a JSON object" };
  const doc = json as Record<string, unknown>;
  // The embedded mediaType is optional in OCI; the API's media type may be missing too. Fall back to the shape.
  const mediaType = (typeof doc.mediaType === "string" ? doc.mediaType : undefined) ?? m.mediaType;
  if (doc.schemaVersion === 1 || (mediaType && SCHEMA1.test(mediaType))) {
    return { error: "latest is a Docker schema 1 manifest, which has no config digest" };
  }
  const isIndex = mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST || (!mediaType && Array.isArray(doc.manifests));
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) return { error: "image index has no manifests" };
    const entries = (doc.manifests as unknown[]).filter(isEntry);
    return { kind: "index", entries, digest };
  }
  if (mediaType && mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) {
    return { error: `unsupported manifest media type ${mediaType}` };
  }
  const config = doc.config as Record<string, unknown> | undefined;
  const configDigest = typeof config?.digest === "string" ? config.digest.toLowerCase() : undefined;
  if (!configDigest || !DIGEST.test(configDigest)) return { error: "manifest has no valid config digest" };
  return { kind: "image", configDigest, digest };
}

function isEntry(e: unknown): e is IndexEntry {
  return typeof e === "object" && e !== null && typeof (e as IndexEntry).digest === "string" && DIGEST.test((e as IndexEntry).digest.toLowerCase());
}

/** The variant a platform has when none is written (OCI image-index.md "platform.variant"; containerd's normalisation). */
export const DEFAULT_VARIANT: Record<string, string> = { amd64: "v1", arm64: "v8" };

/** `variant` of `architecture` with an absent one read as the default (DEFAULT_VARIANT), "" when it has none. */
export function variantOf(architecture: string | undefined, variant: string | undefined): string {
  return variant || (architecture ? DEFAULT_VARIANT[architecture] : undefined) || "";
}

/**
 * The index entries a puller of `platform` ("os/arch[/variant]") may take: same os and architecture, and the same
 * variant, an absent variant counting as the architecture's default (amd64 v1, arm64 v8). Without a variant asked
 * for, the default-variant entries when there are any, else every variant (amd64 micro-architecture levels v2, v3).
 * Attestation manifests (isAttestationEntry) never match. More than one entry means the index is ambiguous for
 * `platform`: the caller must not pick one of them to compare with.
 */
export function platformCandidates(entries: IndexEntry[], platform: string): IndexEntry[] {
  const [os, architecture, variant] = platform.split("/");
  const same = entries.filter((e) => !isAttestationEntry(e) && e.platform?.os === os && e.platform.architecture === architecture);
  const exact = same.filter((e) => variantOf(architecture, e.platform?.variant) === variantOf(architecture, variant));
  return variant || exact.length > 0 ? exact : same;
}

