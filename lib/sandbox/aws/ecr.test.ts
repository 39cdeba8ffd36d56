import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchCheckLayerAvailabilityCommand, BatchDeleteImageCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand, DeleteRepositoryCommand,
  DescribeImagesCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand, GetDownloadUrlForLayerCommand, InitiateLayerUploadCommand, ListImagesCommand,
  PutImageCommand, PutImageTagMutabilityCommand, UploadLayerPartCommand, type ECRClient,
} from "@aws-sdk/client-ecr";
import { startTestSandbox, type TestSandbox } from "./test-helpers";
import { makeTar } from "./seed-images";
import { outputShapeProblems } from "./shape-check";

/** Each AWS CLI run is a Python start-up (~0.5 s idle, several seconds on a loaded CI box). */
const CLI_TIMEOUT_MS = 240_000;

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
});

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata: { httpStatusCode: number } } & Record<string, unknown>;
    return { name: err.name, message: err.message, status: err.$metadata.httpStatusCode, raw: err };
  }
  throw new Error("expected the call to fail");
};

async function uploadBlob(ecr: ECRClient, repositoryName: string, data: Buffer, partSize = data.length): Promise<string> {
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  for (let first = 0; first < data.length; first += partSize) {
    const part = data.subarray(first, Math.min(first + partSize, data.length));
    const r = await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part }));
    expect(r.lastByteReceived).toBe(first + part.length - 1);
  }
  const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [sha(data)] }));
  expect(done).toMatchObject({ uploadId, layerDigest: sha(data), repositoryName, registryId: "123456789012" });
  return sha(data);
}

function buildImage(revision: string) {
  const layer = gzipSync(makeTar([{ name: "app/main.txt", content: `hello from ${revision}\n` }], 1_700_000_000));
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Labels: { rev: revision } }, rootfs: { type: "layers", diff_ids: [sha(gzipSync(layer))] } }));
  // Pretty-printed on purpose: the digest is over these exact bytes, whitespace included.
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: sha(config) },
      layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layer.length, digest: sha(layer) }],
    },
    null,
    3,
  );
  return { layer, config, manifest };
}

