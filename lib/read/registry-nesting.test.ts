import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchGetImageCommand, CreateRepositoryCommand, PutImageCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { describeImages } from "../integrations/aws/ecr";
import { summarizeImages } from "../judgements/registry/image-facts";
import { startTestSandbox, type TestSandbox } from "../sandbox/aws/test-helpers";
import { pushCosignSignature as pushSignature, pushMultiPlatformList, pushOciImage, pushPlatformImage, uploadBlobOnce } from "../tooling/testing/make-attestation-index";
import { nestedImages } from "./registry";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

describe("the Registry's images: index entries and referrers are not images of their own", () => {
  it("a Docker manifest list (amd64 + arm64 + attestation) signed by cosign both ways is one image, nothing untagged; also without DescribeImages' subjectManifestDigest", async () => {
    const ecr = t.ecr();
    const repositoryName = "reg/signed";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const { subject: index } = await pushMultiPlatformList(ecr, repositoryName);
    const ociSig = await pushSignature(ecr, repositoryName, index, { withSubject: true });
    const tagSig = await pushSignature(ecr, repositoryName, index, { tag: `sha256-${index.digest.slice(7)}.sig` });

    const listed = await describeImages({ ecr, repositoryName });
    expect(listed).toHaveLength(6);
    const ctx = { clients: { aws: { ecr, region: "us-east-1" } } } as unknown as Parameters<typeof nestedImages>[0];
    for (const list of [listed, listed.map((i) => ({ ...i, subjectDigest: null }))]) {
      const nested = await nestedImages(ctx, repositoryName, list);
      expect(nested.top.map((i) => i.digest)).toEqual([index.digest]);
      expect(nested.children.get(index.digest)!.map((c) => [c.platform, c.role])).toEqual([
        ["linux/amd64", "image"],
        ["linux/arm64", "image"],
        ["unknown/unknown", "attestation"],
      ]);
      // The kind of an OCI 1.1 referrer comes from its artifact type: "artifact" when only an empty config's type is known.
      expect(nested.referrers.get(index.digest)!.map((r) => [r.digest, r.source]).sort()).toEqual(
        [
          [ociSig, "subject"],
          [tagSig, "cosign-tag"],
        ].sort(),
      );
      expect(nested.referrerOf.get(tagSig)?.kind).toBe("signature");
      expect(summarizeImages(nested.top)).toMatchObject({ imageCount: 1, untaggedCount: 0, latestDigest: index.digest });
      expect(nested.unreadIndexes).toBeNull();
    }
  });

  it("what anyone with the push key can write does not hide an image: a runnable image tagged only sha256-<latest>.sig, two images tagged as each other's signatures; an SBOM's attestation is shown with latest", async () => {
    const ecr = t.ecr();
    const repositoryName = "reg/hostile";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const latest = await pushOciImage(ecr, repositoryName, {
      config: Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } })),
      layers: [{ data: Buffer.from("latest layer"), mediaType: "application/vnd.oci.image.layer.v1.tar" }],
      tags: ["latest"],
    });
    const cosignTag = (digest: string, suffix = "sig") => `sha256-${digest.slice(7)}.${suffix}`;
    // (b) A runnable image whose only tag is latest's signature tag.
    const fake = await pushPlatformImage(ecr, repositoryName, "s390x");
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: fake.manifest, imageManifestMediaType: OCI_MANIFEST, imageTag: cosignTag(latest.digest) }));
    // (a) Two runnable images, each tagged only as the other's signature.
    const a = await pushPlatformImage(ecr, repositoryName, "arm64");
    const b = await pushPlatformImage(ecr, repositoryName, "ppc64le");
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: a.manifest, imageManifestMediaType: OCI_MANIFEST, imageTag: cosignTag(b.digest) }));
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: b.manifest, imageManifestMediaType: OCI_MANIFEST, imageTag: cosignTag(a.digest) }));
    // (c) An SBOM of latest (OCI 1.1 subject), and an in-toto attestation of that SBOM (cosign's .att tag, DSSE layer).
    const sbomLayer = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    const empty = await uploadBlobOnce(ecr, repositoryName, Buffer.from("{}"));
    const sbom = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/spdx+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: empty, size: 2 },
      layers: [{ mediaType: "application/spdx+json", digest: await uploadBlobOnce(ecr, repositoryName, sbomLayer), size: sbomLayer.length }],
      subject: { mediaType: OCI_MANIFEST, digest: latest.digest, size: Buffer.byteLength(latest.manifest) },
    });
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: sbom, imageManifestMediaType: OCI_MANIFEST }));
    const envelope = Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}');
    const attOfSbom = await pushOciImage(ecr, repositoryName, { config: Buffer.from("{}"), layers: [{ data: envelope, mediaType: "application/vnd.dsse.envelope.v1+json" }], tags: [cosignTag(sha(sbom), "att")] });

    const listed = await describeImages({ ecr, repositoryName });
    expect(listed).toHaveLength(6);
    const ctx = { clients: { aws: { ecr, region: "us-east-1" } } } as unknown as Parameters<typeof nestedImages>[0];
    for (const list of [listed, listed.map((i) => ({ ...i, subjectDigest: null }))]) {
      const nested = await nestedImages(ctx, repositoryName, list);
      expect(nested.top.map((i) => i.digest).sort()).toEqual([latest.digest, fake.digest, a.digest, b.digest].sort());
      expect(nested.referrerOf.has(fake.digest)).toBe(false);
      expect(nested.referrers.get(latest.digest)!.map((r) => [r.digest, r.subject, r.kind]).sort()).toEqual(
        [
          [sha(sbom), latest.digest, "sbom"],
          [attOfSbom.digest, sha(sbom), "attestation"],
        ].sort(),
      );
      // Every nested referrer is shown with a row: the page's "shown with their image" count matches what it shows.
      const rows = new Set(nested.top.map((i) => i.digest));
      expect([...nested.referrers.keys()].every((k) => rows.has(k))).toBe(true);
      expect(summarizeImages(nested.top)).toMatchObject({ imageCount: 4, untaggedCount: 0, latestDigest: latest.digest });
      expect(nested.unreadIndexes).toBeNull();
    }
  });
});

