/**
 * What a manifest refers to, read from BatchGetImage's imageManifest text: the config digest (the
 * image ID `docker image inspect` prints) for an image manifest, or the children of an image index.
 * Pure and defensive: registries hold manifests written by many tools.
 */
import { isAttestationEntry, type IndexEntry as PushIndexEntry } from "../push/decide-push";

/**
 * One entry of an image index. `attestation` entries are BuildKit's attestation manifests (provenance, SBOM): platform
 * `unknown/unknown` (or no platform and the annotation `vnd.docker.reference.type: attestation-manifest`), with
 * `vnd.docker.reference.digest` naming the image they attest (docs.docker.com, "Image attestation storage"). An
 * annotated entry claiming a real platform is an `image`: pullers of that platform may take it.
 */
export interface IndexEntry {
  digest: string;
  mediaType: string | null;
  platform: string | null;
  role: "image" | "attestation";
  /** For an attestation: the digest of the image it is about. */
  attests: string | null;
}

export type ManifestRefs =
  | {
      kind: "image";
      configDigest: string;
      configMediaType: string | null;
      layerCount: number;
      layersSize: number;
      /** OCI 1.1 `subject` (image-spec manifest.md): the manifest this one is a referrer of (signature, SBOM...), or null. */
      subject: string | null;
      /** `artifactType`, else the config media type (image-spec manifest.md, "Guidelines for Artifact Usage"). */
      artifactType: string | null;
      /** Each layer's media type in order, null where a layer names none. */
      layerMediaTypes: (string | null)[];
    }
  | { kind: "index"; children: IndexEntry[]; linuxAmd64Digest: string | null }
  | { kind: "unreadable"; reason: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Config media types of images to run: Docker's image config (Docker Image Manifest V2 Schema 2) and OCI's
 * (image-spec config.md). A manifest with any other config type is an artifact, which container runtimes do not run.
 */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set(["application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json"]);
const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);

/** Whether a manifest media type (DescribeImages `imageManifestMediaType`) is an image index / manifest list. */
export function isIndexMediaType(mediaType: string | null | undefined): boolean {
  return !!mediaType && INDEX_TYPES.has(mediaType);
}
const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function platformOf(p: unknown): string | null {
  if (!isObj(p) || typeof p.os !== "string" || typeof p.architecture !== "string") return null;
  return `${p.os}/${p.architecture}${typeof p.variant === "string" && p.variant ? `/${p.variant}` : ""}`;
}

export function readManifestRefs(manifest: string, mediaType?: string | null): ManifestRefs {
  if (mediaType && SCHEMA1.test(mediaType)) return { kind: "unreadable", reason: "Docker schema 1 manifests have no config digest" };
  let doc: unknown;
  try {
    doc = JSON.parse(manifest);
  } catch {
    return { kind: "unreadable", reason: "The manifest is not JSON" };
  }
  if (!isObj(doc)) return { kind: "unreadable", reason: "The manifest is not a JSON object" };
  if (doc.schemaVersion === 1) return { kind: "unreadable", reason: "Docker schema 1 manifests have no config digest" };
  // The media type inside the document wins; OCI allows it to be absent, so fall back to the API's.
  const type = typeof doc.mediaType === "string" ? doc.mediaType : (mediaType ?? null);
  if ((type && INDEX_TYPES.has(type)) || (Array.isArray(doc.manifests) && !isObj(doc.config))) {
    const list = Array.isArray(doc.manifests) ? doc.manifests : [];
    const children = list
      .filter(isObj)
      .filter((m) => typeof m.digest === "string" && DIGEST.test(m.digest))
      .map((m): IndexEntry => {
        const annotations = isObj(m.annotations) ? m.annotations : {};
        const platform = platformOf(m.platform);
        // The push verdict's rule: BuildKit writes its attestations as unknown/unknown, so an annotated entry claiming
        // a real platform is shown as an image of that platform, not tucked away as an attestation on the annotation.
        const attestation = isAttestationEntry({ digest: m.digest as string, platform: m.platform as PushIndexEntry["platform"], annotations });
        const ref = annotations["vnd.docker.reference.digest"];
        return {
          digest: m.digest as string,
          mediaType: typeof m.mediaType === "string" ? m.mediaType : null,
          platform,
          role: attestation ? "attestation" : "image",
          attests: attestation && typeof ref === "string" && DIGEST.test(ref) ? ref : null,
        };
      });
    // Attestation manifests (buildx provenance) carry platform unknown/unknown and are never the image.
    const images = children.filter((c) => c.role === "image");
    const amd64 = images.find((c) => c.platform === "linux/amd64") ?? images.find((c) => c.platform?.startsWith("linux/amd64/"));
    return { kind: "index", children, linuxAmd64Digest: amd64?.digest ?? null };
  }
  const config = doc.config;
  if (!isObj(config) || typeof config.digest !== "string" || !DIGEST.test(config.digest)) return { kind: "unreadable", reason: "The manifest has no valid config descriptor" };
  const layers = Array.isArray(doc.layers) ? doc.layers.filter(isObj) : [];
  const configMediaType = typeof config.mediaType === "string" ? config.mediaType : null;
  const subject = isObj(doc.subject) && typeof doc.subject.digest === "string" && DIGEST.test(doc.subject.digest) ? doc.subject.digest : null;
  return {
    kind: "image",
    configDigest: config.digest,
    configMediaType,
    layerCount: layers.length,
    layersSize: layers.reduce((n, l) => n + (typeof l.size === "number" && l.size > 0 ? l.size : 0), 0),
    subject,
    artifactType: typeof doc.artifactType === "string" && doc.artifactType ? doc.artifactType : configMediaType,
    layerMediaTypes: layers.map((l) => (typeof l.mediaType === "string" ? l.mediaType : null)),
  };
}