describe("ECR through the v3 SDK", () => {
  it("creates, describes and refuses repositories as ECR does", async () => {
    const ecr = t.ecr();
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: "team/api", imageTagMutability: "IMMUTABLE" }));
    expect(created.repository).toMatchObject({
      repositoryName: "team/api",
      repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/team/api",
      repositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api",
      registryId: "123456789012",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: "AES256" },
    });
    expect(created.repository!.createdAt).toBeInstanceOf(Date);
    expect(await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: "team/api" })))).toMatchObject({
      name: "RepositoryAlreadyExistsException",
      message: "The repository with name 'team/api' already exists in the registry with id '123456789012'",
      status: 400,
    });
    expect(await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: "Bad_Name" })))).toMatchObject({ name: "InvalidParameterException" });
    expect(await errorOf(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["nope"] })))).toMatchObject({
      name: "RepositoryNotFoundException",
      message: "The repository with name 'nope' does not exist in the registry with id '123456789012'",
    });
    const page1 = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
    expect(page1.repositories!.map((r) => r.repositoryName)).toEqual(["mcp-server-http", "mcp-server-tcp"]);
    const page2 = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: page1.nextToken }));
    expect(page2.repositories!.map((r) => r.repositoryName)).toEqual(["team/api"]);
    expect(page2.nextToken).toBeUndefined();
    // Resources are per region.
    expect((await t.ecr(undefined, "us-west-2").send(new DescribeRepositoriesCommand({}))).repositories).toEqual([]);
    const mut = await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "team/api", imageTagMutability: "MUTABLE" }));
    expect(mut).toMatchObject({ registryId: "123456789012", repositoryName: "team/api", imageTagMutability: "MUTABLE" });
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "team/api", imageTagMutability: "IMMUTABLE" }));
  });

  it("pushes a real image through the layer-upload operations and returns it byte for byte", async () => {
    const ecr = t.ecr();
    const repositoryName = "team/api";
    const img = buildImage("abc1234");
    const before = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [sha(img.layer), "sha256:xyz"] }));
    expect(before.layers).toEqual([]);
    expect(before.failures).toEqual([
      { layerDigest: sha(img.layer), failureCode: "MissingLayerDigest", failureReason: expect.any(String) },
      { layerDigest: "sha256:xyz", failureCode: "InvalidLayerDigest", failureReason: expect.any(String) },
    ]);
    // Missing blobs are refused at PutImage.
    expect(await errorOf(ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: "abc1234" })))).toMatchObject({ name: "LayersNotFoundException" });

    await uploadBlob(ecr, repositoryName, img.layer);
    await uploadBlob(ecr, repositoryName, img.config);
    const after = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [sha(img.layer)] }));
    expect(after.layers).toEqual([{ layerDigest: sha(img.layer), layerAvailability: "AVAILABLE", layerSize: img.layer.length }]);

    const put = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: "abc1234", imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json" }));
    expect(put.image).toMatchObject({ repositoryName, registryId: "123456789012", imageId: { imageDigest: sha(img.manifest), imageTag: "abc1234" }, imageManifest: img.manifest });
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: "latest" }));

    const got = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: "latest" }, { imageDigest: sha(img.manifest) }, { imageTag: "missing" }] }));
    expect(got.images).toHaveLength(2);
    for (const i of got.images!) {
      expect(i.imageManifest).toBe(img.manifest);
      expect(sha(Buffer.from(i.imageManifest!, "utf8"))).toBe(i.imageId!.imageDigest);
      expect(i.imageManifestMediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    }
    expect(got.failures).toEqual([{ imageId: { imageTag: "missing" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
    // The config digest is readable from the manifest, and its blob downloads intact.
    const configDigest = JSON.parse(got.images![0].imageManifest!).config.digest;
    const url = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: configDigest }));
    expect(url.layerDigest).toBe(configDigest);
    const blob = Buffer.from(await (await fetch(url.downloadUrl!)).arrayBuffer());
    expect(blob.equals(img.config)).toBe(true);
    expect((await fetch(url.downloadUrl!.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000"))).status).toBe(403);

    const described = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: "latest" }] }));
    expect(described.imageDetails).toEqual([
      {
        registryId: "123456789012",
        repositoryName,
        imageDigest: sha(img.manifest),
        imageTags: ["abc1234", "latest"],
        imageSizeInBytes: img.layer.length,
        imagePushedAt: expect.any(Date),
        imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
        artifactMediaType: "application/vnd.docker.container.image.v1+json",
        lastRecordedPullTime: expect.any(Date),
      },
    ]);

    expect(await errorOf(ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: "latest" })))).toMatchObject({ name: "ImageAlreadyExistsException" });
    const other = buildImage("def5678");
    await uploadBlob(ecr, repositoryName, other.layer);
    await uploadBlob(ecr, repositoryName, other.config);
    expect(await errorOf(ecr.send(new PutImageCommand({ repositoryName, imageManifest: other.manifest, imageTag: "latest" })))).toMatchObject({
      name: "ImageTagAlreadyExistsException",
      message: "The image tag 'latest' already exists in the 'team/api' repository and cannot be overwritten because the repository is immutable.",
    });
    expect(await errorOf(ecr.send(new PutImageCommand({ repositoryName, imageManifest: other.manifest, imageDigest: sha("x") })))).toMatchObject({ name: "ImageDigestDoesNotMatchException" });

    // The blobs persist on disk, content-addressed.
    const hex = sha(img.layer).slice(7);
    expect(fs.readFileSync(path.join(t.dataDir, "sandbox", "aws", "blobs", "sha256", hex.slice(0, 2), hex)).equals(img.layer)).toBe(true);
  });

  it("refuses corrupted, non-contiguous, empty and undersized uploads", async () => {
    const ecr = t.ecr();
    const repositoryName = "mcp-server-tcp";
    const data = Buffer.from("real bytes of a layer");
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: data.length - 1, layerPartBlob: data }));
    const corrupt = await errorOf(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [sha("other bytes")] })));
    expect(corrupt).toMatchObject({ name: "InvalidLayerException", status: 400 });
    expect(corrupt.message).toContain(sha(data));

    const gap = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: gap.uploadId, partFirstByte: 0, partLastByte: 3, layerPartBlob: Buffer.from("abcd") }));
    const notContiguous = await errorOf(ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: gap.uploadId, partFirstByte: 10, partLastByte: 13, layerPartBlob: Buffer.from("efgh") })));
    expect(notContiguous).toMatchObject({ name: "InvalidLayerPartException" });
    expect(notContiguous.raw.lastValidByteReceived).toBe(3);
    // A second part after a part below 5 MiB: refused when the upload completes.
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: gap.uploadId, partFirstByte: 4, partLastByte: 7, layerPartBlob: Buffer.from("efgh") }));
    expect(await errorOf(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId: gap.uploadId, layerDigests: [sha("abcdefgh")] })))).toMatchObject({ name: "LayerPartTooSmallException" });

    const empty = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    expect(await errorOf(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId: empty.uploadId, layerDigests: [sha("")] })))).toMatchObject({ name: "EmptyUploadException" });
    expect(await errorOf(ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: "nope", partFirstByte: 0, partLastByte: 0, layerPartBlob: Buffer.from("a") })))).toMatchObject({ name: "UploadNotFoundException" });

    // A 5 MiB part followed by a short last part is fine.
    const big = Buffer.alloc(5 * 1024 * 1024 + 1000, 7);
    expect(await uploadBlob(ecr, repositoryName, big, 5 * 1024 * 1024)).toBe(sha(big));
    expect(await errorOf(uploadBlob(ecr, repositoryName, big, 5 * 1024 * 1024))).toMatchObject({ name: "LayerAlreadyExistsException" });
  });

  it("lists, pages and deletes the seeded images", async () => {
    const ecr = t.ecr();
    const repositoryName = "mcp-server-http";
    const all = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    expect(all.imageDetails!.length).toBeGreaterThanOrEqual(5);
    const tags = all.imageDetails!.flatMap((d) => d.imageTags ?? []);
    expect(tags).toContain("latest");
    for (const tag of tags.filter((x) => x !== "latest")) expect(tag).toMatch(/^[0-9a-f]{7}$/);
    for (const d of all.imageDetails!) {
      const manifest = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: d.imageDigest }] }))).images![0].imageManifest!;
      const parsed = JSON.parse(manifest) as { layers: { size: number }[] };
      expect(d.imageSizeInBytes).toBe(parsed.layers.reduce((n, l) => n + l.size, 0));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new DescribeImagesCommand({ repositoryName, maxResults: 3, nextToken }));
      expect(page.imageDetails!.length).toBeLessThanOrEqual(3);
      seen.push(...page.imageDetails!.map((d) => d.imageDigest!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(all.imageDetails!.map((d) => d.imageDigest!).sort());

    const listed = await ecr.send(new ListImagesCommand({ repositoryName, maxResults: 1000 }));
    expect(listed.imageIds!.length).toBe(tags.length);
    expect(await errorOf(ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: "0000000" }] })))).toMatchObject({
      name: "ImageNotFoundException",
      message: "The image with imageId {imageDigest:'null', imageTag:'0000000'} does not exist within the repository with name 'mcp-server-http' in the registry with id '123456789012'",
    });

    const victim = all.imageDetails!.find((d) => !d.imageTags?.includes("latest"))!;
    const del = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageTag: victim.imageTags![0] }, { imageTag: "0000000" }] }));
    expect(del.imageIds).toEqual([{ imageDigest: victim.imageDigest, imageTag: victim.imageTags![0] }]);
    expect(del.failures).toEqual([{ imageId: { imageTag: "0000000" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
    const untagged = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    expect(untagged.imageDetails!.length).toBe(all.imageDetails!.length - 1);

    expect(await errorOf(ecr.send(new DeleteRepositoryCommand({ repositoryName })))).toMatchObject({ name: "RepositoryNotEmptyException" });
    const gone = await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    expect(gone.repository!.repositoryName).toBe(repositoryName);
    expect(await errorOf(ecr.send(new DescribeImagesCommand({ repositoryName })))).toMatchObject({ name: "RepositoryNotFoundException" });
  });

  it("issues 12-hour authorization tokens for the sandbox registry", async () => {
    const data = (await t.ecr().send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
    expect(data.proxyEndpoint).toBe(t.url);
    expect(Buffer.from(data.authorizationToken!, "base64").toString()).toMatch(/^AWS:.+/);
    expect(Math.round((data.expiresAt!.getTime() - Date.now()) / 3600_000)).toBe(12);
    const res = await fetch(`${t.url}/v2/mcp-server-tcp/manifests/latest`, { headers: { authorization: `Basic ${data.authorizationToken}` } });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha(body)).toBe(res.headers.get("docker-content-digest"));
    expect((await fetch(`${t.url}/v2/`)).status).toBe(401);
  });

  it("denies the drifted github-ecr-push key the action its policy lost", async () => {
    const { pushUserKey } = await t.seedShared();
    const ecr = t.ecr(pushUserKey!);
    const repositoryName = "mcp-server-tcp";
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    const data = Buffer.from("layer the CI tries to push");
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: data.length - 1, layerPartBlob: data }));
    expect(await errorOf(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [sha(data)] })))).toMatchObject({
      name: "AccessDeniedException",
      status: 400,
      message:
        "User: arn:aws:iam::123456789012:user/github-ecr-push is not authorized to perform: ecr:CompleteLayerUpload on resource: arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp because no identity-based policy allows the ecr:CompleteLayerUpload action",
    });
  });
});

