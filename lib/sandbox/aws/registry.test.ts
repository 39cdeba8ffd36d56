import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand, DescribeImagesCommand, GetAccountSettingCommand, GetAuthorizationTokenCommand,
  InitiateLayerUploadCommand, ListImagesCommand, PutAccountSettingCommand, PutImageCommand, UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, GetAccessKeyLastUsedCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ADMIN, startTestSandbox, waitPropagation, type Creds, type TestSandbox } from "./test-helpers";
import { issueAuthorizationToken } from "./ecr";
import type { AwsCall } from "./call";
import { sha256 } from "./registry-test-support";

let t: TestSandbox;
let adminAuth: string;
beforeAll(async () => {
  t = await startTestSandbox();
  adminAuth = await tokenFor(ADMIN);
});
afterAll(async () => {
  await t.close();
  // The AWS test helper leaves its data dir for restart tests; this file has no use for it afterwards.
  fs.rmSync(t.dataDir, { recursive: true, force: true });
});

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

/** The `Authorization` header `docker login -u AWS -p <password>` sends: the authorization token itself. */
async function tokenFor(creds: Creds, region = "us-east-1"): Promise<string> {
  const data = (await t.ecr(creds, region).send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
  return `Basic ${data.authorizationToken}`;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- registry error bodies; tests assert their shape
  json: any;
}

async function reg(method: string, path: string, o: { auth?: string | null; headers?: Record<string, string>; body?: Buffer | string; follow?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const auth = o.auth === undefined ? adminAuth : o.auth;
  if (auth) headers.authorization = auth;
  const res = await fetch(path.startsWith("http") ? path : `${t.url}${path}`, { method, headers, body: typeof o.body === "string" ? o.body : o.body === undefined ? undefined : new Uint8Array(o.body), redirect: o.follow ? "follow" : "manual" });
  const body = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body, json };
}

const errorCode = (r: Reply) => r.json?.errors?.[0]?.code as string | undefined;

async function createRepo(name: string, mutability: "MUTABLE" | "IMMUTABLE" = "MUTABLE") {
  await t.ecr().send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: mutability }));
}

/** Upload a blob through /v2 in one POST ?digest= request. */
async function pushBlob(repo: string, data: Buffer, auth?: string): Promise<string> {
  const digest = sha256(data);
  const r = await reg("POST", `/v2/${repo}/blobs/uploads/?digest=${digest}`, { auth, body: data, headers: { "content-type": "application/octet-stream" } });
  expect(r.status).toBe(201);
  return digest;
}