describe("manifests ECR will not return", () => {
  it("are asked for at most once a minute, and every view still says they could not be read", async () => {
    const ecr = t.ecr();
    const repositoryName = "reg/refused";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const latest = await pushPlatformImage(ecr, repositoryName, "amd64");
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: latest.manifest, imageManifestMediaType: OCI_MANIFEST, imageTag: "latest" }));
    const [listedLatest] = await describeImages({ ecr, repositoryName });
    // DescribeImages rows whose manifests BatchGetImage answers with ImageNotFound: an index, and a cosign-tagged manifest.
    const list = [
      listedLatest,
      { ...listedLatest, digest: sha("gone index"), tags: ["v1"], manifestMediaType: "application/vnd.oci.image.index.v1+json" },
      { ...listedLatest, digest: sha("gone signature"), tags: [`sha256-${listedLatest.digest.slice(7)}.sig`] },
    ];
    let batchGets = 0;
    const counting = { send: (command: Parameters<ECRClient["send"]>[0]) => ((batchGets += command instanceof BatchGetImageCommand ? 1 : 0), ecr.send(command)) };
    let clock = Date.parse("2024-05-01T00:00:00Z");
    const ctx = { clients: { aws: { ecr: counting, region: "us-east-1" } }, now: () => new Date(clock) } as unknown as Parameters<typeof nestedImages>[0];
    const says = (text: string | null) => {
      expect(text).toContain("1 image index could not be read (ImageNotFound: Requested image not found): their platform images and attestations show as images.");
      expect(text).toContain("1 possible signature, attestation or SBOM could not be read (ImageNotFound: Requested image not found): they show as images.");
    };

    const first = await nestedImages(ctx, repositoryName, list);
    expect(batchGets).toBe(2);
    says(first.unreadIndexes);
    expect(first.top.map((i) => i.digest)).toEqual(list.map((i) => i.digest));

    clock += 30_000;
    const again = await nestedImages(ctx, repositoryName, list);
    expect(batchGets).toBe(2);
    says(again.unreadIndexes);

    // After a minute they are asked for again (an image pushed meanwhile would be read).
    clock += 31_000;
    says((await nestedImages(ctx, repositoryName, list)).unreadIndexes);
    expect(batchGets).toBe(4);
  });
});