describe("ECR tag mutability with exclusions (ECR API reference: CreateRepository, PutImageTagMutability, ImageTagMutabilityExclusionFilter)", () => {
  async function pushTagged(ecr: ECRClient, repositoryName: string, revision: string, tag: string) {
    const img = buildImage(revision);
    await uploadBlob(ecr, repositoryName, img.layer).catch(() => undefined);
    await uploadBlob(ecr, repositoryName, img.config).catch(() => undefined);
    return ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: tag }));
  }

  it("IMMUTABLE_WITH_EXCLUSION: only tags a WILDCARD filter matches may move; DescribeRepositories returns the filters", async () => {
    const ecr = t.ecr();
    const filters = [{ filterType: "WILDCARD" as const, filter: "latest" }, { filterType: "WILDCARD" as const, filter: "dev-*" }];
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: "mut/immx", imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: filters }));
    expect(created.repository).toMatchObject({ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: filters });
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["mut/immx"] }));
    expect(described.repositories?.[0]).toMatchObject({ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: filters });
    for (const tag of ["latest", "dev-1", "aaaaaaa"]) await pushTagged(ecr, "mut/immx", `r1-${tag}`, tag);
    // latest and dev-* move; the commit tag does not.
    await pushTagged(ecr, "mut/immx", "r2", "latest");
    await pushTagged(ecr, "mut/immx", "r2", "dev-1");
    const refused = await errorOf(pushTagged(ecr, "mut/immx", "r2", "aaaaaaa"));
    expect(refused).toMatchObject({ name: "ImageTagAlreadyExistsException", status: 400, message: "The image tag 'aaaaaaa' already exists in the 'mut/immx' repository and cannot be overwritten because the repository is immutable." });
    // "dev-*" needs its dash: "dev" alone is not excluded.
    await pushTagged(ecr, "mut/immx", "r1-dev", "dev");
    expect((await errorOf(pushTagged(ecr, "mut/immx", "r2", "dev"))).name).toBe("ImageTagAlreadyExistsException");
  });

  it("MUTABLE_WITH_EXCLUSION: tags a filter matches are the immutable ones", async () => {
    const ecr = t.ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "mut/mutx", imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "v*.*" }] }));
    await pushTagged(ecr, "mut/mutx", "a", "v1.0");
    await pushTagged(ecr, "mut/mutx", "a", "latest");
    await pushTagged(ecr, "mut/mutx", "b", "latest");
    expect((await errorOf(pushTagged(ecr, "mut/mutx", "b", "v1.0"))).name).toBe("ImageTagAlreadyExistsException");
  });

  it("the fix Deckhand recommends for an immutable latest works: IMMUTABLE, then IMMUTABLE_WITH_EXCLUSION for latest", async () => {
    const ecr = t.ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "mut/web" }));
    await pushTagged(ecr, "mut/web", "one", "latest");
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "mut/web", imageTagMutability: "IMMUTABLE" }));
    expect((await errorOf(pushTagged(ecr, "mut/web", "two", "latest"))).name).toBe("ImageTagAlreadyExistsException");
    const fixed = await ecr.send(
      new PutImageTagMutabilityCommand({ repositoryName: "mut/web", imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "latest" }] }),
    );
    expect(fixed).toMatchObject({ repositoryName: "mut/web", imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "latest" }] });
    await pushTagged(ecr, "mut/web", "two", "latest");
    // Back to IMMUTABLE drops the filters.
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "mut/web", imageTagMutability: "IMMUTABLE" }));
    const after = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["mut/web"] }));
    expect(after.repositories?.[0].imageTagMutability).toBe("IMMUTABLE");
    expect(after.repositories?.[0].imageTagMutabilityExclusionFilters).toBeUndefined();
  });

  it("refuses settings the API reference does not allow", async () => {
    const ecr = t.ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "mut/bad" }));
    const put = (input: Record<string, unknown>) => errorOf(ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "mut/bad", ...input } as never)));
    const f = (filter: string, filterType = "WILDCARD") => ({ filterType, filter });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ imageTagMutability: "SOMETIMES" }, /enum value set: \[MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION\]/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" }, /exclusion filters are required/],
      [{ imageTagMutability: "IMMUTABLE", imageTagMutabilityExclusionFilters: [f("latest")] }, /only be set with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [] }, /length greater than or equal to 1/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: ["a", "b", "c", "d", "e", "f"].map((x) => f(x)) }, /length less than or equal to 5/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [f("latest", "REGEX")] }, /filterType.*\[WILDCARD\]/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [f("lat/est")] }, /filter' failed to satisfy constraint.*pattern/],
      [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [f("x".repeat(129))] }, /pattern/],
    ];
    for (const [input, message] of cases) expect(await put(input), JSON.stringify(input)).toMatchObject({ name: "InvalidParameterException", status: 400, message: expect.stringMatching(message) });
    expect((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["mut/bad"] }))).repositories?.[0].imageTagMutability).toBe("MUTABLE");
  });
});

