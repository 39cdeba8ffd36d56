import { createHash } from "node:crypto";
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
  type ECRClient,
} from "@aws-sdk/client-ecr";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Uploads `data` as a blob of the repository unless it is there already; returns its digest. */
export async function uploadBlobOnce(ecr: ECRClient, repositoryName: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const have = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [digest] }));
  if (have.layers?.[0]?.layerAvailability === "AVAILABLE") return digest;
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: data.length - 1, layerPartBlob: data }));
  await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  return digest;
}

/**
 * Pushes an OCI image made of `config` and `layers` through the ECR API (blobs, then PutImage once per tag, or once
 * untagged); returns the exact manifest text and its digest.
 */
export async function pushOciImage(
  ecr: ECRClient,
  repositoryName: string,
  { config, layers, tags = [] }: { config: Buffer; layers: { data: Buffer; mediaType: string; annotations?: Record<string, string> }[]; tags?: string[] },
): Promise<{ manifest: string; digest: string }> {
  const configDigest = await uploadBlobOnce(ecr, repositoryName, config);
  const layerDescriptors = [];
  for (const l of layers) {
    layerDescriptors.push({ mediaType: l.mediaType, digest: await uploadBlobOnce(ecr, repositoryName, l.data), size: l.data.length, ...(l.annotations ? { annotations: l.annotations } : {}) });
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: layerDescriptors,
  });
  const digest = sha(manifest);
  for (const imageTag of tags.length ? tags : [undefined]) {
    try {
      await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json", imageDigest: digest, imageTag }));
    } catch (err) {
      if ((err as Error).name !== "ImageAlreadyExistsException") throw err;
    }
  }
  return { manifest, digest };
}

/** A small linux/amd64 image (one uncompressed layer holding `text`), pushed with `tags`. */
export function pushAmd64Image(ecr: ECRClient, repositoryName: string, text: string, tags: string[]) {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } }));
  return pushOciImage(ecr, repositoryName, { config, layers: [{ data: Buffer.from(text), mediaType: "application/vnd.oci.image.layer.v1.tar" }], tags });
}

/**
 * Test helper, a port of shared/field-cases/ecr-latest-attestation-index/make_index.py: turns `latest` of a repository
 * into what `docker buildx build --push` (BuildKit >= 0.11, provenance on by default) leaves behind, an OCI image index
 * holding the linux/amd64 image and an attestation manifest listed as platform unknown/unknown, through the ECR API
 * only. Returns the three digests.
 */
export async function makeAttestationIndex(ecr: ECRClient, repositoryName: string): Promise<{ child: string; attestation: string; index: string }> {
  const got = await ecr.send(
    new BatchGetImageCommand({
      repositoryName,
      imageIds: [{ imageTag: "latest" }],
      acceptedMediaTypes: ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"],
    }),
  );
  const img = got.images?.[0];
  if (!img?.imageManifest) throw new Error(`${repositoryName} has no latest`);
  const childBytes = Buffer.from(img.imageManifest);
  const childDigest = sha(childBytes);
  const childType = (JSON.parse(img.imageManifest) as { mediaType?: string }).mediaType ?? img.imageManifestMediaType;

  // BuildKit's attestation manifest: an almost empty config and one in-toto layer.
  const statement = Buffer.from(
    JSON.stringify({
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://slsa.dev/provenance/v0.2",
      subject: [{ name: `pkg:docker/${repositoryName}@latest`, digest: { sha256: childDigest.slice(7) } }],
      predicate: { builder: { id: "" }, buildType: "https://mobyproject.org/buildkit@v1" },
    }),
  );
  const cfg = Buffer.from(JSON.stringify({ architecture: "unknown", os: "unknown", config: {}, rootfs: { type: "layers", diff_ids: [sha(statement)] } }));
  const att = await pushOciImage(ecr, repositoryName, {
    config: cfg,
    layers: [{ data: statement, mediaType: "application/vnd.in-toto+json", annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" } }],
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      { mediaType: childType, digest: childDigest, size: childBytes.length, platform: { architecture: "amd64", os: "linux" } },
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: att.digest,
        size: Buffer.byteLength(att.manifest),
        annotations: { "vnd.docker.reference.digest": childDigest, "vnd.docker.reference.type": "attestation-manifest" },
        platform: { architecture: "unknown", os: "unknown" },
      },
    ],
  });
  const indexDigest = sha(index);
  await ecr.send(
    new PutImageCommand({ repositoryName, imageManifest: index, imageManifestMediaType: "application/vnd.oci.image.index.v1+json", imageDigest: indexDigest, imageTag: "latest" }),
  );
  return { child: childDigest, attestation: att.digest, index: indexDigest };
}