function imageManifest(config: Buffer, layers: Buffer[], mediaType = OCI_MANIFEST): string {
  const oci = mediaType === OCI_MANIFEST;
  return JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json", size: config.length, digest: sha256(config) },
      layers: layers.map((l) => ({ mediaType: oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip", size: l.length, digest: sha256(l) })),
    },
    null,
    // Odd indentation on purpose: the registry must keep the exact bytes.
    5,
  );
}

async function pushImage(repo: string, tag: string, seed: string, mediaType = OCI_MANIFEST): Promise<{ manifest: string; digest: string; config: Buffer; layer: Buffer }> {
  const layer = Buffer.from(`layer of ${seed}`);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", seed }));
  await pushBlob(repo, layer);
  await pushBlob(repo, config);
  const manifest = imageManifest(config, [layer], mediaType);
  const r = await reg("PUT", `/v2/${repo}/manifests/${tag}`, { body: manifest, headers: { "content-type": mediaType } });
  expect(r.status).toBe(201);
  return { manifest, digest: sha256(manifest), config, layer };
}

/** A new IAM user allowed `actions` on `resource` (and to get an ECR token), with a propagated key. */
async function userWithPolicy(name: string, actions: string[], resource = "*"): Promise<Creds> {
  const iam = t.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  const Statement = [
    { Effect: "Allow", Action: actions, Resource: resource },
    { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
  ];
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement }) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  await waitPropagation();
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

describe("registry authentication, as ECR answers it", () => {
  it("challenges a client without credentials, refuses unreadable and expired tokens, accepts GetAuthorizationToken's", async () => {
    const none = await reg("GET", "/v2/", { auth: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(`Basic realm="${t.url}/",service="ecr.amazonaws.com"`);
    expect(none.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(none.body.toString()).toBe("Not Authorized\n");

    const bearer = await reg("GET", "/v2/", { auth: "Bearer abc" });
    expect(bearer.status).toBe(401);

    const forged = await reg("GET", "/v2/", { auth: `Basic ${Buffer.from("AWS:eyJrIjoiQUtJQSJ9.deadbeef").toString("base64")}` });
    expect(forged.status).toBe(400);
    expect(forged.json).toEqual({ errors: [{ code: "DENIED", message: "Your Authorization Token is invalid." }] });
    const wrongUser = await reg("GET", "/v2/", { auth: adminAuth.replace(/^Basic (.*)$/, (_m, b64: string) => `Basic ${Buffer.from(Buffer.from(b64, "base64").toString().replace(/^AWS:/, "admin:")).toString("base64")}`) });
    expect(wrongUser.status).toBe(400);

    const call = { ctx: t.sb.ctx, region: "us-east-1", principal: { kind: "root", accessKeyId: ADMIN.accessKeyId } } as unknown as AwsCall;
    const expired = await reg("GET", "/v2/mcp-server-tcp/manifests/latest", { auth: `Basic ${issueAuthorizationToken(call, Date.now() - 1000)}` });
    expect(expired.status).toBe(403);
    expect(expired.json).toEqual({ errors: [{ code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." }] });

    const ok = await reg("GET", "/v2/");
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({});
    expect(ok.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
  });

  it("ties the token to its key: a deleted key's token stops working, and registry calls count as the key's use", async () => {
    const creds = await userWithPolicy("reg-tied", ["ecr:*"]);
    const auth = await tokenFor(creds);
    const before = (await t.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }))).AccessKeyLastUsed!;
    // IAM reports the last use to the second.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await reg("GET", "/v2/mcp-server-tcp/tags/list", { auth })).status).toBe(200);
    const after = (await t.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }))).AccessKeyLastUsed!;
    expect(after.ServiceName).toBe("ecr");
    expect(after.LastUsedDate!.getTime()).toBeGreaterThan(before.LastUsedDate!.getTime());
    await t.iam().send(new DeleteAccessKeyCommand({ UserName: "reg-tied", AccessKeyId: creds.accessKeyId }));
    const gone = await reg("GET", "/v2/", { auth });
    expect(gone.status).toBe(400);
    expect(errorCode(gone)).toBe("DENIED");
  });

  it("GetAuthorizationToken's proxyEndpoint is this registry", async () => {
    const data = (await t.ecr().send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
    expect(data.proxyEndpoint).toBe(t.url);
    const r = await reg("GET", `${data.proxyEndpoint}/v2/`, { auth: `Basic ${data.authorizationToken}` });
    expect(r.status).toBe(200);
  });
});

describe("manifests", () => {
  it("stores the exact bytes, serves them by tag and by digest with their type and digest, and the ECR API sees the same", async () => {
    await createRepo("reg/manifests");
    const img = await pushImage("reg/manifests", "v1", "m1");
    for (const ref of ["v1", img.digest]) {
      const r = await reg("GET", `/v2/reg/manifests/manifests/${ref}`, { headers: { accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` } });
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(img.manifest);
      expect(r.headers.get("content-type")).toBe(OCI_MANIFEST);
      expect(r.headers.get("docker-content-digest")).toBe(img.digest);
      expect(Number(r.headers.get("content-length"))).toBe(Buffer.byteLength(img.manifest));
      const h = await reg("HEAD", `/v2/reg/manifests/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
      expect(h.status).toBe(200);
      expect(h.headers.get("docker-content-digest")).toBe(img.digest);
      expect(h.body.length).toBe(0);
    }
    const api = await t.ecr().send(new BatchGetImageCommand({ repositoryName: "reg/manifests", imageIds: [{ imageTag: "v1" }] }));
    expect(api.images![0].imageManifest).toBe(img.manifest);
    expect(api.images![0].imageId!.imageDigest).toBe(img.digest);
    const described = await t.ecr().send(new DescribeImagesCommand({ repositoryName: "reg/manifests", imageIds: [{ imageTag: "v1" }] }));
    expect(described.imageDetails![0]).toMatchObject({ imageDigest: img.digest, imageManifestMediaType: OCI_MANIFEST, imageSizeInBytes: img.layer.length, imageTags: ["v1"] });
    expect(described.imageDetails![0].lastRecordedPullTime).toBeInstanceOf(Date);
  });

  it("converts between Docker schema 2 and OCI on pull by tag when the client does not accept the stored type, never by digest", async () => {
    await createRepo("reg/convert");
    const docker = await pushImage("reg/convert", "docker", "c1", DOCKER_MANIFEST);
    const asOci = await reg("GET", "/v2/reg/convert/manifests/docker", { headers: { accept: OCI_MANIFEST } });
    expect(asOci.headers.get("content-type")).toBe(OCI_MANIFEST);
    const converted = JSON.parse(asOci.body.toString());
    expect(converted.config).toEqual({ mediaType: "application/vnd.oci.image.config.v1+json", size: docker.config.length, digest: sha256(docker.config) });
    expect(converted.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(asOci.headers.get("docker-content-digest")).toBe(sha256(asOci.body));
    const byDigest = await reg("GET", `/v2/reg/convert/manifests/${docker.digest}`, { headers: { accept: OCI_MANIFEST } });
    expect(byDigest.body.toString()).toBe(docker.manifest);

    const oci = await pushImage("reg/convert", "oci", "c2", OCI_MANIFEST);
    const asDocker = await reg("GET", "/v2/reg/convert/manifests/oci", { headers: { accept: DOCKER_MANIFEST } });
    expect(asDocker.headers.get("content-type")).toBe(DOCKER_MANIFEST);
    expect(JSON.parse(asDocker.body.toString()).config.digest).toBe(sha256(oci.config));
    const both = await reg("GET", "/v2/reg/convert/manifests/oci", { headers: { accept: `${DOCKER_MANIFEST};q=0.5, ${OCI_MANIFEST}` } });
    expect(both.body.toString()).toBe(oci.manifest);
  });

  it("answers the spec's errors: unknown repository, unknown manifest, missing blobs, wrong digest, bad tag", async () => {
    const noRepo = await reg("GET", "/v2/reg/absent/manifests/latest");
    expect(noRepo.status).toBe(404);
    expect(noRepo.json.errors[0]).toEqual({ code: "NAME_UNKNOWN", message: "The repository with name 'reg/absent' does not exist in the registry with id '123456789012'" });
    await createRepo("reg/errors");
    const noImage = await reg("GET", "/v2/reg/errors/manifests/nope");
    expect(noImage.status).toBe(404);
    expect(noImage.json.errors[0]).toEqual({ code: "MANIFEST_UNKNOWN", message: "Requested image not found" });
    expect((await reg("HEAD", "/v2/reg/errors/manifests/nope")).status).toBe(404);

    const config = Buffer.from("{}");
    const layer = Buffer.from("never uploaded");
    const manifest = imageManifest(config, [layer]);
    const missing = await reg("PUT", "/v2/reg/errors/manifests/v1", { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    expect(missing.status).toBe(400);
    expect(errorCode(missing)).toBe("MANIFEST_BLOB_UNKNOWN");

    await pushBlob("reg/errors", config);
    await pushBlob("reg/errors", layer);
    const wrongDigest = await reg("PUT", `/v2/reg/errors/manifests/${sha256("something else")}`, { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    expect(wrongDigest.status).toBe(400);
    expect(errorCode(wrongDigest)).toBe("DIGEST_INVALID");
    const invalid = await reg("PUT", "/v2/reg/errors/manifests/v1", { body: "{not json", headers: { "content-type": OCI_MANIFEST } });
    expect(errorCode(invalid)).toBe("MANIFEST_INVALID");
    const badTag = await reg("PUT", "/v2/reg/errors/manifests/-bad", { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    expect(errorCode(badTag)).toBe("TAG_INVALID");
    const byDigest = await reg("PUT", `/v2/reg/errors/manifests/${sha256(manifest)}`, { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    expect(byDigest.status).toBe(201);
    expect(byDigest.headers.get("location")).toBe(`/v2/reg/errors/manifests/${sha256(manifest)}`);
    expect(byDigest.headers.get("docker-content-digest")).toBe(sha256(manifest));
    const untagged = await t.ecr().send(new ListImagesCommand({ repositoryName: "reg/errors" }));
    expect(untagged.imageIds).toEqual([{ imageDigest: sha256(manifest) }]);
  });

  it("refuses to move a tag of an IMMUTABLE repository with TAG_INVALID and ECR's message, and accepts re-putting the same image", async () => {
    await createRepo("reg/immutable", "IMMUTABLE");
    const first = await pushImage("reg/immutable", "latest", "i1");
    const again = await reg("PUT", "/v2/reg/immutable/manifests/latest", { body: first.manifest, headers: { "content-type": OCI_MANIFEST } });
    expect(again.status).toBe(201);
    const layer = Buffer.from("layer of i2");
    const config = Buffer.from(JSON.stringify({ seed: "i2" }));
    await pushBlob("reg/immutable", layer);
    await pushBlob("reg/immutable", config);
    const moved = await reg("PUT", "/v2/reg/immutable/manifests/latest", { body: imageManifest(config, [layer]), headers: { "content-type": OCI_MANIFEST } });
    expect(moved.status).toBe(400);
    expect(moved.json.errors[0]).toEqual({ code: "TAG_INVALID", message: "The image tag 'latest' already exists in the 'reg/immutable' repository and cannot be overwritten because the repository is immutable." });
  });

  it("accepts an image index only once its images are there, and serves it by tag", async () => {
    await createRepo("reg/index");
    const a = await pushImage("reg/index", "a", "ia");
    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: a.digest, size: Buffer.byteLength(a.manifest), platform: { os: "linux", architecture: "amd64" } }, { mediaType: OCI_MANIFEST, digest: sha256("absent"), size: 10, platform: { os: "linux", architecture: "arm64" } }] });
    const early = await reg("PUT", "/v2/reg/index/manifests/multi", { body: index, headers: { "content-type": OCI_INDEX } });
    expect(errorCode(early)).toBe("MANIFEST_BLOB_UNKNOWN");
    const ok = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [JSON.parse(index).manifests[0]] });
    expect((await reg("PUT", "/v2/reg/index/manifests/multi", { body: ok, headers: { "content-type": OCI_INDEX } })).status).toBe(201);
    const got = await reg("GET", "/v2/reg/index/manifests/multi", { headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}` } });
    expect(got.headers.get("content-type")).toBe(OCI_INDEX);
    expect(got.body.toString()).toBe(ok);
  });

  it("deletes by tag (the tag) and by digest (the image and its tags) with 202, as BatchDeleteImage does", async () => {
    await createRepo("reg/delete");
    const img = await pushImage("reg/delete", "one", "d1");
    await reg("PUT", "/v2/reg/delete/manifests/two", { body: img.manifest, headers: { "content-type": OCI_MANIFEST } });
    expect((await reg("DELETE", "/v2/reg/delete/manifests/one")).status).toBe(202);
    const left = await t.ecr().send(new DescribeImagesCommand({ repositoryName: "reg/delete" }));
    expect(left.imageDetails![0].imageTags).toEqual(["two"]);
    expect((await reg("DELETE", `/v2/reg/delete/manifests/${img.digest}`)).status).toBe(202);
    expect((await t.ecr().send(new DescribeImagesCommand({ repositoryName: "reg/delete" }))).imageDetails).toEqual([]);
    const again = await reg("DELETE", `/v2/reg/delete/manifests/${img.digest}`);
    expect(again.status).toBe(404);
    expect(errorCode(again)).toBe("MANIFEST_UNKNOWN");
  });

  it("lists tags in lexical order with n, last and a Link to the next page", async () => {
    await createRepo("reg/tags");
    const img = await pushImage("reg/tags", "b", "t1");
    for (const tag of ["a", "c", "d"]) await reg("PUT", `/v2/reg/tags/manifests/${tag}`, { body: img.manifest, headers: { "content-type": OCI_MANIFEST } });
    const all = await reg("GET", "/v2/reg/tags/tags/list");
    expect(all.json).toEqual({ name: "reg/tags", tags: ["a", "b", "c", "d"] });
    expect(all.headers.get("link")).toBeNull();
    const first = await reg("GET", "/v2/reg/tags/tags/list?n=2");
    expect(first.json.tags).toEqual(["a", "b"]);
    expect(first.headers.get("link")).toBe('</v2/reg/tags/tags/list?n=2&last=b>; rel="next"');
    const second = await reg("GET", "/v2/reg/tags/tags/list?n=2&last=b");
    expect(second.json.tags).toEqual(["c", "d"]);
    expect(second.headers.get("link")).toBeNull();
    expect((await reg("GET", "/v2/reg/tags/tags/list?n=0")).json.tags).toEqual([]);
  });
});

describe("blobs and uploads", () => {
  it("checks with HEAD, redirects GET to the layer's download URL, which serves Range requests", async () => {
    await createRepo("reg/blobs");
    const data = Buffer.from("0123456789abcdef");
    const digest = await pushBlob("reg/blobs", data);
    const head = await reg("HEAD", `/v2/reg/blobs/blobs/${digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(data.length));
    expect(head.headers.get("docker-content-digest")).toBe(digest);
    const get = await reg("GET", `/v2/reg/blobs/blobs/${digest}`);
    expect(get.status).toBe(307);
    const location = get.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^${t.url}/ecr-layers/us-east-1/${digest}\\?`));
    const whole = await reg("GET", location, { auth: null });
    expect(whole.body.equals(data)).toBe(true);
    const part = await reg("GET", location, { auth: null, headers: { range: "bytes=4-7" } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe("4567");
    expect(part.headers.get("content-range")).toBe(`bytes 4-7/${data.length}`);
    expect((await reg("GET", location, { auth: null, headers: { range: "bytes=99-" } })).status).toBe(416);
    const followed = await reg("GET", `/v2/reg/blobs/blobs/${digest}`, { follow: true, headers: { range: "bytes=-3" } });
    expect(followed.body.toString()).toBe("def");

    const unknown = await reg("GET", `/v2/reg/blobs/blobs/${sha256("nope")}`);
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe("BLOB_UNKNOWN");
    expect((await reg("HEAD", `/v2/reg/blobs/blobs/${sha256("nope")}`)).status).toBe(404);
    const del = await reg("DELETE", `/v2/reg/blobs/blobs/${digest}`);
    expect(del.status).toBe(405);
    expect(errorCode(del)).toBe("UNSUPPORTED");
  });

  it("takes chunked uploads with Content-Range, reports progress, refuses out-of-order chunks with 416 and wrong digests", async () => {
    await createRepo("reg/chunks");
    const start = await reg("POST", "/v2/reg/chunks/blobs/uploads/");
    expect(start.status).toBe(202);
    const location = start.headers.get("location")!;
    const uuid = start.headers.get("docker-upload-uuid")!;
    expect(location).toBe(`/v2/reg/chunks/blobs/uploads/${uuid}`);
    expect(start.headers.get("range")).toBe("0-0");
    const data = Buffer.from("first chunk|second chunk|third");
    const p1 = await reg("PATCH", location, { body: data.subarray(0, 12), headers: { "content-range": "0-11", "content-type": "application/octet-stream" } });
    expect(p1.status).toBe(202);
    expect(p1.headers.get("range")).toBe("0-11");
    expect(p1.headers.get("location")).toBe(location);
    const gap = await reg("PATCH", location, { body: data.subarray(20), headers: { "content-range": `20-${data.length - 1}` } });
    expect(gap.status).toBe(416);
    expect(gap.headers.get("range")).toBe("0-11");
    expect(errorCode(gap)).toBe("BLOB_UPLOAD_INVALID");
    const p2 = await reg("PATCH", location, { body: data.subarray(12, 25), headers: { "content-range": "12-24" } });
    expect(p2.headers.get("range")).toBe("0-24");
    const status = await reg("GET", location);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe("0-24");
    const wrong = await reg("PUT", `${location}?digest=${sha256("other")}`, { body: data.subarray(25) });
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong)).toBe("DIGEST_INVALID");
    expect(errorCode(await reg("GET", location))).toBe("BLOB_UPLOAD_UNKNOWN");

    const again = (await reg("POST", "/v2/reg/chunks/blobs/uploads/")).headers.get("location")!;
    await reg("PATCH", again, { body: data.subarray(0, 25) });
    const done = await reg("PUT", `${again}?digest=${sha256(data)}`, { body: data.subarray(25), headers: { "content-type": "application/octet-stream" } });
    expect(done.status).toBe(201);
    expect(done.headers.get("location")).toBe(`/v2/reg/chunks/blobs/${sha256(data)}`);
    expect(done.headers.get("docker-content-digest")).toBe(sha256(data));
    const cancelled = (await reg("POST", "/v2/reg/chunks/blobs/uploads/")).headers.get("location")!;
    expect((await reg("DELETE", cancelled)).status).toBe(204);
    expect((await reg("PATCH", cancelled, { body: "x" })).status).toBe(404);
  });

  it("streams a chunk larger than UploadLayerPart's 20 MiB limit, as registry clients send whole layers in one PATCH", async () => {
    await createRepo("reg/big");
    const data = Buffer.alloc(21 * 1024 * 1024, 7);
    const loc = (await reg("POST", "/v2/reg/big/blobs/uploads/")).headers.get("location")!;
    const patched = await reg("PATCH", loc, { body: data });
    expect(patched.headers.get("range")).toBe(`0-${data.length - 1}`);
    expect((await reg("PUT", `${loc}?digest=${sha256(data)}`)).status).toBe(201);
    expect((await reg("HEAD", `/v2/reg/big/blobs/${sha256(data)}`)).headers.get("content-length")).toBe(String(data.length));
  });

  it("shares upload sessions and layers with the ECR API, both ways", async () => {
    await createRepo("reg/shared");
    const ecr = t.ecr();
    const data = Buffer.from("started by the API, finished by the registry");
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: "reg/shared" }));
    await ecr.send(new UploadLayerPartCommand({ repositoryName: "reg/shared", uploadId, partFirstByte: 0, partLastByte: 9, layerPartBlob: data.subarray(0, 10) }));
    const status = await reg("GET", `/v2/reg/shared/blobs/uploads/${uploadId}`);
    expect(status.headers.get("range")).toBe("0-9");
    await reg("PATCH", `/v2/reg/shared/blobs/uploads/${uploadId}`, { body: data.subarray(10), headers: { "content-range": `10-${data.length - 1}` } });
    expect((await reg("PUT", `/v2/reg/shared/blobs/uploads/${uploadId}?digest=${sha256(data)}`)).status).toBe(201);

    const other = Buffer.from("started by the registry, finished by the API");
    const loc = (await reg("POST", "/v2/reg/shared/blobs/uploads/")).headers;
    const id = loc.get("docker-upload-uuid")!;
    await ecr.send(new UploadLayerPartCommand({ repositoryName: "reg/shared", uploadId: id, partFirstByte: 0, partLastByte: other.length - 1, layerPartBlob: other }));
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName: "reg/shared", uploadId: id, layerDigests: [sha256(other)] }));
    // Both layers are the repository's now: a manifest through the API can use them, and /v2 serves it.
    const manifest = imageManifest(data, [other]);
    await ecr.send(new PutImageCommand({ repositoryName: "reg/shared", imageManifest: manifest, imageTag: "api" }));
    const got = await reg("GET", "/v2/reg/shared/manifests/api", { headers: { accept: OCI_MANIFEST } });
    expect(got.body.toString()).toBe(manifest);
  });

  it("mounts a layer from another repository only with BLOB_MOUNTING enabled and read access to the source", async () => {
    await createRepo("reg/mount-src");
    await createRepo("reg/mount-dst");
    const digest = await pushBlob("reg/mount-src", Buffer.from("shared base layer"));
    const path = `/v2/reg/mount-dst/blobs/uploads/?mount=${digest}&from=reg/mount-src`;
    const ecr = t.ecr();
    expect(await ecr.send(new GetAccountSettingCommand({ name: "BLOB_MOUNTING" }))).toMatchObject({ name: "BLOB_MOUNTING", value: "DISABLED" });
    const disabled = await reg("POST", path);
    expect(disabled.status).toBe(202);
    expect(disabled.headers.get("location")).toMatch(/^\/v2\/reg\/mount-dst\/blobs\/uploads\//);
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ENABLED" }));
    const noRead = await userWithPolicy("reg-mounter", ["ecr:InitiateLayerUpload", "ecr:BatchCheckLayerAvailability"], "arn:aws:ecr:us-east-1:123456789012:repository/reg/mount-dst");
    const refused = await reg("POST", path, { auth: await tokenFor(noRead) });
    expect(refused.status).toBe(202);
    const mounted = await reg("POST", path);
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get("location")).toBe(`/v2/reg/mount-dst/blobs/${digest}`);
    expect((await reg("HEAD", `/v2/reg/mount-dst/blobs/${digest}`)).status).toBe(200);
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "DISABLED" }));
  });
});

describe("authorisation and CloudTrail", () => {
  it("refuses what the token's identity may not do with DENIED and IAM's message", async () => {
    const puller = await userWithPolicy("reg-puller", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]);
    const auth = await tokenFor(puller);
    expect((await reg("GET", "/v2/mcp-server-tcp/manifests/latest", { auth })).status).toBe(200);
    const push = await reg("POST", "/v2/mcp-server-tcp/blobs/uploads/", { auth });
    expect(push.status).toBe(403);
    expect(push.json.errors[0]).toEqual({
      code: "DENIED",
      message:
        "User: arn:aws:iam::123456789012:user/reg-puller is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp because no identity-based policy allows the ecr:InitiateLayerUpload action",
    });
    const withBody = await reg("POST", `/v2/mcp-server-tcp/blobs/uploads/?digest=${sha256("x".repeat(100000))}`, { auth, body: "x".repeat(100000) });
    expect(withBody.status).toBe(403);
    // Authorisation comes before the lookup: a denied caller cannot probe which repositories exist.
    const probe = await reg("POST", "/v2/no-such-repo/blobs/uploads/", { auth });
    expect(probe.status).toBe(403);

    const { pushUserKey } = await t.seedShared();
    const drifted = await tokenFor(pushUserKey!);
    const start = await reg("POST", "/v2/mcp-server-tcp/blobs/uploads/", { auth: drifted });
    expect(start.status).toBe(202);
    const loc = start.headers.get("location")!;
    expect((await reg("PATCH", loc, { auth: drifted, body: "abc" })).status).toBe(202);
    const complete = await reg("PUT", `${loc}?digest=${sha256("abc")}`, { auth: drifted });
    expect(complete.status).toBe(403);
    expect(complete.json.errors[0].message).toContain("ecr:CompleteLayerUpload");
  });

  it("records the events ECR documents for a push and a pull, with the caller's identity and agent", async () => {
    await createRepo("reg/trail");
    const creds = await userWithPolicy("reg-trail", ["ecr:*"]);
    const auth = await tokenFor(creds);
    const since = new Date(Date.now() - 1000);
    const layer = Buffer.from("trail layer");
    const agent = { "user-agent": "containers/5.24.1 (github.com/containers/image)" };
    const start = (await reg("POST", "/v2/reg/trail/blobs/uploads/", { auth, headers: agent })).headers.get("location")!;
    await reg("PATCH", start, { auth, body: layer, headers: agent });
    await reg("PUT", `${start}?digest=${sha256(layer)}`, { auth, headers: agent });
    await reg("HEAD", `/v2/reg/trail/blobs/${sha256(layer)}`, { auth, headers: agent });
    const config = Buffer.from("{}");
    await pushBlob("reg/trail", config, auth);
    const manifest = imageManifest(config, [layer]);
    await reg("PUT", "/v2/reg/trail/manifests/v1", { auth, body: manifest, headers: { ...agent, "content-type": OCI_MANIFEST } });
    await reg("HEAD", "/v2/reg/trail/manifests/v1", { auth, headers: agent });
    await reg("GET", "/v2/reg/trail/manifests/v1", { auth, headers: { ...agent, accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` } });
    await reg("GET", `/v2/reg/trail/blobs/${sha256(layer)}`, { auth, headers: agent });

    const events = (await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "reg-trail" }], StartTime: since }))).Events!;
    const names = events.map((e) => e.EventName).reverse();
    expect(names).toEqual([
      "GetAuthorizationToken",
      "InitiateLayerUpload",
      "UploadLayerPart",
      "CompleteLayerUpload",
      "InitiateLayerUpload",
      "UploadLayerPart",
      "CompleteLayerUpload",
      "PutImage",
      "BatchGetImage",
      "GetDownloadUrlForLayer",
    ]);
    // The first of each name, in call order.
    const byName = (n: string) => JSON.parse([...events].reverse().find((e) => e.EventName === n)!.CloudTrailEvent!);
    const put = byName("PutImage");
    expect(put).toMatchObject({
      eventSource: "ecr.amazonaws.com",
      userAgent: agent["user-agent"],
      userIdentity: { type: "IAMUser", userName: "reg-trail", accessKeyId: creds.accessKeyId },
      requestParameters: { repositoryName: "reg/trail", imageTag: "v1", registryId: "123456789012", imageManifest: manifest },
      responseElements: { image: { imageId: { imageDigest: sha256(manifest), imageTag: "v1" } } },
      resources: [{ ARN: "arn:aws:ecr:us-east-1:123456789012:repository/reg/trail" }],
    });
    expect(byName("BatchGetImage")).toMatchObject({ requestParameters: { imageIds: [{ imageTag: "v1" }], acceptedMediaTypes: [OCI_MANIFEST, DOCKER_MANIFEST], repositoryName: "reg/trail" }, responseElements: null, readOnly: true });
    expect(byName("UploadLayerPart").requestParameters).toMatchObject({ partFirstByte: 0, partLastByte: layer.length - 1 });
    expect(byName("CompleteLayerUpload").responseElements).toMatchObject({ layerDigest: sha256(layer) });

    const denied = await userWithPolicy("reg-trail-denied", ["ecr:DescribeImages"]);
    await reg("GET", "/v2/reg/trail/manifests/v1", { auth: await tokenFor(denied) });
    const refused = (await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "reg-trail-denied" }] }))).Events!;
    const event = JSON.parse(refused.find((e) => e.EventName === "BatchGetImage")!.CloudTrailEvent!);
    expect(event.errorCode).toBe("AccessDeniedException");
  });

  // The Debian AWS CLI (2.9) predates get-account-setting / put-account-setting; the SDK has them.
  it("answers ECR's account settings, refusing values and names it does not take", async () => {
    const ecr = t.ecr();
    const bad = await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ON" })).catch((e: Error) => e);
    expect(bad).toMatchObject({ name: "InvalidParameterException" });
    const unknown = await ecr.send(new GetAccountSettingCommand({ name: "NO_SUCH_SETTING" })).catch((e: Error) => e);
    expect(unknown).toMatchObject({ name: "InvalidParameterException" });
    expect(await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ENABLED" }))).toMatchObject({ name: "BLOB_MOUNTING", value: "ENABLED" });
    expect(await ecr.send(new GetAccountSettingCommand({ name: "BLOB_MOUNTING" }))).toMatchObject({ value: "ENABLED" });
    // Per registry: another region keeps its default.
    expect(await t.ecr(ADMIN, "eu-west-1").send(new GetAccountSettingCommand({ name: "BLOB_MOUNTING" }))).toMatchObject({ value: "DISABLED" });
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "DISABLED" }));
  });
});
