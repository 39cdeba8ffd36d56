import { describe, expect, it } from "vitest";
import { CreateRepositoryCommand, DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { batchGetManifests, describeImageByTag, describeImages, describeRepository, listRepositories } from "./ecr";
import { readManifestRefs } from "../../judgements/registry/manifest-refs";

const sbx = sharedTestSandbox();

const ecr = () => sbx.clients.aws.ecr;

describe("lib/integrations/aws/ecr against the sandbox", () => {
  it("lists every repository, following nextToken page by page", async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: "zz-extra-one", imageTagMutability: "IMMUTABLE" }));
    const paged = await listRepositories({ ecr: ecr(), pageSize: 1 });
    const whole = await listRepositories({ ecr: ecr() });
    expect(paged.map((r) => r.name).sort()).toEqual(whole.map((r) => r.name).sort());
    expect(whole.map((r) => r.name)).toEqual(expect.arrayContaining(["mcp-server-tcp", "mcp-server-http", "zz-extra-one"]));
    const extra = whole.find((r) => r.name === "zz-extra-one")!;
    expect(extra).toMatchObject({ tagMutability: "IMMUTABLE", uri: expect.stringMatching(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\/zz-extra-one$/) });
    expect(await describeRepository({ ecr: ecr(), repositoryName: "no-such-repo" })).toBeNull();
    expect((await describeRepository({ ecr: ecr(), repositoryName: "mcp-server-tcp" }))?.name).toBe("mcp-server-tcp");
  });

  it("describes every image with the same digests and tags DescribeImages returns, across pages", async () => {
    const direct = await ecr().send(new DescribeImagesCommand({ repositoryName: "mcp-server-tcp", maxResults: 1000 }));
    const all = await describeImages({ ecr: ecr(), repositoryName: "mcp-server-tcp", pageSize: 2 });
    expect(all.length).toBe(direct.imageDetails?.length);
    expect(all.length).toBeGreaterThan(2);
    const byDigest = new Map(all.map((i) => [i.digest, i.tags]));
    for (const d of direct.imageDetails ?? []) expect(byDigest.get(d.imageDigest!)).toEqual(d.imageTags ?? []);
  });

  it("finds the image latest points to, and null for a missing tag", async () => {
    const all = await describeImages({ ecr: ecr(), repositoryName: "mcp-server-http" });
    const latest = await describeImageByTag({ ecr: ecr(), repositoryName: "mcp-server-http", tag: "latest" });
    expect(latest?.digest).toBe(all.find((i) => i.tags.includes("latest"))?.digest);
    expect(await describeImageByTag({ ecr: ecr(), repositoryName: "mcp-server-http", tag: "nope-not-here" })).toBeNull();
  });

  it("batch-gets manifests (config digests readable) and reports unknown digests as failures", async () => {
    const images = await describeImages({ ecr: ecr(), repositoryName: "mcp-server-tcp" });
    const missing = `sha256:${"0".repeat(64)}`;
    const { manifests, failures } = await batchGetManifests({ ecr: ecr(), repositoryName: "mcp-server-tcp", digests: [...images.map((i) => i.digest), missing, images[0].digest] });
    expect(manifests).toHaveLength(images.length);
    expect(failures).toEqual([expect.objectContaining({ digest: missing, code: "ImageNotFound" })]);
    for (const m of manifests) expect(readManifestRefs(m.manifest, m.mediaType)).toMatchObject({ kind: "image", configDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });
});
