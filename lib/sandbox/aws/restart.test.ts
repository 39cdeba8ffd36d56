import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CreateUserCommand, GetUserCommand, ListAccessKeysCommand, ListUserPoliciesCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { startTestSandbox, type TestSandbox } from "./test-helpers";

let running: TestSandbox[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const s of running) await s.close().catch(() => undefined);
  running = [];
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
/** A data dir that outlives one sandbox (a sandbox's own temp dir goes when it closes). */
const keptDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-aws-restart-"));
  dirs.push(d);
  return d;
};
const start = async (...args: Parameters<typeof startTestSandbox>) => {
  const s = await startTestSandbox(...args);
  running.push(s);
  return s;
};

describe("persistence and scenarios", () => {
  it("keeps IAM, ECR (blobs included) and CloudTrail state across a restart on the same data dir", async () => {
    const first = await start({ dataDir: keptDir() });
    const shared = await first.seedShared();
    await first.iam().send(new CreateUserCommand({ UserName: "survivor" }));
    await first.ecr().send(new CreateRepositoryCommand({ repositoryName: "kept" }));
    const before = await first.ecr().send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }));
    const eventsBefore = await first.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateRepository" }] }));
    await first.close();
    running = [];

    const second = await start({ dataDir: first.dataDir });
    expect((await second.iam().send(new GetUserCommand({ UserName: "survivor" }))).User!.UserName).toBe("survivor");
    expect((await second.ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ["kept"] }))).repositories).toHaveLength(1);
    const after = await second.ecr().send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }));
    expect(after.images![0].imageManifest).toBe(before.images![0].imageManifest);
    const layer = JSON.parse(after.images![0].imageManifest!).layers[0].digest as string;
    const { GetDownloadUrlForLayerCommand } = await import("@aws-sdk/client-ecr");
    const url = await second.ecr().send(new GetDownloadUrlForLayerCommand({ repositoryName: "mcp-server-tcp", layerDigest: layer }));
    expect((await fetch(url.downloadUrl!)).status).toBe(200);
    const eventsAfter = await second.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateRepository" }] }));
    expect(eventsAfter.Events!.map((e) => e.EventId)).toEqual(eventsBefore.Events!.map((e) => e.EventId));
    // Not re-seeded: the same keys still work.
    expect((await second.seedShared()).pushUserKey).toEqual(shared.pushUserKey);
    expect((await second.sts(shared.pushUserKey!).send(new GetCallerIdentityCommand({}))).Arn).toContain("github-ecr-push");
  });

  it("seeds the empty scenario with none of the guide's user and no repositories, only Deckhand's worker", async () => {
    const s = await start({ scenario: "empty" });
    expect((await s.iam().send(new ListUsersCommand({}))).Users!.map((u) => u.UserName)).toEqual(["deckhand-worker"]);
    expect((await s.ecr().send(new DescribeRepositoriesCommand({}))).repositories).toEqual([]);
    const shared = await s.seedShared();
    expect(shared).toMatchObject({ partialKeyNotHeld: false });
    expect(shared.pushUserKey).toBeUndefined();
    // The worker's key works and its user has the guide's policy.
    expect((await s.sts(shared.workerKey!).send(new GetCallerIdentityCommand({}))).Arn).toContain("user/deckhand-worker");
  });

  it("seeds the partial scenario: github-ecr-push without policy, with a key GitHub does not hold", async () => {
    const s = await start({ scenario: "partial" });
    const iam = s.iam();
    expect((await iam.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName).sort()).toEqual(["deckhand-worker", "github-ecr-push"]);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: "github-ecr-push" }))).PolicyNames).toEqual([]);
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "github-ecr-push" }))).AccessKeyMetadata).toHaveLength(1);
    const shared = await s.seedShared();
    expect(shared.pushUserKey).toBeUndefined();
    expect(shared.partialKeyNotHeld).toBe(true);
    expect((await s.ecr().send(new DescribeRepositoriesCommand({}))).repositories).toEqual([]);
  });

  it("re-seeds on POST /_sandbox/reset", async () => {
    const s = await start();
    await s.ecr().send(new CreateRepositoryCommand({ repositoryName: "temporary" }));
    const res = await fetch(`${s.url}/_sandbox/reset`, { method: "POST", headers: { authorization: `Bearer ${s.sb.ctx.options.adminToken}` }, body: "{}" });
    expect(res.status).toBe(200);
    const repos = await s.ecr().send(new DescribeRepositoriesCommand({}));
    expect(repos.repositories!.map((r) => r.repositoryName)).toEqual(["mcp-server-http", "mcp-server-tcp"]);
    expect((await s.ecr().send(new DescribeImagesCommand({ repositoryName: "mcp-server-tcp" }))).imageDetails!.length).toBeGreaterThan(2);
  });
});
