import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { decidePush } from "./decide-push";

const d = (s: string) => "sha256:" + crypto.createHash("sha256").update(s).digest("hex");
const LOCAL = d("local-config");
const OTHER = d("other-config");

const ociManifest = (config: string, withMediaType = true) =>
  JSON.stringify({
    schemaVersion: 2,
    ...(withMediaType ? { mediaType: "application/vnd.oci.image.manifest.v1+json" } : {}),
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 10 },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: d("layer"), size: 5 }],
  });
const dockerManifest = (config: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 7023, digest: config },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 32654, digest: d("l") }],
  });
const entry = (manifest: string, platform: object | undefined, mediaType = "application/vnd.oci.image.manifest.v1+json") => ({
  mediaType,
  digest: d(manifest),
  size: manifest.length,
  ...(platform ? { platform } : {}),
});

describe("decidePush", () => {
  it("pushes when the repository or latest is missing", () => {
    expect(decidePush({ localConfigDigest: LOCAL, remote: { repository: "missing" } })).toEqual({ action: "push", reason: "repository-missing" });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: "missing" } })).toEqual({ action: "push", reason: "latest-missing" });
  });

  it("skips an equal config digest in OCI and Docker v2 manifests, as string, bytes or parsed", () => {
    for (const manifest of [ociManifest(LOCAL), dockerManifest(LOCAL), ociManifest(LOCAL, false)]) {
      for (const form of [manifest, Buffer.from(manifest), JSON.parse(manifest)]) {
        expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: form } } })).toEqual({
          action: "skip",
          reason: "config-matches",
          remoteConfigDigest: LOCAL,
        });
      }
    }
  });

  it("pushes when the config digest differs, even if everything else is equal", () => {
    expect(
      decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: dockerManifest(OTHER), mediaType: "application/vnd.docker.distribution.manifest.v2+json" } } }),
    ).toEqual({ action: "push", reason: "config-differs", remoteConfigDigest: OTHER });
  });

  it("compares digests case-insensitively in hex", () => {
    const upper = "sha256:" + LOCAL.slice(7).toUpperCase();
    expect(decidePush({ localConfigDigest: upper, remote: { latest: { manifest: ociManifest(LOCAL) } } }).action).toBe("skip");
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: ociManifest(upper) } } }).action).toBe("skip");
  });

  it("asks for the linux/amd64 entry of an index, then decides with it", () => {
    const amd = ociManifest(LOCAL);
    const arm = ociManifest(OTHER);
    const amdV3 = ociManifest(d("v3"));
    const att = ociManifest(d("attestation"));
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        entry(arm, { os: "linux", architecture: "arm64", variant: "v8" }),
        entry(amdV3, { os: "linux", architecture: "amd64", variant: "v3" }),
        entry(amd, { os: "linux", architecture: "amd64" }),
        entry(att, { os: "unknown", architecture: "unknown" }),
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "not-a-digest", platform: { os: "linux", architecture: "amd64" } },
      ],
    });
    const first = decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index } } });
    expect(first).toEqual({ action: "fetch", digest: d(amd), mediaType: "application/vnd.oci.image.manifest.v1+json" });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index }, child: { manifest: amd } } })).toMatchObject({ action: "skip" });
    expect(decidePush({ localConfigDigest: OTHER, remote: { latest: { manifest: index }, child: { manifest: amd } } })).toEqual({
      action: "push",
      reason: "config-differs",
      remoteConfigDigest: LOCAL,
    });
    // The wrong manifest handed back as the child is caught by its digest.
    expect(decidePush({ localConfigDigest: OTHER, remote: { latest: { manifest: index }, child: { manifest: arm } } })).toMatchObject({
      action: "push",
      reason: "unreadable-remote",
    });
  });

  it("compares with the index entry of the platform the image was built for, not always linux/amd64 (OCI image-index.md platform; arm64 = arm64/v8)", () => {
    const amd = ociManifest(OTHER);
    const arm = ociManifest(LOCAL);
    const att = ociManifest(d("attestation"));
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
      manifests: [
        entry(amd, { os: "linux", architecture: "amd64" }),
        // BuildKit's provenance attestation for the arm64 image: platform unknown/unknown, never the image.
        { ...entry(att, { os: "unknown", architecture: "unknown" }), annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d(arm) } },
        entry(arm, { os: "linux", architecture: "arm64", variant: "v8" }),
      ],
    });
    const remote = { latest: { manifest: index } };
    for (const platform of ["linux/arm64", "linux/arm64/v8"]) {
      expect(decidePush({ localConfigDigest: LOCAL, platform, remote })).toMatchObject({ action: "fetch", digest: d(arm) });
      expect(decidePush({ localConfigDigest: LOCAL, platform, remote: { ...remote, child: { manifest: arm } } })).toMatchObject({ action: "skip", reason: "config-matches" });
    }
    expect(decidePush({ localConfigDigest: OTHER, platform: "linux/amd64", remote })).toMatchObject({ action: "fetch", digest: d(amd) });
    expect(decidePush({ localConfigDigest: LOCAL, platform: "linux/arm/v7", remote })).toMatchObject({ action: "push", reason: "no-linux-amd64", detail: "latest is an image index without a linux/arm/v7 image" });
  });

  it("counts an annotated attestation that claims a real platform as an image of it: two entries for one platform push, never skip", () => {
    // Pullers of linux/amd64 may take A, the first entry; comparing only B (equal to the local build) would skip.
    const a = ociManifest(OTHER);
    const b = ociManifest(LOCAL);
    const annotated = { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d(b) };
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...entry(a, { os: "linux", architecture: "amd64" }), annotations: annotated }, entry(b, { os: "linux", architecture: "amd64" })],
    });
    const expected = { action: "push", reason: "ambiguous-platform", detail: "latest is an image index with 2 linux/amd64 images" };
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index } } })).toEqual(expected);
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index }, child: { manifest: b } } })).toEqual(expected);
    // Alone, an annotated entry claiming linux/amd64 is the linux/amd64 image and is compared.
    const alone = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ ...entry(a, { os: "linux", architecture: "amd64" }), annotations: annotated }] });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: alone } } })).toMatchObject({ action: "fetch", digest: d(a) });
    // Annotated with no platform, or unknown/unknown: BuildKit's attestation, left out.
    const buildkit = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...entry(a, undefined), annotations: annotated }, { ...entry(ociManifest(d("att")), { os: "unknown", architecture: "unknown" }) }, entry(b, { os: "linux", architecture: "amd64" })],
    });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: buildkit }, child: { manifest: b } } })).toMatchObject({ action: "skip" });
  });

  it("pushes over two linux/amd64 images of other variants rather than compare one (amd64 v2 and v3, no v1)", () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [entry(ociManifest(LOCAL), { os: "linux", architecture: "amd64", variant: "v2" }), entry(ociManifest(OTHER), { os: "linux", architecture: "amd64", variant: "v3" })],
    });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index } } })).toMatchObject({ action: "push", reason: "ambiguous-platform" });
    expect(decidePush({ localConfigDigest: LOCAL, platform: "linux/amd64/v2", remote: { latest: { manifest: index } } })).toMatchObject({ action: "fetch", digest: d(ociManifest(LOCAL)) });
  });

  it("handles a Docker manifest list, identified only by the API's media type", () => {
    const amd = dockerManifest(LOCAL);
    const list = JSON.stringify({
      schemaVersion: 2,
      manifests: [entry(amd, { os: "linux", architecture: "amd64" }, "application/vnd.docker.distribution.manifest.v2+json")],
    });
    const remote = { latest: { manifest: list, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json" } };
    expect(decidePush({ localConfigDigest: LOCAL, remote })).toMatchObject({ action: "fetch", digest: d(amd) });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { ...remote, child: { manifest: JSON.parse(amd) } } })).toMatchObject({ action: "skip" });
  });

  it("pushes over an index with no linux/amd64 image", () => {
    const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [entry("x", { os: "linux", architecture: "arm64" }), entry("y", undefined)] };
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: index } } })).toMatchObject({ action: "push", reason: "no-linux-amd64" });
  });

  it("pushes over a latest it cannot read, instead of skipping", () => {
    const bad: unknown[] = [
      "not json",
      "[]",
      JSON.stringify({ schemaVersion: 1, fsLayers: [], name: "x" }),
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", layers: [] }),
      JSON.stringify({ schemaVersion: 2, config: { digest: "md5:abc" }, layers: [] }),
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.artifact.manifest.v1+json", config: { digest: LOCAL } }),
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json" }),
    ];
    for (const manifest of bad) {
      expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: manifest as string } } })).toMatchObject({
        action: "push",
        reason: "unreadable-remote",
      });
    }
    expect(
      decidePush({
        localConfigDigest: LOCAL,
        remote: { latest: { manifest: ociManifest(LOCAL), mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws" } },
      }),
    ).toMatchObject({ action: "skip" });
  });

  it("does not follow an index nested in an index", () => {
    const inner = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] });
    const outer = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [entry(inner, { os: "linux", architecture: "amd64" })] });
    expect(decidePush({ localConfigDigest: LOCAL, remote: { latest: { manifest: outer }, child: { manifest: inner } } })).toMatchObject({
      action: "push",
      reason: "unreadable-remote",
      detail: "nested image indexes are not followed",
    });
  });
});
