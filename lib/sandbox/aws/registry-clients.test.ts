import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, GetAuthorizationTokenCommand, PutAccountSettingCommand } from "@aws-sdk/client-ecr";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ADMIN, startTestSandbox, type Creds, type TestSandbox } from "./test-helpers";
import { multiArchLayout, sha256, singleImageLayout, ToolSandbox } from "./registry-test-support";
import { issueAuthorizationToken } from "./ecr";
import type { AwsCall } from "./call";
import { readOciLayout } from "../../integrations/build/read-oci-layout";
import { pushImage } from "../../integrations/aws/push-image";

/**
 * Real clients from Debian (skopeo 1.9, buildah 1.28) against the sandbox's registry: what they push, the ECR API sees
 * with the same digests; what the ECR API holds (seeded images, Deckhand's own push), they pull with the same digests.
 */
const TOOL_TEST_MS = 180_000;

let t: TestSandbox;
let host: string;
let adminCreds: string;
const tools: ToolSandbox[] = [];
beforeAll(async () => {
  t = await startTestSandbox();
  host = new URL(t.url).host;
  adminCreds = await loginPassword(ADMIN);
});
afterEach(async () => {
  for (const s of tools.splice(0)) await s.dispose();
});
afterAll(async () => {
  await t.close();
  // The AWS test helper leaves its data dir for restart tests; this file has no use for it afterwards.
  fs.rmSync(t.dataDir, { recursive: true, force: true });
});

function scratch(): ToolSandbox {
  const s = new ToolSandbox();
  tools.push(s);
  return s;
}

/** `AWS:<password>`, what `aws ecr get-login-password` piped into a login gives a client. */
async function loginPassword(creds: Creds): Promise<string> {
  const data = (await t.ecr(creds).send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
  return Buffer.from(data.authorizationToken!, "base64").toString();
}

const ref = (repo: string, tag: string) => `docker://${host}/${repo}:${tag}`;
const to = (creds = adminCreds) => ["--dest-tls-verify=false", "--dest-creds", creds];
const from = (creds = adminCreds) => ["--src-tls-verify=false", "--src-creds", creds];
const read = (creds = adminCreds) => ["--tls-verify=false", "--creds", creds];

async function ok(s: ToolSandbox, command: "skopeo" | "buildah", args: string[]): Promise<string> {
  const r = await s.run(command, args);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function apiImage(repositoryName: string, imageTag: string) {
  const ecr = t.ecr();
  const described = (await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }))).imageDetails![0];
  const got = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }], acceptedMediaTypes: [described.imageManifestMediaType!] }))).images![0];
  const manifest = JSON.parse(got.imageManifest!) as { config?: { digest: string }; layers?: Array<{ digest: string }>; manifests?: Array<{ digest: string }> };
  return { digest: described.imageDigest!, mediaType: described.imageManifestMediaType!, manifestText: got.imageManifest!, configDigest: manifest.config?.digest, layers: manifest.layers?.map((l) => l.digest) };
}

/** The one manifest digest an OCI layout's index.json names. */
const layoutDigest = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> }).manifests[0].digest;
const layoutBlob = (dir: string, digest: string) => fs.readFileSync(path.join(dir, "blobs", "sha256", digest.slice(7)));