describe("ECR through the AWS CLI v2", () => {
  it("serves every ECR operation in shapes the CLI parses", async () => {
    const repo = "cli/repo";
    const created = await t.cli(["ecr", "create-repository", "--repository-name", repo]);
    expect(created.json.repository).toMatchObject({ repositoryName: repo, imageTagMutability: "MUTABLE" });
    const img = buildImage("cli0001");
    const dir = fs.mkdtempSync(path.join(t.dataDir, "cli-"));
    fs.writeFileSync(path.join(dir, "layer"), img.layer);
    fs.writeFileSync(path.join(dir, "manifest.json"), img.manifest);
    const [init, initConfig] = await Promise.all([t.cli(["ecr", "initiate-layer-upload", "--repository-name", repo]), t.cli(["ecr", "initiate-layer-upload", "--repository-name", repo])]);
    expect(init.json).toMatchObject({ uploadId: expect.any(String), partSize: expect.any(Number) });
    fs.writeFileSync(path.join(dir, "config"), img.config);
    const [part, partConfig] = await Promise.all([
      t.cli(["ecr", "upload-layer-part", "--repository-name", repo, "--upload-id", init.json.uploadId, "--part-first-byte", "0", "--part-last-byte", String(img.layer.length - 1), "--layer-part-blob", `fileb://${dir}/layer`]),
      t.cli(["ecr", "upload-layer-part", "--repository-name", repo, "--upload-id", initConfig.json.uploadId, "--part-first-byte", "0", "--part-last-byte", String(img.config.length - 1), "--layer-part-blob", `fileb://${dir}/config`]),
    ]);
    expect(part.json.lastByteReceived).toBe(img.layer.length - 1);
    expect(partConfig.code).toBe(0);
    const [complete, completeConfig] = await Promise.all([
      t.cli(["ecr", "complete-layer-upload", "--repository-name", repo, "--upload-id", init.json.uploadId, "--layer-digests", sha(img.layer)]),
      t.cli(["ecr", "complete-layer-upload", "--repository-name", repo, "--upload-id", initConfig.json.uploadId, "--layer-digests", sha(img.config)]),
    ]);
    expect(complete.json.layerDigest).toBe(sha(img.layer));
    expect(completeConfig.json.layerDigest).toBe(sha(img.config));
    const put = await t.cli(["ecr", "put-image", "--repository-name", repo, "--image-tag", "cli0001", "--image-manifest", `file://${dir}/manifest.json`]);
    expect(put.json.image.imageId).toEqual({ imageDigest: sha(img.manifest), imageTag: "cli0001" });

    const [describeRepos, describeImages, listImages, batchGet, check, token, login, dl, mutability, missingRepo, dupPut] = await Promise.all([
      t.cli(["ecr", "describe-repositories", "--repository-names", repo]),
      t.cli(["ecr", "describe-images", "--repository-name", repo]),
      t.cli(["ecr", "list-images", "--repository-name", repo]),
      t.cli(["ecr", "batch-get-image", "--repository-name", repo, "--image-ids", "imageTag=cli0001"]),
      t.cli(["ecr", "batch-check-layer-availability", "--repository-name", repo, "--layer-digests", sha(img.layer)]),
      t.cli(["ecr", "get-authorization-token"]),
      t.cli(["ecr", "get-login-password"]),
      t.cli(["ecr", "get-download-url-for-layer", "--repository-name", repo, "--layer-digest", sha(img.layer)]),
      t.cli(["ecr", "put-image-tag-mutability", "--repository-name", repo, "--image-tag-mutability", "IMMUTABLE"]),
      t.cli(["ecr", "describe-images", "--repository-name", "no-such-repo"]),
      t.cli(["ecr", "put-image", "--repository-name", repo, "--image-tag", "cli0001", "--image-manifest", `file://${dir}/manifest.json`]),
    ]);
    const outputs: Array<[string, unknown]> = [
      ["CreateRepository", created.json], ["InitiateLayerUpload", init.json], ["UploadLayerPart", part.json], ["CompleteLayerUpload", complete.json], ["PutImage", put.json],
      ["DescribeRepositories", describeRepos.json], ["DescribeImages", describeImages.json], ["ListImages", listImages.json], ["BatchGetImage", batchGet.json],
      ["BatchCheckLayerAvailability", check.json], ["GetAuthorizationToken", token.json], ["GetDownloadUrlForLayer", dl.json], ["PutImageTagMutability", mutability.json],
    ];
    for (const [op, out] of outputs) expect(outputShapeProblems("ecr", op, out), op).toEqual([]);
    expect(describeRepos.json.repositories[0]).toMatchObject({ repositoryName: repo, repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${repo}` });
    expect(describeImages.json.imageDetails).toEqual([
      expect.objectContaining({ imageDigest: sha(img.manifest), imageTags: ["cli0001"], imageSizeInBytes: img.layer.length, imagePushedAt: expect.any(String) }),
    ]);
    expect(listImages.json.imageIds).toEqual([{ imageDigest: sha(img.manifest), imageTag: "cli0001" }]);
    expect(batchGet.json.images[0].imageManifest).toBe(img.manifest);
    expect(check.json.layers[0]).toMatchObject({ layerAvailability: "AVAILABLE", layerSize: img.layer.length });
    expect(token.json.authorizationData[0]).toMatchObject({ proxyEndpoint: t.url, authorizationToken: expect.any(String), expiresAt: expect.any(String) });
    expect(login.stdout.trim().length).toBeGreaterThan(20);
    expect(Buffer.from(await (await fetch(dl.json.downloadUrl)).arrayBuffer()).equals(img.layer)).toBe(true);
    expect(mutability.json.imageTagMutability).toBe("IMMUTABLE");
    expect(missingRepo.stderr).toContain("An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'no-such-repo' does not exist in the registry with id '123456789012'");
    expect(dupPut.stderr).toContain("(ImageAlreadyExistsException)");

    const other = buildImage("cli0002");
    fs.writeFileSync(path.join(dir, "other.json"), other.manifest);
    // Same blobs, different bytes (compact JSON): a different digest for a tag the IMMUTABLE repository already has.
    fs.writeFileSync(path.join(dir, "compact.json"), JSON.stringify(JSON.parse(img.manifest)));
    const immutable = await t.cli(["ecr", "put-image", "--repository-name", repo, "--image-tag", "cli0001", "--image-manifest", `file://${dir}/compact.json`]);
    const [del, delRepo, missingLayers, corruptInit] = await Promise.all([
      t.cli(["ecr", "batch-delete-image", "--repository-name", repo, "--image-ids", `imageDigest=${sha(img.manifest)}`]),
      t.cli(["ecr", "delete-repository", "--repository-name", "mcp-server-tcp"]),
      t.cli(["ecr", "put-image", "--repository-name", repo, "--image-tag", "cli0002", "--image-manifest", `file://${dir}/other.json`]),
      t.cli(["ecr", "initiate-layer-upload", "--repository-name", repo]),
    ]);
    expect(outputShapeProblems("ecr", "BatchDeleteImage", del.json)).toEqual([]);
    expect(missingLayers.stderr).toContain("(LayersNotFoundException)");
    expect(immutable.stderr).toContain(`An error occurred (ImageTagAlreadyExistsException) when calling the PutImage operation: The image tag 'cli0001' already exists in the '${repo}' repository and cannot be overwritten because the repository is immutable.`);
    const corruptPart = await t.cli(["ecr", "upload-layer-part", "--repository-name", repo, "--upload-id", corruptInit.json.uploadId, "--part-first-byte", "0", "--part-last-byte", String(img.layer.length - 1), "--layer-part-blob", `fileb://${dir}/layer`]);
    expect(corruptPart.code).toBe(0);
    const corrupt = await t.cli(["ecr", "complete-layer-upload", "--repository-name", repo, "--upload-id", corruptInit.json.uploadId, "--layer-digests", sha(img.config)]);
    expect(corrupt.stderr).toContain("An error occurred (InvalidLayerException) when calling the CompleteLayerUpload operation: The calculated digest");
    expect(del.json).toEqual({ imageIds: [{ imageDigest: sha(img.manifest), imageTag: "cli0001" }], failures: [] });
    expect(delRepo.stderr).toContain("(RepositoryNotEmptyException)");
    const dropped = await t.cli(["ecr", "delete-repository", "--repository-name", repo, "--force"]);
    expect(outputShapeProblems("ecr", "DeleteRepository", dropped.json)).toEqual([]);
    expect(dropped.json.repository.repositoryName).toBe(repo);
  }, CLI_TIMEOUT_MS);
});
