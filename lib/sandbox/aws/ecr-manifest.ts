/**
 * What ECR reads from a manifest when it is pushed: its media type, the blobs it references (config and
 * layers, which must already be uploaded), child manifests of an index, and the image size, which AWS
 * computes as the sum of the (compressed) layer sizes; for an index, the largest child.
 */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
}

export type ManifestInfo =
  | { kind: "image"; mediaType: string; config: Descriptor; layers: Descriptor[]; size: number }
  | { kind: "index"; mediaType: string; manifests: Descriptor[] };

const isDescriptor = (d: unknown): d is Descriptor => !!d && typeof d === "object" && typeof (d as Descriptor).digest === "string" && typeof (d as Descriptor).size === "number";

export function parseManifest(text: string, declaredMediaType: string | undefined): ManifestInfo | { error: string } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'" };
  }
  if (!raw || typeof raw !== "object" || raw.schemaVersion !== 2) return { error: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid schemaVersion'" };
  const inBody = typeof raw.mediaType === "string" ? raw.mediaType : undefined;
  if (declaredMediaType && inBody && declaredMediaType !== inBody)
    return { error: `Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'Manifest media type '${inBody}' does not match the image manifest media type '${declaredMediaType}''` };
  if (Array.isArray(raw.manifests)) {
    if (!raw.manifests.every(isDescriptor)) return { error: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid manifest descriptors'" };
    return { kind: "index", mediaType: declaredMediaType ?? inBody ?? OCI_INDEX, manifests: raw.manifests };
  }
  if (!isDescriptor(raw.config) || !Array.isArray(raw.layers) || !raw.layers.every(isDescriptor))
    return { error: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid manifest: config and layers are required'" };
  const layers = raw.layers as Descriptor[];
  return { kind: "image", mediaType: declaredMediaType ?? inBody ?? OCI_MANIFEST, config: raw.config, layers, size: layers.reduce((n, l) => n + l.size, 0) };
}