/**
 * What `cosign sign` leaves for `subject` (its digest, size and media type): an artifact with a signature layer, either
 * tagged `sha256-<hex>.sig` as cosign's tag scheme does (`how.tag`) or as an OCI 1.1 referrer with a `subject` field
 * (`how.withSubject`). Returns the signature manifest's digest.
 */
export async function pushCosignSignature(ecr: ECRClient, repositoryName: string, subject: { digest: string; size: number; mediaType: string }, how: { tag?: string; withSubject?: boolean }) {
  const empty = Buffer.from("{}");
  const layer = Buffer.from(JSON.stringify({ critical: { image: { "docker-manifest-digest": subject.digest } }, how }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    ...(how.withSubject ? { artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" } : {}),
    config: { mediaType: how.withSubject ? "application/vnd.oci.empty.v1+json" : "application/vnd.oci.image.config.v1+json", digest: await uploadBlobOnce(ecr, repositoryName, empty), size: 2 },
    layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: await uploadBlobOnce(ecr, repositoryName, layer), size: layer.length }],
    ...(how.withSubject ? { subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } } : {}),
  });
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json", imageTag: how.tag }));
  return sha(manifest);
}

/** A one-layer linux image of `architecture` (its layer holds the name), untagged; returns its manifest and digest. */
export function pushPlatformImage(ecr: ECRClient, repositoryName: string, architecture: string) {
  const config = Buffer.from(JSON.stringify({ architecture, os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } }));
  return pushOciImage(ecr, repositoryName, { config, layers: [{ data: Buffer.from(`${architecture} layer`), mediaType: "application/vnd.oci.image.layer.v1.tar" }] });
}

const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/**
 * What `docker buildx build --platform linux/amd64,linux/arm64 --push` leaves (BuildKit, provenance on): a Docker
 * manifest list of an amd64 and an arm64 image (`arm64Variant` written when given) and an attestation manifest for
 * amd64 listed as unknown/unknown with BuildKit's annotations, tagged latest. Returns the parts and the list's
 * digest, size and media type (a `subject` for referrers).
 */
export async function pushMultiPlatformList(ecr: ECRClient, repositoryName: string, opts: { arm64Variant?: string } = {}) {
  const amd64 = await pushPlatformImage(ecr, repositoryName, "amd64");
  const arm64 = await pushPlatformImage(ecr, repositoryName, "arm64");
  const att = await pushOciImage(ecr, repositoryName, {
    config: Buffer.from(JSON.stringify({ architecture: "unknown", os: "unknown", config: {}, rootfs: { type: "layers", diff_ids: [] } })),
    layers: [{ data: Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}'), mediaType: "application/vnd.in-toto+json" }],
  });
  const entry = (m: { manifest: string; digest: string }, platform: object, annotations?: object) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: m.digest,
    size: Buffer.byteLength(m.manifest),
    platform,
    ...(annotations ? { annotations } : {}),
  });
  const list = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST_LIST,
    manifests: [
      entry(amd64, { architecture: "amd64", os: "linux" }),
      entry(arm64, { architecture: "arm64", os: "linux", ...(opts.arm64Variant ? { variant: opts.arm64Variant } : {}) }),
      entry(att, { architecture: "unknown", os: "unknown" }, { "vnd.docker.reference.digest": amd64.digest, "vnd.docker.reference.type": "attestation-manifest" }),
    ],
  });
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: list, imageManifestMediaType: DOCKER_MANIFEST_LIST, imageTag: "latest" }));
  return { amd64, arm64, att, index: sha(list), subject: { digest: sha(list), size: Buffer.byteLength(list), mediaType: DOCKER_MANIFEST_LIST } };
}
