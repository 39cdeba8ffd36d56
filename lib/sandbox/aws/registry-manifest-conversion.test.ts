import { describe, expect, it } from "vitest";
import { acceptedMediaTypes, negotiateManifest } from "./registry-manifest-conversion";

const DOCKER = "application/vnd.docker.distribution.manifest.v2+json";
const OCI = "application/vnd.oci.image.manifest.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";
const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

const dockerImage = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER,
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 10, digest: d(1) },
    layers: [
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 20, digest: d(2) },
      { mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", size: 30, digest: d(3), urls: ["https://example.com/l"] },
    ],
  }),
);
const ociImage = (extra: Record<string, unknown> = {}, layerType = "application/vnd.oci.image.layer.v1.tar+gzip") =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 10, digest: d(1) },
      layers: [{ mediaType: layerType, size: 20, digest: d(2), annotations: { a: "b" } }],
      annotations: { "org.opencontainers.image.created": "x" },
      ...extra,
    }),
  );

describe("acceptedMediaTypes", () => {
  it("splits repeated and comma-joined Accept values and drops parameters", () => {
    expect(acceptedMediaTypes([`${OCI}; q=0.9, ${DOCKER}`, "*/*"])).toEqual([OCI, DOCKER, "*/*"]);
    expect(acceptedMediaTypes(undefined)).toEqual([]);
    expect(acceptedMediaTypes(" , ")).toEqual([]);
  });
});

describe("negotiateManifest (ECR's conversion on pull by tag)", () => {
  it("serves the stored bytes when the client accepts them, sends no Accept, or asks by digest", () => {
    for (const accepted of [[DOCKER], [], ["*/*"], [OCI, DOCKER]]) expect(negotiateManifest({ body: dockerImage, mediaType: DOCKER }, accepted, true)).toEqual({ body: dockerImage, mediaType: DOCKER, converted: false });
    expect(negotiateManifest({ body: dockerImage, mediaType: DOCKER }, [OCI], false).converted).toBe(false);
  });

  it("turns Docker schema 2 into OCI for an OCI-only client, keeping digests, sizes and URLs", () => {
    const out = negotiateManifest({ body: dockerImage, mediaType: DOCKER }, [OCI], true);
    expect(out.mediaType).toBe(OCI);
    expect(JSON.parse(out.body.toString())).toEqual({
      schemaVersion: 2,
      mediaType: OCI,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 10, digest: d(1) },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: 20, digest: d(2) },
        { mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", size: 30, digest: d(3), urls: ["https://example.com/l"] },
      ],
    });
  });

  it("turns an OCI image into Docker schema 2 for a Docker-only client, dropping annotations Docker has no place for", () => {
    const out = negotiateManifest({ body: ociImage(), mediaType: OCI }, [DOCKER], true);
    expect(out.mediaType).toBe(DOCKER);
    const m = JSON.parse(out.body.toString());
    expect(m.annotations).toBeUndefined();
    expect(m.layers).toEqual([{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 20, digest: d(2) }]);
  });

  it("leaves what has no equivalent as stored: zstd layers, artifacts, referrers, indexes, broken JSON", () => {
    const stored = (body: Buffer, mediaType = OCI) => negotiateManifest({ body, mediaType }, [DOCKER], true).converted;
    expect(stored(ociImage({}, "application/vnd.oci.image.layer.v1.tar+zstd"))).toBe(false);
    expect(stored(ociImage({ artifactType: "application/vnd.example.sbom" }))).toBe(false);
    expect(stored(ociImage({ subject: { mediaType: OCI, digest: d(9), size: 1 } }))).toBe(false);
    expect(stored(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [] })), INDEX)).toBe(false);
    expect(stored(Buffer.from("{broken"))).toBe(false);
    expect(negotiateManifest({ body: dockerImage, mediaType: DOCKER }, ["application/vnd.docker.distribution.manifest.v1+prettyjws"], true).body).toBe(dockerImage);
  });
});