describe("skopeo", () => {
  it("logs in with the AWS CLI's get-login-password, as `docker login` is used with ECR", async () => {
    const s = scratch();
    const cli = await t.cli(["ecr", "get-login-password"]);
    expect(cli.code).toBe(0);
    const password = cli.stdout.trim();
    expect(await ok(s, "skopeo", ["login", "--tls-verify=false", "-u", "AWS", "-p", password, host])).toContain("Login Succeeded");
    const wrong = await s.run("skopeo", ["login", "--tls-verify=false", "-u", "AWS", "-p", "not-a-token", host]);
    expect(wrong.code).not.toBe(0);
    const inspected = JSON.parse(await ok(s, "skopeo", ["inspect", "--tls-verify=false", ref("mcp-server-tcp", "latest")])) as { Digest: string };
    expect(inspected.Digest).toBe((await apiImage("mcp-server-tcp", "latest")).digest);
  }, TOOL_TEST_MS);

  it("pushes an OCI layout that the ECR API then describes with the same digests, and inspects and copies it back unchanged", async () => {
    const s = scratch();
    await t.ecr().send(new CreateRepositoryCommand({ repositoryName: "clients/app" }));
    const img = singleImageLayout(s.path("oci"), "v1", [{ name: "app/hello.txt", content: "hello\n" }]);
    await ok(s, "skopeo", ["copy", ...to(), `oci:${s.path("oci")}:v1`, ref("clients/app", "v1")]);

    const api = await apiImage("clients/app", "v1");
    expect(api).toMatchObject({ digest: img.manifestDigest, mediaType: "application/vnd.oci.image.manifest.v1+json", configDigest: img.configDigest, layers: img.layerDigests });
    expect(api.manifestText).toBe(img.manifest.toString());

    const inspected = JSON.parse(await ok(s, "skopeo", ["inspect", ...read(), ref("clients/app", "v1")])) as { Digest: string; Layers: string[] };
    expect(inspected.Digest).toBe(img.manifestDigest);
    expect(inspected.Layers).toEqual(img.layerDigests);
    expect(sha256(await ok(s, "skopeo", ["inspect", "--raw", ...read(), ref("clients/app", "v1")]))).toBe(img.manifestDigest);
    expect(sha256(await ok(s, "skopeo", ["inspect", "--config", "--raw", ...read(), ref("clients/app", "v1")]))).toBe(img.configDigest);

    await ok(s, "skopeo", ["copy", ...from(), ref("clients/app", "v1"), `oci:${s.path("back")}:v1`]);
    expect(layoutDigest(s.path("back"))).toBe(img.manifestDigest);
    expect(sha256(layoutBlob(s.path("back"), img.layerDigests[0]))).toBe(img.layerDigests[0]);
  }, TOOL_TEST_MS);

  it("pushes a docker-archive as a Docker schema 2 image, whose digests skopeo and the ECR API agree on", async () => {
    const s = scratch();
    await t.ecr().send(new CreateRepositoryCommand({ repositoryName: "clients/archive" }));
    singleImageLayout(s.path("oci"), "v1", [{ name: "data.txt", content: "from a docker save\n" }]);
    await ok(s, "skopeo", ["copy", `oci:${s.path("oci")}:v1`, `docker-archive:${s.path("image.tar")}:clients/archive:v1`]);
    await ok(s, "skopeo", ["copy", ...to(), `docker-archive:${s.path("image.tar")}`, ref("clients/archive", "v1")]);

    const api = await apiImage("clients/archive", "v1");
    expect(api.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const raw = await ok(s, "skopeo", ["inspect", "--raw", ...read(), ref("clients/archive", "v1")]);
    expect(raw).toBe(api.manifestText);
    expect(sha256(raw)).toBe(api.digest);
    expect(sha256(await ok(s, "skopeo", ["inspect", "--config", "--raw", ...read(), ref("clients/archive", "v1")]))).toBe(api.configDigest);
  }, TOOL_TEST_MS);

  it("pushes an OCI image index and pulls each platform by --override-arch", async () => {
    const s = scratch();
    await t.ecr().send(new CreateRepositoryCommand({ repositoryName: "clients/multi" }));
    const m = multiArchLayout(s.path("oci"), "m");
    await ok(s, "skopeo", ["copy", "--all", ...to(), `oci:${s.path("oci")}:m`, ref("clients/multi", "m")]);

    const api = await apiImage("clients/multi", "m");
    expect(api).toMatchObject({ digest: m.indexDigest, mediaType: "application/vnd.oci.image.index.v1+json" });
    const children = (await t.ecr().send(new DescribeImagesCommand({ repositoryName: "clients/multi", imageIds: [{ imageDigest: m.arm64.manifestDigest }, { imageDigest: m.amd64.manifestDigest }] }))).imageDetails!;
    expect(children.map((c) => c.imageDigest).sort()).toEqual([m.amd64.manifestDigest, m.arm64.manifestDigest].sort());
    expect(await ok(s, "skopeo", ["inspect", "--raw", ...read(), ref("clients/multi", "m")])).toBe(m.index.toString());

    for (const [arch, image] of [["arm64", m.arm64], ["amd64", m.amd64]] as const) {
      const out = s.path(`pulled-${arch}`);
      await ok(s, "skopeo", ["copy", "--override-os", "linux", "--override-arch", arch, ...from(), ref("clients/multi", "m"), `oci:${out}:x`]);
      expect(layoutDigest(out)).toBe(image.manifestDigest);
      expect(sha256(layoutBlob(out, image.configDigest))).toBe(image.configDigest);
    }
  }, TOOL_TEST_MS);

  it("pulls what went in through the ECR API (a seeded image, and Deckhand's own pushImage) with the same digests", async () => {
    const s = scratch();
    const seeded = await apiImage("mcp-server-tcp", "latest");
    const raw = await ok(s, "skopeo", ["inspect", "--raw", ...read(), ref("mcp-server-tcp", "latest")]);
    expect(raw).toBe(seeded.manifestText);
    expect(sha256(raw)).toBe(seeded.digest);
    expect(sha256(await ok(s, "skopeo", ["inspect", "--config", "--raw", ...read(), ref("mcp-server-tcp", "latest")]))).toBe(seeded.configDigest);
    await ok(s, "skopeo", ["copy", ...from(), ref("mcp-server-tcp", "latest"), `docker-archive:${s.path("seeded.tar")}:mcp-server-tcp:latest`]);

    const { workerKey } = await t.seedShared();
    const built = singleImageLayout(s.path("built"), "img", [{ name: "srv/main.txt", content: "pushed by Deckhand\n" }]);
    const image = await readOciLayout(s.path("built"), "img");
    await pushImage({ ecr: t.ecr(workerKey!), repositoryName: "clients/deckhand-pushed", image, tags: ["abc1234", "latest"] });
    const inspected = JSON.parse(await ok(s, "skopeo", ["inspect", ...read(await loginPassword(workerKey!)), ref("clients/deckhand-pushed", "abc1234")])) as { Digest: string };
    expect(inspected.Digest).toBe(built.manifestDigest);
    expect(sha256(await ok(s, "skopeo", ["inspect", "--config", "--raw", ...read(), ref("clients/deckhand-pushed", "latest")]))).toBe(built.configDigest);
    await ok(s, "skopeo", ["copy", ...from(), ref("clients/deckhand-pushed", "latest"), `oci:${s.path("back")}:x`]);
    expect(layoutDigest(s.path("back"))).toBe(built.manifestDigest);
  }, TOOL_TEST_MS);

  it("mounts layers another repository holds once BLOB_MOUNTING is on, instead of uploading them again", async () => {
    const s = scratch();
    const ecr = t.ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "clients/mount-a" }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "clients/mount-b" }));
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ENABLED" }));
    try {
      const img = singleImageLayout(s.path("oci"), "v1", [{ name: "base.txt", content: "a base layer many services share\n" }]);
      await ok(s, "skopeo", ["copy", ...to(), `oci:${s.path("oci")}:v1`, ref("clients/mount-a", "v1")]);
      const since = new Date();
      const second = await s.run("skopeo", ["--debug", "copy", ...to(), `oci:${s.path("oci")}:v1`, ref("clients/mount-b", "v1")]);
      expect(second.code).toBe(0);
      // skopeo remembers where it pushed each blob (its blob info cache) and asks to mount it from there.
      expect(second.stderr).toContain(`mount=${encodeURIComponent(img.layerDigests[0])}`);
      expect((await apiImage("clients/mount-b", "v1")).digest).toBe(img.manifestDigest);
      const uploads = (await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CompleteLayerUpload" }], StartTime: since }))).Events!;
      const uploadedToB = uploads.map((e) => JSON.parse(e.CloudTrailEvent!).requestParameters).filter((p) => p.repositoryName === "clients/mount-b");
      expect(uploadedToB.flatMap((p) => p.layerDigests)).not.toContain(img.layerDigests[0]);
    } finally {
      await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "DISABLED" }));
    }
  }, TOOL_TEST_MS);

  it("is refused what the key's policy does not allow, and an expired token, with ECR's messages", async () => {
    const s = scratch();
    const { pushUserKey, workerKey } = await t.seedShared();
    singleImageLayout(s.path("oci"), "v1", [{ name: "x.txt", content: "drifted policy\n" }]);
    const drifted = await s.run("skopeo", ["copy", ...to(await loginPassword(pushUserKey!)), `oci:${s.path("oci")}:v1`, ref("mcp-server-tcp", "drift")]);
    expect(drifted.code).not.toBe(0);
    expect(drifted.stderr).toContain("is not authorized to perform: ecr:CompleteLayerUpload");
    await ok(s, "skopeo", ["copy", ...to(await loginPassword(workerKey!)), `oci:${s.path("oci")}:v1`, ref("mcp-server-tcp", "guide-policy")]);

    const call = { ctx: t.sb.ctx, region: "us-east-1", principal: { kind: "root", accessKeyId: ADMIN.accessKeyId } } as unknown as AwsCall;
    const expired = Buffer.from(issueAuthorizationToken(call, Date.now() - 1000), "base64").toString();
    const r = await s.run("skopeo", ["inspect", ...read(expired), ref("mcp-server-tcp", "latest")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Your authorization token has expired. Reauthenticate and try again.");
  }, TOOL_TEST_MS);
});

