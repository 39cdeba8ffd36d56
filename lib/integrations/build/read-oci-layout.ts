import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

export interface ImageBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** The blob's file in the OCI layout. */
  path: string;
}

export interface BuiltImage {
  /** The manifest exactly as written: its sha256 is manifestDigest, and PutImage must send these bytes. */
  manifestBytes: Buffer;
  manifestMediaType: string;
  manifestDigest: string;
  /** The image ID: what is compared with ECR's latest. */
  configDigest: string;
  /** The config blob first, then the layers in manifest order. */
  blobs: ImageBlob[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/**
 * Reads one image from an OCI image layout directory: the index entry named `refName` (or the only one), descending
 * through a nested index to its linux/amd64 manifest (buildx writes an index when it adds attestations).
 */
export async function readOciLayout(dir: string, refName?: string): Promise<BuiltImage> {
  const index = JSON.parse(await fs.readFile(path.join(dir, "index.json"), "utf8")) as { manifests?: Descriptor[] };
  const entries = index.manifests ?? [];
  const named = refName ? entries.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] === refName) : entries;
  if (named.length !== 1) {
    throw new Error(`OCI layout ${dir}: expected one image${refName ? ` named ${refName}` : ""}, found ${named.length}`);
  }
  let descriptor = named[0];
  for (let depth = 0; ; depth++) {
    const bytes = await readBlob(dir, descriptor);
    const parsed = JSON.parse(bytes.toString("utf8")) as {
      mediaType?: string;
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    const mediaType = descriptor.mediaType ?? parsed.mediaType ?? OCI_MANIFEST;
    if (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST || parsed.manifests) {
      if (depth > 2) throw new Error(`OCI layout ${dir}: indexes nested too deeply`);
      const images = (parsed.manifests ?? []).filter((m) => m.platform && m.platform.os !== "unknown");
      const amd64 = images.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
      const pick = amd64 ?? (images.length === 1 ? images[0] : undefined);
      if (!pick) throw new Error(`OCI layout ${dir}: the image index has no linux/amd64 manifest`);
      descriptor = pick;
      continue;
    }
    if (!parsed.config || !Array.isArray(parsed.layers)) throw new Error(`OCI layout ${dir}: ${descriptor.digest} is not an image manifest`);
    const blobs: ImageBlob[] = [];
    for (const d of [parsed.config, ...parsed.layers]) {
      const file = blobPath(dir, d.digest);
      const st = await fs.stat(file).catch(() => null);
      if (!st) throw new Error(`OCI layout ${dir}: blob ${d.digest} is missing`);
      if (st.size !== d.size) throw new Error(`OCI layout ${dir}: blob ${d.digest} is ${st.size} bytes, manifest says ${d.size}`);
      blobs.push({ digest: d.digest, size: d.size, mediaType: d.mediaType ?? "", path: file });
    }
    return {
      manifestBytes: bytes,
      manifestMediaType: mediaType,
      manifestDigest: descriptor.digest,
      configDigest: parsed.config.digest,
      blobs,
    };
  }
}

async function readBlob(dir: string, d: Descriptor): Promise<Buffer> {
  const bytes = await fs.readFile(blobPath(dir, d.digest));
  const actual = "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex");
  if (actual !== d.digest) throw new Error(`OCI layout ${dir}: blob ${d.digest} has digest ${actual}`);
  return bytes;
}

function blobPath(dir: string, digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`unsupported digest ${digest}`);
  return path.join(dir, "blobs", "sha256", m[1]);
}
