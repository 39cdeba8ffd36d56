import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { BatchDeleteImageCommand, CreateRepositoryCommand, DescribeImagesCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { startTestSandbox, type TestSandbox } from "./test-helpers";
import { pushMultiPlatformList, pushPlatformImage, uploadBlobOnce } from "../../tooling/testing/make-attestation-index";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

describe("sandbox ECR: the entries of an image index", () => {
  it("BatchDeleteImage refuses an image an index lists (failureCode ImageReferencedByManifestList, 'Requested image referenced by manifest list'), judged on the repository as the request found it", async () => {
    const ecr = t.ecr();
    const repositoryName = "idx/delete";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const { amd64, arm64, att, index } = await pushMultiPlatformList(ecr, repositoryName, { arm64Variant: "v8" });
    const digests = async () => ((await ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails ?? []).map((d) => d.imageDigest).sort();
    const all = [amd64.digest, arm64.digest, att.digest, index].sort();

    const refused = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: amd64.digest }, { imageDigest: att.digest }] }));
    expect(refused.imageIds).toEqual([]);
    expect(refused.failures).toEqual([
      { imageId: { imageDigest: amd64.digest }, failureCode: "ImageReferencedByManifestList", failureReason: "Requested image referenced by manifest list" },
      { imageId: { imageDigest: att.digest }, failureCode: "ImageReferencedByManifestList", failureReason: "Requested image referenced by manifest list" },
    ]);
    expect(await digests()).toEqual(all);

    // Index and entry in one request: the index goes, the entry is refused (it was referenced when the request came).
    const both = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: index }, { imageDigest: arm64.digest }] }));
    expect(both.imageIds).toEqual([{ imageDigest: index, imageTag: "latest" }]);
    expect(both.failures).toEqual([{ imageId: { imageDigest: arm64.digest }, failureCode: "ImageReferencedByManifestList", failureReason: "Requested image referenced by manifest list" }]);
    // Without the index, its former entries delete.
    const after = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: arm64.digest }, { imageDigest: amd64.digest }, { imageDigest: att.digest }] }));
    expect(after.failures).toEqual([]);
    expect(await digests()).toEqual([]);
  });

  it("removing the last tag of an image an index lists keeps the image, untagged, under its index", async () => {
    const ecr = t.ecr();
    const repositoryName = "idx/untag";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const { amd64, index } = await pushMultiPlatformList(ecr, repositoryName, { arm64Variant: "v8" });
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: amd64.manifest, imageDigest: amd64.digest, imageTag: "amd64-only" }));
    const untag = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageTag: "amd64-only" }] }));
    expect(untag).toMatchObject({ imageIds: [{ imageDigest: amd64.digest, imageTag: "amd64-only" }], failures: [] });
    const left = (await ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails ?? [];
    const kept = left.find((d) => d.imageDigest === amd64.digest);
    expect(kept).toBeDefined();
    expect(kept?.imageTags).toBeUndefined();
    expect(left.find((d) => d.imageDigest === index)?.imageTags).toEqual(["latest"]);
  });

  it("DescribeImages names the subject of a referrer (ImageDetail.subjectManifestDigest, OCI 1.1 'subject') and of nothing else", async () => {
    const ecr = t.ecr();
    const repositoryName = "idx/referrers";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const image = await pushPlatformImage(ecr, repositoryName, "amd64");
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: image.manifest, imageDigest: image.digest, imageTag: "latest" }));
    // A cosign-style OCI 1.1 signature: empty config, artifactType, subject.
    const empty = Buffer.from("{}");
    const emptyDigest = await uploadBlobOnce(ecr, repositoryName, empty);
    const sigLayer = Buffer.from('{"critical":{}}');
    const sigDigest = await uploadBlobOnce(ecr, repositoryName, sigLayer);
    const referrer = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: emptyDigest, size: 2 },
      layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: sigDigest, size: sigLayer.length }],
      subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: Buffer.byteLength(image.manifest) },
    });
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: referrer, imageManifestMediaType: OCI_MANIFEST }));
    const details = (await ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails ?? [];
    expect(details.find((d) => d.imageDigest === sha(referrer))?.subjectManifestDigest).toBe(image.digest);
    expect(details.find((d) => d.imageDigest === image.digest)?.subjectManifestDigest).toBeUndefined();
    const byId = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: sha(referrer) }] }));
    expect(byId.imageDetails?.[0].subjectManifestDigest).toBe(image.digest);
  });
});
