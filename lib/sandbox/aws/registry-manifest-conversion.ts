import { DOCKER_MANIFEST, OCI_MANIFEST } from "./ecr-manifest";

/**
 * ECR's manifest conversion on pull by tag (ECR user guide, "Container image manifest format support"): the stored
 * format when the client accepts it; otherwise a Docker schema 2 image is served as an OCI manifest to a client that
 * accepts only OCI, and an OCI image as Docker schema 2 to a client that accepts only that. Pulls by digest are never
 * converted. Conversion to Docker schema 1 (what ECR serves clients accepting neither) is not emulated: those clients
 * get the stored manifest.
 */
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

/** Docker schema 2 layer types and their OCI equivalents (OCI image-spec, "Docker compatibility" of media types). */
const LAYER_PAIRS: Array<[string, string]> = [
  ["application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.oci.image.layer.v1.tar+gzip"],
  ["application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"],
  ["application/vnd.docker.image.rootfs.diff.tar", "application/vnd.oci.image.layer.v1.tar"],
];

export interface ServedManifest {
  body: Buffer;
  mediaType: string;
  converted: boolean;
}

/** Media types an Accept header lists (parameters and q-values dropped; `*` and `*\/*` kept as given). */
export function acceptedMediaTypes(accept: string | string[] | undefined): string[] {
  const joined = Array.isArray(accept) ? accept.join(",") : (accept ?? "");
  return joined
    .split(",")
    .map((p) => p.split(";")[0].trim().toLowerCase())
    .filter(Boolean);
}

const accepts = (list: string[], type: string) => list.length === 0 || list.includes(type) || list.includes("*/*") || list.includes("*");

interface Descriptor {
  mediaType?: string;
  [k: string]: unknown;
}

/** Docker schema 2 → OCI image manifest; undefined when a descriptor has no OCI equivalent. */
function dockerToOci(m: Record<string, unknown>): Record<string, unknown> | undefined {
  const config = m.config as Descriptor;
  if (config?.mediaType !== DOCKER_CONFIG) return undefined;
  const layers: Descriptor[] = [];
  for (const l of (m.layers as Descriptor[]) ?? []) {
    const pair = LAYER_PAIRS.find(([docker]) => docker === l.mediaType);
    if (!pair) return undefined;
    layers.push({ ...l, mediaType: pair[1] });
  }
  return { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...config, mediaType: OCI_CONFIG }, layers };
}

/** OCI image manifest → Docker schema 2; undefined for artifacts and layers Docker has no type for (zstd...). */
function ociToDocker(m: Record<string, unknown>): Record<string, unknown> | undefined {
  const config = m.config as Descriptor;
  if (config?.mediaType !== OCI_CONFIG || m.artifactType !== undefined || m.subject !== undefined) return undefined;
  const layers: Descriptor[] = [];
  for (const l of (m.layers as Descriptor[]) ?? []) {
    const pair = LAYER_PAIRS.find(([, oci]) => oci === l.mediaType);
    if (!pair) return undefined;
    const { annotations: _dropped, ...rest } = l;
    layers.push({ ...rest, mediaType: pair[0] });
  }
  const { annotations: _configAnnotations, ...configRest } = config;
  return { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { ...configRest, mediaType: DOCKER_CONFIG }, layers };
}

/**
 * The manifest to serve for a stored one, given the client's accepted types and whether it asked by tag.
 * Converted bodies are serialised the way Docker writes manifests (3-space indent); their digest is their own.
 */
export function negotiateManifest(stored: { body: Buffer; mediaType: string }, accepted: string[], byTag: boolean): ServedManifest {
  const asStored = { body: stored.body, mediaType: stored.mediaType, converted: false };
  if (!byTag || accepts(accepted, stored.mediaType)) return asStored;
  let target: string | undefined;
  let convert: ((m: Record<string, unknown>) => Record<string, unknown> | undefined) | undefined;
  if (stored.mediaType === DOCKER_MANIFEST && accepted.includes(OCI_MANIFEST)) [target, convert] = [OCI_MANIFEST, dockerToOci];
  else if (stored.mediaType === OCI_MANIFEST && accepted.includes(DOCKER_MANIFEST)) [target, convert] = [DOCKER_MANIFEST, ociToDocker];
  if (!target || !convert) return asStored;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stored.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return asStored;
  }
  const out = convert(parsed);
  if (!out) return asStored;
  return { body: Buffer.from(JSON.stringify(out, null, 3)), mediaType: target, converted: true };
}
