// The posture's summary of ECR, against the sandbox: which repositories hold images and when `latest`
// was pushed, from one small DescribeImages per repository rather than every image.

import { BatchDeleteImageCommand, CreateRepositoryCommand, DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { describeAllRepositories } from "./ecr";

const sbx = sharedTestSandbox();

describe("describeAllRepositories", () => {
  it("says which repositories hold images and when latest was pushed; an empty one holds none", async () => {
    const ecr = sbx.clients.aws.ecr;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "empty-one" }));
    const latest = (await ecr.send(new DescribeImagesCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }))).imageDetails![0];

    const repos = await describeAllRepositories({ ecr });
    const byName = Object.fromEntries(repos.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(["empty-one", "mcp-server-http", "mcp-server-tcp"]);
    expect(byName["mcp-server-tcp"]).toMatchObject({ hasImages: true, latestPushedAt: latest.imagePushedAt!.toISOString() });
    expect(byName["mcp-server-tcp"].uri).toMatch(/\/mcp-server-tcp$/);
    expect(byName["empty-one"]).toMatchObject({ hasImages: false, latestPushedAt: null });
  });

  it("counts a repository whose images lost the latest tag as holding images, push time unknown", async () => {
    const ecr = sbx.clients.aws.ecr;
    // The image keeps its SHA tag: untagging `latest` leaves it in the repository.
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: "mcp-server-http", imageIds: [{ imageTag: "latest" }] }));
    const repos = await describeAllRepositories({ ecr });
    expect(repos.find((r) => r.name === "mcp-server-http")).toMatchObject({ hasImages: true, latestPushedAt: null });
  });
});
