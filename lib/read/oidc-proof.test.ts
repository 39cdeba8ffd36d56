// Prove before retiring, end to end against the sandbox over HTTP: the move opens its pull request, the pull
// request is merged through GitHub's API as a user would, the merge's run assumes the role (CloudTrail), an image is
// pushed with a session of the role (the sandbox's runner checks credentials but does not push images, so the test
// pushes as the run's `docker push` would: the run's ID token → STS → ECR PutImage), and a later use of the key is
// listed with where it came from.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BatchGetImageCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { testContext } from "../operations/rotation/testing/rotation-test-kit";
import { startOidcMove } from "../operations/oidc/apply-oidc-move";
import { listOidcSteps } from "../operations/oidc/store";
import { readRoleProof } from "./oidc-proof";
import { deactivateRetiredKey, deleteRetiredKey, deleteRetiredSecrets, reactivateRetiredKey } from "../operations/oidc/retire-key";
import { listAccessKeys } from "../integrations/aws/iam";

const sbx = sharedTestSandbox();

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A completed move of acme/mcp-servers (the PR opened, not merged), and the proof's reads. */
async function completedMove(ctx: ReturnType<typeof testContext>["ctx"], db: ReturnType<typeof testContext>["db"]) {
  const move = await (await startOidcMove(ctx)).done;
  expect(move.state, move.message ?? "").toBe("completed");
  const prNumber = listOidcSteps(db, move.id).find((s) => s.step === "workflow-pr")!.detail!.pullRequest as number;
  return { move, prNumber, reads: { clients: sbx.clients, db, userName: ctx.config.iamUser } };
}

/** A role session maker for acme/mcp-servers' main: its ID token, an STS client, and `assume()` (one session per call). */
async function roleSession(roleArn: string) {
  const tokenRes = await sbx.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", ref: "refs/heads/main" });
  const { value: token } = (await tokenRes.json()) as { value: string };
  const sts = new STSClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1 });
  const assume = async () => (await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).Credentials!;
  return { token, sts, assume };
}

/** Pushes mcp-server-tcp's latest again under `tag`, signed with the session `creds`. */
async function pushWith(creds: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }, tag: string) {
  const ecr = new ECRClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! } });
  const image = (await ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }))).images![0];
  await ecr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageTag: tag }));
}

