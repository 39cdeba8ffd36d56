import crypto from "node:crypto";
import { OCI_INDEX } from "../../integrations/build/read-oci-layout";
import { isAttestationEntry, variantOf, parseManifest, type IndexEntry, type RemoteManifest } from "./decide-push";

/** One platform's image of a multi-platform build, as built locally. */
export interface PlatformImage {
  /** OCI platform, "linux/arm64" or "linux/arm/v7". */
  platform: string;
  manifestDigest: string;
  manifestSize: number;
  manifestMediaType: string;
  configDigest: string;
}

/** The OCI platform object of "os/arch[/variant]" (OCI image-index spec, "platform"). */
export function platformObject(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split("/");
  return variant ? { architecture, os, variant } : { architecture, os };
}

/**
 * The OCI image index of a multi-platform build: one entry per platform, in the order given, with exact bytes and
 * digest (OCI image-spec image-index.md). Same images in the same order give the same bytes.
 */
export function makeImageIndex(images: PlatformImage[]): { bytes: Buffer; digest: string; mediaType: string } {
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((i) => ({ mediaType: i.manifestMediaType, digest: i.manifestDigest, size: i.manifestSize, platform: platformObject(i.platform) })),
  };
  const bytes = Buffer.from(JSON.stringify(doc), "utf8");
  return { bytes, digest: "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex"), mediaType: OCI_INDEX };
}

export type IndexPushDecision =
  | { action: "push"; reason: "repository-missing" | "latest-missing" | "platforms-differ" | "config-differs" | "unreadable-remote"; detail?: string }
  | { action: "skip"; reason: "config-matches" }
  /** Fetch this entry of `latest` (BatchGetImage by digest) and decide again with it in `children`. */
  | { action: "fetch"; digest: string; mediaType?: string };

/** Same os/architecture/variant, an absent variant counting as the architecture's default (arm64 = arm64/v8). */
const samePlatform = (e: IndexEntry, p: string) => {
  const want = platformObject(p);
  return e.platform?.os === want.os && e.platform.architecture === want.architecture && variantOf(want.architecture, e.platform.variant) === variantOf(want.architecture, want.variant);
};

/**
 * The digest compare for a multi-platform build, per platform: skip only when `latest` is an index whose platforms
 * (attestation entries, isAttestationEntry, left out) are exactly the local ones and each entry's config digest equals
 * the local image's. A single-image `latest` never matches a multi-platform build.
 */
export function decideIndexPush({
  local,
  remote,
}: {
  local: Pick<PlatformImage, "platform" | "configDigest">[];
  remote: { repository: "missing" } | { latest: "missing" } | { latest: RemoteManifest; children: Record<string, RemoteManifest> };
}): IndexPushDecision {
  if ("repository" in remote) return { action: "push", reason: "repository-missing" };
  if (remote.latest === "missing") return { action: "push", reason: "latest-missing" };
  const top = parseManifest(remote.latest);
  if ("error" in top) return { action: "push", reason: "unreadable-remote", detail: top.error };
  if (top.kind !== "index") return { action: "push", reason: "platforms-differ", detail: "latest is a single-platform image" };
  const entries = top.entries.filter((e) => !isAttestationEntry(e));
  const remotePlatforms = entries.map((e) => [e.platform?.os, e.platform?.architecture, e.platform?.variant].filter(Boolean).join("/"));
  // Exactly one entry per local platform: two entries for one platform (an annotated "attestation" claiming a real
  // platform is one, isAttestationEntry) leave the choice to the puller, so comparing either could skip wrongly.
  if (entries.length !== local.length || !local.every((l) => entries.filter((e) => samePlatform(e, l.platform)).length === 1)) {
    return { action: "push", reason: "platforms-differ", detail: `latest has ${remotePlatforms.join(", ") || "no platform"}` };
  }
  for (const l of local) {
    const entry = entries.find((e) => samePlatform(e, l.platform))!;
    const child = remote.children[entry.digest];
    if (!child) return { action: "fetch", digest: entry.digest, mediaType: entry.mediaType };
    const parsed = parseManifest(child);
    if ("error" in parsed || parsed.kind !== "image") return { action: "push", reason: "unreadable-remote", detail: `${l.platform} entry ${entry.digest}` };
    if (parsed.digest && parsed.digest !== entry.digest.toLowerCase()) return { action: "push", reason: "unreadable-remote", detail: `${l.platform} entry is not ${entry.digest}` };
    if (parsed.configDigest !== l.configDigest.toLowerCase()) return { action: "push", reason: "config-differs", detail: `${l.platform} differs` };
  }
  return { action: "skip", reason: "config-matches" };
}
