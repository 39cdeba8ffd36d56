import fs from "node:fs";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchGetManifests, describeImages } from "../../integrations/aws/ecr";
import { checkRemoteImage } from "../../integrations/aws/read-remote-image";
import { startTestSandbox, type TestSandbox } from "../../sandbox/aws/test-helpers";
import { makeAttestationIndex, pushAmd64Image } from "../../tooling/testing/make-attestation-index";
import { summarizeImages } from "./image-facts";
import { isIndexMediaType, readManifestRefs, type ManifestRefs } from "./manifest-refs";
import { nestIndexChildren } from "./nest-index-children";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const img = (digest: string, tags: string[] = []) => ({ digest, tags, pushedAt: "2024-01-01T00:00:00Z" });
const index = (entries: object[]) => readManifestRefs(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: entries }));

const manifest = (configType: string | null, layerTypes: string[], extra: object = {}) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { ...(configType ? { mediaType: configType } : {}), digest: d("e"), size: 2 },
    layers: layerTypes.map((mediaType, i) => ({ mediaType, digest: d(String(i)), size: 10 })),
    ...extra,
  });
/** cosign's tag-scheme signature: an OCI image config and one simple signing layer (sigstore/cosign pkg/oci/static). */
const cosignSignature = () => readManifestRefs(manifest("application/vnd.oci.image.config.v1+json", ["application/vnd.dev.cosign.simplesigning.v1+json"]));
const cosignAttestation = () => readManifestRefs(manifest("application/vnd.oci.image.config.v1+json", ["application/vnd.dsse.envelope.v1+json"]));
/** An OCI 1.1 signature: empty config, cosign's artifact type. */
const ociSignature = () =>
  readManifestRefs(manifest("application/vnd.oci.empty.v1+json", ["application/vnd.dev.cosign.simplesigning.v1+json"], { artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" }));
const sbomArtifact = () => readManifestRefs(manifest("application/vnd.oci.empty.v1+json", ["application/spdx+json"], { artifactType: "application/spdx+json" }));
const dsseAttestation = () => readManifestRefs(manifest("application/vnd.oci.empty.v1+json", ["application/vnd.dsse.envelope.v1+json"], { artifactType: "application/vnd.dsse.envelope.v1+json" }));
const runnable = (configType = "application/vnd.oci.image.config.v1+json") => readManifestRefs(manifest(configType, ["application/vnd.oci.image.layer.v1.tar+gzip"]));

describe("nestIndexChildren", () => {
  const multi = index([
    { digest: d("a"), platform: { os: "linux", architecture: "amd64" } },
    { digest: d("b"), platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    { digest: d("c"), platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d("b") } },
    { digest: d("e"), platform: { os: "linux", architecture: "s390x" } },
  ]);

  it("reads BuildKit attestation manifests as attestations of the image they name", () => {
    expect(multi.kind === "index" && multi.children.map((c) => [c.platform, c.role, c.attests])).toEqual([
      ["linux/amd64", "image", null],
      ["linux/arm64/v8", "image", null],
      ["unknown/unknown", "attestation", d("b")],
      ["linux/s390x", "image", null],
    ]);
    // An unknown/unknown entry without annotations is still never the image to compare or run.
    const bare = index([{ digest: d("1"), platform: { os: "unknown", architecture: "unknown" } }]);
    expect(bare).toMatchObject({ kind: "index", linuxAmd64Digest: null, children: [{ role: "attestation", attests: null }] });
  });

  it("lists untagged entries inside their index, keeps tagged ones as rows, and says which are missing", () => {
    const images = [img(d("9"), ["latest"]), img(d("a"), ["abc1234"]), img(d("b")), img(d("c")), img(d("f"))];
    const nested = nestIndexChildren(images, new Map<string, ManifestRefs>([[d("9"), multi]]));
    expect(nested.top.map((i) => i.digest)).toEqual([d("9"), d("a"), d("f")]);
    expect(nested.children.get(d("9"))!.map((c) => [c.digest, c.role, c.present, c.attestsPlatform])).toEqual([
      [d("a"), "image", true, null],
      [d("b"), "image", true, null],
      [d("e"), "image", false, null],
      [d("c"), "attestation", true, "linux/arm64/v8"],
    ]);
    expect(nested.parents.get(d("a"))).toEqual([d("9")]);
    // The untagged count is about images people would prune, not the parts of an index.
    expect(summarizeImages(nested.top).untaggedCount).toBe(1);
    expect(summarizeImages(images).untaggedCount).toBe(3);
  });

  it("nests referrers under their subject: OCI 1.1 subject (DescribeImages subjectManifestDigest or the manifest) and cosign sha256-<hex>.sig/.att/.sbom tags", () => {
    const sig = { ...img(d("5")), subjectDigest: d("a"), artifactMediaType: "application/vnd.dev.cosign.artifact.sig.v1+json" };
    const sbom = img(d("6"));
    const cosignSig = img(d("7"), [`sha256-${"a".repeat(64)}.sig`]);
    const cosignAtt = img(d("8"), [`sha256-${"9".repeat(64)}.att`]);
    const dangling = { ...img(d("b")), subjectDigest: d("0"), artifactMediaType: "application/vnd.dev.cosign.artifact.sig.v1+json" };
    const taggedReferrer = { ...img(d("c"), ["release"]), subjectDigest: d("a") };
    const images = [img(d("9"), ["latest"]), img(d("a"), ["abc1234"]), sig, sbom, cosignSig, cosignAtt, dangling, taggedReferrer];
    // The SBOM's subject is only in its manifest (a registry without subjectManifestDigest).
    const sbomRefs = readManifestRefs(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/spdx+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: d("e"), size: 2 },
        layers: [{ mediaType: "application/spdx+json", digest: d("f"), size: 10 }],
        subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: d("9"), size: 100 },
      }),
    );
    expect(sbomRefs).toMatchObject({ kind: "image", subject: d("9"), artifactType: "application/spdx+json" });
    const refs = new Map<string, ManifestRefs>([
      [d("5"), ociSignature()],
      [d("6"), sbomRefs],
      [d("7"), cosignSignature()],
      [d("8"), cosignAttestation()],
      [d("b"), ociSignature()],
      [d("c"), ociSignature()],
    ]);
    const nested = nestIndexChildren(images, refs);
    expect(nested.top.map((i) => i.digest)).toEqual([d("9"), d("a"), d("b"), d("c")]);
    expect(nested.referrers.get(d("a"))!.map((r) => [r.digest, r.kind, r.source])).toEqual([
      [d("5"), "signature", "subject"],
      [d("7"), "signature", "cosign-tag"],
    ]);
    expect(nested.referrers.get(d("9"))!.map((r) => [r.digest, r.kind, r.source])).toEqual([
      [d("6"), "sbom", "subject"],
      [d("8"), "attestation", "cosign-tag"],
    ]);
    // A referrer whose subject is gone stays a row, labelled; one with an ordinary tag stays a row too.
    expect(nested.referrerOf.get(d("b"))).toMatchObject({ subject: d("0"), subjectPresent: false, kind: "signature" });
    expect(nested.referrerOf.get(d("c"))).toMatchObject({ subject: d("a"), subjectPresent: true });
    expect(summarizeImages(nested.top)).toMatchObject({ imageCount: 4, untaggedCount: 1, latestDigest: d("9") });
    // Unread, neither DescribeImages' subject nor a cosign tag makes a manifest a referrer: all are rows.
    expect(nestIndexChildren(images, new Map()).top).toHaveLength(images.length);
  });

  it("keeps a runnable image tagged only sha256-<latest>.sig a row, not a signature (the tag scheme is anyone's to use)", () => {
    const images = [img(d("9"), ["latest"]), img(d("7"), [`sha256-${"9".repeat(64)}.sig`])];
    for (const refs of [runnable(), runnable("application/vnd.docker.container.image.v1+json"), { ...runnable(), artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" } as ManifestRefs]) {
      const nested = nestIndexChildren(images, new Map([[d("7"), refs]]));
      expect(nested.top.map((i) => i.digest)).toEqual([d("9"), d("7")]);
      expect(nested.referrers.size).toBe(0);
      expect(nested.referrerOf.has(d("7"))).toBe(false);
    }
    // An image config with cosign's signature layer (cosign's own tag-scheme signatures) or an empty config is one.
    for (const refs of [cosignSignature(), ociSignature()]) {
      expect(nestIndexChildren(images, new Map([[d("7"), refs]])).referrers.get(d("9"))!.map((r) => r.digest)).toEqual([d("7")]);
    }
    // One signature layer next to an image layer still runs: an image.
    const mixed = readManifestRefs(manifest("application/vnd.oci.image.config.v1+json", ["application/vnd.dev.cosign.simplesigning.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip"]));
    expect(nestIndexChildren(images, new Map([[d("7"), mixed]])).top).toHaveLength(2);
  });

  it("never hides two images that name each other by cosign tags: both stay rows and are counted", () => {
    const a = img(d("a"), [`sha256-${"b".repeat(64)}.sig`]);
    const b = img(d("b"), [`sha256-${"a".repeat(64)}.sig`]);
    for (const refs of [new Map<string, ManifestRefs>([[d("a"), runnable()], [d("b"), runnable()]]), new Map([[d("a"), cosignSignature()], [d("b"), cosignSignature()]])]) {
      const nested = nestIndexChildren([img(d("9"), ["latest"]), a, b], refs);
      expect(nested.top.map((i) => i.digest)).toEqual([d("9"), d("a"), d("b")]);
      expect(nested.referrers.size).toBe(0);
      expect(summarizeImages(nested.top)).toMatchObject({ imageCount: 3, untaggedCount: 0 });
    }
    // A signature of one of them has no image to be shown with either, so it stays a row too.
    const c = img(d("c"), [`sha256-${"a".repeat(64)}.sig`]);
    const nested = nestIndexChildren([a, b, c], new Map([[d("a"), cosignSignature()], [d("b"), cosignSignature()], [d("c"), cosignSignature()]]));
    expect(nested.top.map((i) => i.digest)).toEqual([d("a"), d("b"), d("c")]);
  });

  it("shows a referrer of a referrer (an attestation of latest's SBOM) with latest, the image its chain ends at", () => {
    const sbom = { ...img(d("6")), subjectDigest: d("9") };
    const att = { ...img(d("7")), subjectDigest: d("6") };
    const sigOfAtt = img(d("8"), [`sha256-${"7".repeat(64)}.sig`]);
    const images = [img(d("9"), ["latest"]), sbom, att, sigOfAtt];
    const nested = nestIndexChildren(images, new Map<string, ManifestRefs>([[d("6"), sbomArtifact()], [d("7"), dsseAttestation()], [d("8"), cosignSignature()]]));
    expect(nested.top.map((i) => i.digest)).toEqual([d("9")]);
    expect(nested.referrers.get(d("9"))!.map((r) => [r.digest, r.subject, r.kind])).toEqual([
      [d("6"), d("9"), "sbom"],
      [d("7"), d("6"), "attestation"],
      [d("8"), d("7"), "signature"],
    ]);
    // Everything nested is shown under a row: nothing is only counted.
    const rows = new Set(nested.top.map((i) => i.digest));
    expect([...nested.referrers.keys()].every((k) => rows.has(k))).toBe(true);
    // An SBOM whose subject is gone is a row of its own (labelled), and its attestation is shown with that row.
    const orphan = nestIndexChildren([{ ...sbom, subjectDigest: d("0") }, att], new Map<string, ManifestRefs>([[d("6"), sbomArtifact()], [d("7"), dsseAttestation()]]));
    expect(orphan.top.map((i) => i.digest)).toEqual([d("6")]);
    expect(orphan.referrerOf.get(d("6"))).toMatchObject({ subjectPresent: false });
    expect(orphan.referrers.get(d("6"))!.map((r) => r.digest)).toEqual([d("7")]);
  });

  it("nests a referrer of an index entry with the index row, and hides index entries only inside an index that is a row", () => {
    const inner = index([{ digest: d("a"), platform: { os: "linux", architecture: "amd64" } }]);
    const outer = index([{ digest: d("1"), platform: { os: "linux", architecture: "amd64" } }]);
    const sigOfEntry = img(d("7"), [`sha256-${"a".repeat(64)}.sig`]);
    const refs = new Map<string, ManifestRefs>([[d("9"), inner], [d("7"), cosignSignature()]]);
    const nested = nestIndexChildren([img(d("9"), ["latest"]), img(d("a")), sigOfEntry], refs);
    expect(nested.top.map((i) => i.digest)).toEqual([d("9")]);
    expect(nested.referrers.get(d("a"))!.map((r) => r.digest)).toEqual([d("7")]);
    // Index 1 (untagged, inside index 0, a row) hides nothing it lists: it is not shown as a row.
    const deep = nestIndexChildren([img(d("0"), ["latest"]), img(d("1")), img(d("a"))], new Map([[d("0"), outer], [d("1"), inner]]));
    expect(deep.top.map((i) => i.digest)).toEqual([d("0"), d("a")]);
  });

  it("leaves images alone when an index could not be read", () => {
    const images = [img(d("9"), ["latest"]), img(d("a"))];
    expect(nestIndexChildren(images, new Map([[d("9"), { kind: "unreadable", reason: "x" } as ManifestRefs]])).top).toEqual(images);
  });
});

describe("field case ecr-latest-attestation-index against the sandbox's ECR", () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterAll(async () => {
    await t?.close();
    if (t) fs.rmSync(t.dataDir, { recursive: true, force: true });
  });

  it("latest becomes an index of the amd64 image and its provenance: one image with one attestation, nothing untagged", async () => {
    const ecr = t.ecr();
    const repositoryName = "storefront/web";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const pushed = await pushAmd64Image(ecr, repositoryName, "web layer", ["abc1234", "latest"]);

    const made = await makeAttestationIndex(ecr, repositoryName);
    expect(made.child).toBe(pushed.digest);

    // What the Registry page reads: DescribeImages, then the index manifests.
    const images = await describeImages({ ecr, repositoryName });
    expect(images).toHaveLength(3);
    const indexes = images.filter((i) => isIndexMediaType(i.manifestMediaType));
    expect(indexes.map((i) => [i.digest, i.tags])).toEqual([[made.index, ["latest"]]]);
    const { manifests } = await batchGetManifests({ ecr, repositoryName, digests: indexes.map((i) => i.digest) });
    const nested = nestIndexChildren(images, new Map(manifests.map((m) => [m.digest, readManifestRefs(m.manifest, m.mediaType)])));
    expect(nested.top.map((i) => i.digest).sort()).toEqual([made.child, made.index].sort());
    expect(nested.children.get(made.index)!.map((c) => [c.digest, c.platform, c.role, c.attestsPlatform])).toEqual([
      [made.child, "linux/amd64", "image", null],
      [made.attestation, "unknown/unknown", "attestation", "linux/amd64"],
    ]);
    expect(summarizeImages(nested.top)).toMatchObject({ imageCount: 2, untaggedCount: 0, latestDigest: made.index });
    expect(summarizeImages(images).untaggedCount).toBe(1);

    // And the push decision reads latest through its linux/amd64 entry, never the attestation.
    const localConfigDigest = (JSON.parse(pushed.manifest) as { config: { digest: string } }).config.digest;
    const remote = await checkRemoteImage({ ecr, repositoryName, localConfigDigest });
    expect(remote.decision).toMatchObject({ action: "skip", reason: "config-matches" });
  });
});
