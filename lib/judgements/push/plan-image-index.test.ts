import { describe, expect, it } from "vitest";
import { decideIndexPush, makeImageIndex, type PlatformImage } from "./plan-image-index";

const d = (n: number) => "sha256:" + String(n).repeat(64).slice(0, 64);
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const images: PlatformImage[] = [
  { platform: "linux/amd64", manifestDigest: d(1), manifestSize: 400, manifestMediaType: OCI_MANIFEST, configDigest: d(3) },
  { platform: "linux/arm/v7", manifestDigest: d(2), manifestSize: 401, manifestMediaType: OCI_MANIFEST, configDigest: d(4) },
];
const image = (config: string) => ({ manifest: { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: config }, layers: [] } });

describe("makeImageIndex", () => {
  it("lists each platform in order with its descriptor, reproducibly", () => {
    const index = makeImageIndex(images);
    expect(JSON.parse(index.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { mediaType: OCI_MANIFEST, digest: d(1), size: 400, platform: { architecture: "amd64", os: "linux" } },
        { mediaType: OCI_MANIFEST, digest: d(2), size: 401, platform: { architecture: "arm", os: "linux", variant: "v7" } },
      ],
    });
    expect(makeImageIndex(images).digest).toBe(index.digest);
    expect(index.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("decideIndexPush", () => {
  const local = images.map(({ platform, configDigest }) => ({ platform, configDigest }));
  const remoteIndex = (entries: unknown[]) => ({ manifest: { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: entries } });
  const entry = (digest: string, platform: Record<string, string> | undefined) => ({ mediaType: OCI_MANIFEST, digest, size: 1, ...(platform ? { platform } : {}) });

  it("pushes when there is no repository, no latest, or latest is one image", () => {
    expect(decideIndexPush({ local, remote: { repository: "missing" } })).toMatchObject({ action: "push", reason: "repository-missing" });
    expect(decideIndexPush({ local, remote: { latest: "missing" } })).toMatchObject({ action: "push", reason: "latest-missing" });
    expect(decideIndexPush({ local, remote: { latest: image(d(3)), children: {} } })).toMatchObject({ action: "push", reason: "platforms-differ" });
  });

  it("fetches each platform's entry, then skips only when every config matches; attestations do not count", () => {
    const latest = remoteIndex([
      entry(d(5), { os: "linux", architecture: "amd64" }),
      entry(d(6), { os: "linux", architecture: "arm", variant: "v7" }),
      entry(d(7), { os: "unknown", architecture: "unknown" }),
    ]);
    expect(decideIndexPush({ local, remote: { latest, children: {} } })).toEqual({ action: "fetch", digest: d(5), mediaType: OCI_MANIFEST });
    expect(decideIndexPush({ local, remote: { latest, children: { [d(5)]: image(d(3)) } } })).toEqual({ action: "fetch", digest: d(6), mediaType: OCI_MANIFEST });
    expect(decideIndexPush({ local, remote: { latest, children: { [d(5)]: image(d(3)), [d(6)]: image(d(4)) } } })).toEqual({ action: "skip", reason: "config-matches" });
    expect(decideIndexPush({ local, remote: { latest, children: { [d(5)]: image(d(3)), [d(6)]: image(d(8)) } } })).toEqual({
      action: "push",
      reason: "config-differs",
      detail: "linux/arm/v7 differs",
    });
  });

  it("leaves out BuildKit's attestations (unknown/unknown, or annotated without a platform), and takes arm64 as arm64/v8", () => {
    const two = [
      { platform: "linux/amd64", configDigest: d(3) },
      { platform: "linux/arm64", configDigest: d(4) },
    ];
    const annotations = { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d(5) };
    const latest = remoteIndex([
      entry(d(5), { os: "linux", architecture: "amd64" }),
      entry(d(6), { os: "linux", architecture: "arm64", variant: "v8" }),
      { ...entry(d(7), { os: "unknown", architecture: "unknown" }), annotations },
      { ...entry(d(9), undefined), annotations },
    ]);
    expect(decideIndexPush({ local: two, remote: { latest, children: { [d(5)]: image(d(3)), [d(6)]: image(d(4)) } } })).toEqual({ action: "skip", reason: "config-matches" });
  });

  it("counts an annotated attestation that claims a real platform as an image of it: two entries for one platform push, never skip", () => {
    const one = [{ platform: "linux/amd64", configDigest: d(3) }];
    const annotations = { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d(5) };
    // Pullers may take d(7), the first linux/amd64 entry; d(5) equals the local build.
    const latest = remoteIndex([{ ...entry(d(7), { os: "linux", architecture: "amd64" }), annotations }, entry(d(5), { os: "linux", architecture: "amd64" })]);
    expect(decideIndexPush({ local: one, remote: { latest, children: { [d(5)]: image(d(3)), [d(7)]: image(d(3)) } } })).toMatchObject({ action: "push", reason: "platforms-differ" });
    // With as many entries as local platforms, a duplicate still leaves one local platform without its own entry.
    const two = [
      { platform: "linux/amd64", configDigest: d(3) },
      { platform: "linux/amd64/v1", configDigest: d(3) },
    ];
    expect(decideIndexPush({ local: two, remote: { latest, children: { [d(5)]: image(d(3)), [d(7)]: image(d(3)) } } })).toMatchObject({ action: "push", reason: "platforms-differ" });
  });

  it("pushes when the platforms differ: one missing, one more, or another variant", () => {
    const amd = entry(d(5), { os: "linux", architecture: "amd64" });
    expect(decideIndexPush({ local, remote: { latest: remoteIndex([amd]), children: {} } })).toMatchObject({ action: "push", reason: "platforms-differ", detail: "latest has linux/amd64" });
    const v6 = entry(d(6), { os: "linux", architecture: "arm", variant: "v6" });
    expect(decideIndexPush({ local, remote: { latest: remoteIndex([amd, v6]), children: {} } })).toMatchObject({ reason: "platforms-differ" });
    const s390 = entry(d(8), { os: "linux", architecture: "s390x" });
    const v7 = entry(d(6), { os: "linux", architecture: "arm", variant: "v7" });
    expect(decideIndexPush({ local, remote: { latest: remoteIndex([amd, v7, s390]), children: {} } })).toMatchObject({ reason: "platforms-differ" });
  });
});
