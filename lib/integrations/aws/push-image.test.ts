import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
  PutImageTagMutabilityCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { pushImage, PushImageError, readPushProgress } from "./push-image";
import { checkRemoteImage } from "./read-remote-image";
import type { BuiltImage } from "../build/read-oci-layout";

let sandbox: RunningSandbox;
let ecr: ECRClient;
let dataDir: string;
let blobDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-push-"));
  blobDir = path.join(dataDir, "blobs");
  fs.mkdirSync(blobDir);
  sandbox = await startSandbox(defaultSandboxOptions({ port: 0, dataDir, keyPropagationMs: 50 }), { reset: true });
  ecr = new ECRClient({
    endpoint: sandbox.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 4,
  });
});
afterAll(async () => {
  ecr?.destroy();
  await sandbox?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => "sha256:" + crypto.createHash("sha256").update(b).digest("hex");

function writeBlob(bytes: Buffer, mediaType: string) {
  const digest = sha256(bytes);
  const file = path.join(blobDir, digest.slice(7));
  fs.writeFileSync(file, bytes);
  return { digest, size: bytes.length, mediaType, path: file };
}

/** An OCI image made of the given layers, written like an OCI layout's blobs. */
function makeImage(name: string, layers: Buffer[], arch = "amd64"): BuiltImage {
  const layerBlobs = layers.map((l) => writeBlob(l, "application/vnd.oci.image.layer.v1.tar+gzip"));
  const config = writeBlob(
    Buffer.from(JSON.stringify({ architecture: arch, os: "linux", config: { Labels: { name } }, rootfs: { type: "layers", diff_ids: layerBlobs.map((l) => l.digest) } })),
    "application/vnd.oci.image.config.v1+json",
  );
  const strip = ({ digest, size, mediaType }: { digest: string; size: number; mediaType: string }) => ({ mediaType, digest, size });
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: strip(config), layers: layerBlobs.map(strip) }),
  );
  return {
    manifestBytes,
    manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
    manifestDigest: sha256(manifestBytes),
    configDigest: config.digest,
    blobs: [config, ...layerBlobs],
  };
}

async function latestOf(repositoryName: string) {
  const out = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: "latest" }], acceptedMediaTypes: ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"] }));
  return out.images?.[0];
}

async function tagsOf(repositoryName: string): Promise<Record<string, string>> {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  const map: Record<string, string> = {};
  for (const d of out.imageDetails ?? []) for (const t of d.imageTags ?? []) map[t] = d.imageDigest!;
  return map;
}

async function injectFault(service: string, operation: string, kind: string, count: number) {
  const res = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: "POST",
    headers: { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" },
    body: JSON.stringify({ service, operation, kind, count }),
  });
  expect(res.status).toBe(201);
}