describe("buildah", () => {
  it("pulls an image Deckhand pushed and pushes it to another repository; the ECR API sees buildah's digests", async () => {
    const s = scratch();
    const seeded = await apiImage("mcp-server-http", "latest");
    await ok(s, "buildah", ["pull", ...read(), `${host}/mcp-server-http:latest`]);
    const inspected = JSON.parse(await ok(s, "buildah", ["inspect", "--type", "image", `${host}/mcp-server-http:latest`])) as { FromImageDigest: string; FromImageID: string };
    expect(inspected.FromImageDigest).toBe(seeded.digest);
    expect(`sha256:${inspected.FromImageID}`).toBe(seeded.configDigest);

    await t.ecr().send(new CreateRepositoryCommand({ repositoryName: "clients/buildah" }));
    const digestFile = s.path("digest");
    await ok(s, "buildah", ["push", ...read(), "--digestfile", digestFile, `${host}/mcp-server-http:latest`, ref("clients/buildah", "b1")]);
    const pushed = await apiImage("clients/buildah", "b1");
    expect(pushed.digest).toBe(fs.readFileSync(digestFile, "utf8").trim());
    expect(pushed.configDigest).toBe(seeded.configDigest);

    await ok(s, "buildah", ["pull", ...read(), `${host}/clients/buildah:b1`]);
    const again = JSON.parse(await ok(s, "buildah", ["inspect", "--type", "image", `${host}/clients/buildah:b1`])) as { FromImageDigest: string };
    expect(again.FromImageDigest).toBe(pushed.digest);
  }, TOOL_TEST_MS);
});