describe("readRoleProof", () => {
  it("waits for the merge, sees the role assumed and a push with its session, then lists a later use of the key", async () => {
    const { ctx, db, dir } = testContext(sbx);
    try {
      const { move, prNumber, reads } = await completedMove(ctx, db);

      expect((await readRoleProof(reads))!.proof.verdict).toBe("waiting-for-merge");

      const { github, repo } = sbx.clients;
      await github.rest.pulls.merge({ ...repo, pull_number: prNumber });
      // The merge is a push to main: the workflow runs with the role (its trust pinned to main).
      const assumed = await until(() => readRoleProof(reads), (v) => v!.proof.verdict !== "no-role-use-yet");
      expect(assumed!.pullRequest).toMatchObject({ number: prNumber, merged: true });
      expect(assumed!.proof.verdict).toBe("no-role-push-yet");
      expect(assumed!.proof.assumed?.subject).toBe(move.plan.subjects[0].value);

      // A push with a session of the role, from this repository's token.
      const { token, sts, assume } = await roleSession(move.plan.roleArn);
      const creds = await assume();
      await pushWith(creds, "role-proof");

      const proven = await readRoleProof(reads);
      expect(proven!.proof.verdict).toBe("grace-running");
      expect(proven!.proof.pushed).toMatchObject({ eventName: "PutImage", accessKeyId: creds.AccessKeyId });
      expect(proven!.graceDays).toBe(7);

      // A busy account: more web-identity records since then than one lookup reads (here 10; 1,000 in production), all
      // newer than the role's first sessions. The grace period still runs from the first assumption and push.
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 15; i++) {
        await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: "arn:aws:iam::123456789012:role/another-teams-role", RoleSessionName: "GitHubActions", WebIdentityToken: token })).catch(() => null);
      }
      const busy = await readRoleProof(reads, { webIdentityMax: 10 });
      expect(busy!.proof.verdict).toBe("grace-running");
      expect(busy!.proof.graceEndsAt).toBe(proven!.proof.graceEndsAt);

      // The key is used again after that (a forgotten script, say): listed with where it came from.
      const secret = async (name: string) => ((await (await sbx.admin("GET", `/_sandbox/github/repos/acme/mcp-servers/secrets/${name}`)).json()) as { value: string }).value;
      const keyEcr = new ECRClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: await secret("AWS_ACCESS_KEY_ID"), secretAccessKey: await secret("AWS_SECRET_ACCESS_KEY") }, customUserAgent: "forgotten-script/1.0" });
      await keyEcr.send(new GetAuthorizationTokenCommand({}));
      const used = await readRoleProof(reads);
      expect(used!.proof.verdict).toBe("key-still-used");
      expect(used!.proof.keyUses[0]).toMatchObject({ eventName: "GetAuthorizationToken", userAgent: expect.stringContaining("forgotten-script/1.0"), sourceIp: expect.any(String) });

      // Retiring: refused while the key was used within the grace period; allowed 8 days later.
      await expect(deactivateRetiredKey(ctx)).rejects.toMatchObject({ code: "oidc-blocked" });
      await expect(deleteRetiredSecrets(ctx)).rejects.toMatchObject({ code: "active-key" });
      const later = () => new Date(Date.now() + 8 * 86_400_000);
      const { keys } = await deactivateRetiredKey(ctx, { now: later });
      const iamKeys = async () => (await listAccessKeys({ iam: sbx.clients.aws.iam, userName: ctx.config.iamUser })).map((k) => [k.accessKeyId, k.status]);
      expect(await iamKeys()).toEqual(keys.map((k) => [k, "Inactive"]));
      await expect(deleteRetiredKey(ctx, { accessKeyId: keys[0] })).rejects.toMatchObject({ code: "conflict" });
      expect((await deleteRetiredSecrets(ctx)).deleted).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
      // Reversible until the key is deleted: reactivate (and the message says how to get the secrets back).
      expect((await reactivateRetiredKey(ctx, { accessKeyId: keys[0] })).message).toMatch(/rotate the key/);
      expect(await iamKeys()).toContainEqual([keys[0], "Active"]);
      await deactivateRetiredKey(ctx, { now: later });
      await deleteRetiredKey(ctx, { accessKeyId: keys[0] });
      expect((await iamKeys()).map(([k]) => k)).not.toContain(keys[0]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("a role whose first sessions pushed nothing is proven by a later session that did", async () => {
    // The test above retired the key and merged its move: start from the seeded account again.
    expect((await sbx.admin("POST", "/_sandbox/reset", {})).status).toBe(200);
    const { ctx, db, dir } = testContext(sbx);
    try {
      const { move, prNumber, reads } = await completedMove(ctx, db);
      await sbx.clients.github.rest.pulls.merge({ ...sbx.clients.repo, pull_number: prNumber });
      await until(() => readRoleProof(reads), (v) => v!.proof.verdict !== "no-role-use-yet");
      const { assume } = await roleSession(move.plan.roleArn);
      // Five more sessions that only sign in (with the merge's run's, six that push nothing)...
      for (let i = 0; i < 5; i++) await assume();
      expect((await readRoleProof(reads))!.proof.verdict).toBe("no-role-push-yet");
      // ...then one that pushes: beyond the first five sessions looked at, among the newest.
      const creds = await assume();
      await pushWith(creds, "late-proof");
      const proven = await readRoleProof(reads);
      expect(proven!.proof.verdict).toBe("grace-running");
      expect(proven!.proof.pushed).toMatchObject({ eventName: "PutImage", accessKeyId: creds.AccessKeyId });
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
