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
    const nested = nestIndexChildren(images, new Map<string, ManifestRefs>([[d("6"), sbomRefs]]));
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