describe("pushImage against the sandbox's ECR API", () => {
  it("creates the repository, uploads every blob, and tags SHA then latest with the exact manifest", async () => {
    const image = makeImage("api-1", [Buffer.from("layer one"), Buffer.from("layer two")]);
    const logs: string[] = [];
    const before = await checkRemoteImage({ ecr, repositoryName: "shop/api", localConfigDigest: image.configDigest });
    expect(before).toEqual({ decision: { action: "push", reason: "repository-missing" } });

    const result = await pushImage({ ecr, repositoryName: "shop/api", image, tags: ["abc1234", "latest"], onLog: (l) => logs.push(l) });
    expect(result).toEqual({
      repositoryCreated: true,
      blobsUploaded: 3,
      bytesUploaded: image.blobs.reduce((n, b) => n + b.size, 0),
      blobsAlreadyPresent: 0,
      tags: [
        { tag: "abc1234", outcome: "put" },
        { tag: "latest", outcome: "put" },
      ],
    });
    expect(logs.some((l) => /created ECR repository shop\/api/.test(l))).toBe(true);
    const latest = await latestOf("shop/api");
    expect(latest?.imageManifest).toBe(image.manifestBytes.toString("utf8"));
    expect(latest?.imageId?.imageDigest).toBe(image.manifestDigest);
    expect(await tagsOf("shop/api")).toEqual({ abc1234: image.manifestDigest, latest: image.manifestDigest });

    const after = await checkRemoteImage({ ecr, repositoryName: "shop/api", localConfigDigest: image.configDigest });
    expect(after).toEqual({ decision: { action: "skip", reason: "config-matches", remoteConfigDigest: image.configDigest }, remoteManifestDigest: image.manifestDigest });
  });

  it("pushing the same image again uploads nothing and counts existing tags as success", async () => {
    const image = makeImage("api-1", [Buffer.from("layer one"), Buffer.from("layer two")]);
    const result = await pushImage({ ecr, repositoryName: "shop/api", image, tags: ["def5678", "latest"] });
    expect(result).toMatchObject({ repositoryCreated: false, blobsUploaded: 0, bytesUploaded: 0, blobsAlreadyPresent: 3 });
    expect(result.tags).toEqual([
      { tag: "def5678", outcome: "put" },
      { tag: "latest", outcome: "already-there" },
    ]);
  });

  it("uploads only missing blobs, in parts of the size ECR asks for, and moves latest", async () => {
    // 26 MiB: more than one 20 MiB part. A single part this size would be refused.
    const big = crypto.randomBytes(26 * 1024 * 1024);
    const image = makeImage("api-2", [Buffer.from("layer one"), big]);
    const before = await checkRemoteImage({ ecr, repositoryName: "shop/api", localConfigDigest: image.configDigest });
    expect(before.decision).toMatchObject({ action: "push", reason: "config-differs" });
    const result = await pushImage({ ecr, repositoryName: "shop/api", image, tags: ["0a1b2c3", "latest"] });
    expect(result).toMatchObject({ blobsUploaded: 2, blobsAlreadyPresent: 1, bytesUploaded: big.length + image.blobs[0].size });
    expect((await latestOf("shop/api"))?.imageId?.imageDigest).toBe(image.manifestDigest);
  });

  it("rides out throttling and 5xx from ECR", async () => {
    const image = makeImage("faulty", [Buffer.from("faulty layer")]);
    await injectFault("ecr", "InitiateLayerUpload", "throttle", 1);
    await injectFault("ecr", "UploadLayerPart", "500", 1);
    await injectFault("ecr", "PutImage", "503", 1);
    const result = await pushImage({ ecr, repositoryName: "faulty", image, tags: ["1111111", "latest"] });
    expect(result.tags.map((t) => t.outcome)).toEqual(["put", "put"]);
    expect(await tagsOf("faulty")).toEqual({ "1111111": image.manifestDigest, latest: image.manifestDigest });
    // Every injected fault was actually hit (and retried).
    const left = await fetch(`${sandbox.url}/_sandbox/faults`, { headers: { authorization: "Bearer sandbox-admin-token" } });
    expect((await left.json()).faults).toEqual([]);
  });

  it("fails with a fix when an IMMUTABLE repository refuses to move latest, after the SHA tag is in place", async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "locked", imageTagMutability: "IMMUTABLE" }));
    const first = makeImage("locked-1", [Buffer.from("v1")]);
    await pushImage({ ecr, repositoryName: "locked", image: first, tags: ["aaaaaaa", "latest"] });
    const second = makeImage("locked-2", [Buffer.from("v2")]);
    const err = await pushImage({ ecr, repositoryName: "locked", image: second, tags: ["bbbbbbb", "latest"] }).catch((e) => e);
    expect(err).toBeInstanceOf(PushImageError);
    expect(err.code).toBe("latest-immutable");
    // Field case ecr-immutable-latest: the failed push still says what it uploaded (the v2 layer and config).
    expect(readPushProgress(err)).toEqual({ blobsUploaded: 2, bytesUploaded: second.blobs[0].size + second.blobs[1].size });
    expect(readPushProgress(new Error("other"))).toBeUndefined();
    expect(err.message).toMatch(/locked is IMMUTABLE.*"latest".*cannot be moved.*pushed as locked:bbbbbbb.*IMMUTABLE_WITH_EXCLUSION.*filter=latest.*MUTABLE/);
    expect(await tagsOf("locked")).toEqual({ aaaaaaa: first.manifestDigest, latest: first.manifestDigest, bbbbbbb: second.manifestDigest });
    // Re-running the first push is fine: the same digest under the same tags.
    const again = await pushImage({ ecr, repositoryName: "locked", image: first, tags: ["aaaaaaa", "latest"] });
    expect(again.tags.map((t) => t.outcome)).toEqual(["already-there", "already-there"]);
  });

  it("the fix it recommends for a *_WITH_EXCLUSION repository keeps its filters and, run as given, lets latest move", async () => {
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: "locked-x", imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "release-*" }] }),
    );
    await pushImage({ ecr, repositoryName: "locked-x", image: makeImage("x-1", [Buffer.from("x1")]), tags: ["ccccccc", "latest"] });
    const second = makeImage("x-2", [Buffer.from("x2")]);
    const err = await pushImage({ ecr, repositoryName: "locked-x", image: second, tags: ["ddddddd", "latest"] }).catch((e) => e);
    expect(err).toBeInstanceOf(PushImageError);
    expect(err.code).toBe("latest-immutable");
    expect(readPushProgress(err)).toEqual({ blobsUploaded: 2, bytesUploaded: second.blobs[0].size + second.blobs[1].size });
    const command = /\((aws ecr put-image-tag-mutability [^)]*)\)/.exec(err.message)?.[1];
    expect(command).toBe(
      "aws ecr put-image-tag-mutability --repository-name 'locked-x' --image-tag-mutability 'IMMUTABLE_WITH_EXCLUSION' --image-tag-mutability-exclusion-filters 'filterType=WILDCARD,filter=release-*' 'filterType=WILDCARD,filter=latest'",
    );
    // What the command does, through the SDK: then the same push moves latest.
    await ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName: "locked-x",
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [
          { filterType: "WILDCARD", filter: "release-*" },
          { filterType: "WILDCARD", filter: "latest" },
        ],
      }),
    );
    const again = await pushImage({ ecr, repositoryName: "locked-x", image: second, tags: ["ddddddd", "latest"] });
    expect(again.tags.map((t) => t.outcome)).toEqual(["already-there", "put"]);

    // MUTABLE_WITH_EXCLUSION with a filter matching latest: the fix drops that filter, it does not lock every other tag.
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "locked-m", imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "l*" }] }));
    await pushImage({ ecr, repositoryName: "locked-m", image: makeImage("m-1", [Buffer.from("m1")]), tags: ["eeeeeee", "latest"] });
    const m = await pushImage({ ecr, repositoryName: "locked-m", image: makeImage("m-2", [Buffer.from("m2")]), tags: ["fffffff", "latest"] }).catch((e) => e);
    expect(m.message).toMatch(/locked-m is MUTABLE_WITH_EXCLUSION and its exclusion filter "l\*" make "latest" immutable.*--image-tag-mutability 'MUTABLE'\)/);
    expect(m.message).not.toContain("IMMUTABLE_WITH_EXCLUSION");
  });

  it("reads an image index as latest through its linux/amd64 entry", async () => {
    const amd = makeImage("multi-amd", [Buffer.from("amd layer")]);
    const arm = makeImage("multi-arm", [Buffer.from("arm layer")], "arm64");
    await pushImage({ ecr, repositoryName: "multi", image: arm, tags: ["arm"] });
    await pushImage({ ecr, repositoryName: "multi", image: amd, tags: ["amd"] });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          { mediaType: arm.manifestMediaType, digest: arm.manifestDigest, size: arm.manifestBytes.length, platform: { os: "linux", architecture: "arm64" } },
          { mediaType: amd.manifestMediaType, digest: amd.manifestDigest, size: amd.manifestBytes.length, platform: { os: "linux", architecture: "amd64" } },
        ],
      }),
    );
    await ecr.send(new PutImageCommand({ repositoryName: "multi", imageManifest: index.toString(), imageManifestMediaType: "application/vnd.oci.image.index.v1+json", imageTag: "latest" }));
    expect(await checkRemoteImage({ ecr, repositoryName: "multi", localConfigDigest: amd.configDigest })).toEqual({
      decision: { action: "skip", reason: "config-matches", remoteConfigDigest: amd.configDigest },
      remoteManifestDigest: sha256(index),
    });
    expect((await checkRemoteImage({ ecr, repositoryName: "multi", localConfigDigest: arm.configDigest })).decision).toMatchObject({
      action: "push",
      reason: "config-differs",
      remoteConfigDigest: amd.configDigest,
    });
  });

  it("reports a repository without latest", async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "empty-repo" }));
    expect((await checkRemoteImage({ ecr, repositoryName: "empty-repo", localConfigDigest: sha256(Buffer.from("x")) })).decision).toEqual({
      action: "push",
      reason: "latest-missing",
    });
  });
});
