// The retire verbs killed half-way, against the sandbox over HTTP: a real child process SIGKILLed inside a verb
// (after IAM's call and before the step is journaled as ended; between the two secrets), then the verb run again.
// Each starts from a proven role whose grace period passed (the move, the merge, a push with the role's session, then
// POST /_sandbox/age lets 8 days pass) and ends with nothing half-done: the key deleted, both secrets gone, never a
// deleted key while a secret still held it, and an audit log that tells what happened.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { testContext } from "../rotation/testing/rotation-test-kit";
import { listAccessKeys } from "../../integrations/aws/iam";
import { UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { sealSecret } from "../../integrations/github/write-secret";
import { listAudit } from "../../infra/audit/record-audit";
import { startOidcMove } from "./apply-oidc-move";
import { listOidcSteps } from "./store";
import { readRoleProof } from "../../read/oidc-proof";
import { deactivateRetiredKey, deleteRetiredKey, deleteRetiredSecrets } from "./retire-key";
import { danglingRetireStep, reconcileRetireSteps } from "./retire-journal";
import { reconcileRetireStepsOnStart } from "./resume-on-start";
import type { OperationContext } from "../context";

const sbx = sharedTestSandbox();
const CHILD = path.resolve("lib/operations/oidc/testing/retire-kill-child.ts");
const SECRETS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** From a fresh default scenario to "ready-to-retire": move, merge, the role's push, 8 days. */
async function provenAndAged(ctx: OperationContext): Promise<void> {
  expect((await sbx.admin("POST", "/_sandbox/reset", { scenario: "default" })).status).toBe(200);
  const move = await (await startOidcMove(ctx)).done;
  expect(move.state, move.message ?? "").toBe("completed");
  const { github, repo } = sbx.clients;
  await github.rest.pulls.merge({ ...repo, pull_number: listOidcSteps(ctx.db, move.id).find((s) => s.step === "workflow-pr")!.detail!.pullRequest as number });
  const reads = { clients: sbx.clients, db: ctx.db, userName: ctx.config.iamUser };
  expect((await until(() => readRoleProof(reads), (v) => v!.proof.verdict === "no-role-push-yet"))!.proof.verdict).toBe("no-role-push-yet");
  // The run's `docker push`, which the sandbox's runner leaves to the test: its ID token → STS → ECR PutImage.
  const { value: token } = (await (await sbx.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", ref: "refs/heads/main", eventName: "push" })).json()) as { value: string };
  const creds = (await new STSClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1 }).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: move.plan.roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).Credentials!;
  const ecr = new ECRClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! } });
  const image = (await ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }))).images![0];
  await ecr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageTag: "role-push" }));
  expect((await readRoleProof(reads))!.proof.verdict).toBe("grace-running");
  expect((await sbx.admin("POST", "/_sandbox/age", { days: 8 })).status).toBe(200);
  expect((await readRoleProof(reads))!.proof.verdict).toBe("ready-to-retire");
}

const keysOf = (ctx: OperationContext) => listAccessKeys({ iam: sbx.clients.aws.iam, userName: ctx.config.iamUser });
const secretsHeld = async () => (await sbx.clients.github.rest.actions.listRepoSecrets({ ...sbx.clients.repo })).data.secrets.map((s) => s.name).filter((n) => SECRETS.includes(n)).sort();
/** The retire journal, oldest first: [action, outcome, recovered/interrupted]. */
const journal = (ctx: OperationContext) =>
  listAudit(ctx.db, { limit: 100 })
    .filter((a) => a.action.startsWith("oidc.retire-"))
    .reverse()
    .map((a) => [a.action, a.outcome, a.detail?.recovered ? "recovered" : a.detail?.interrupted ? "interrupted" : ""]);

const VERBS = ["deactivate", "delete-secrets", "delete-key"] as const;
const CASES: Array<{ failpoint: string; verb: (typeof VERBS)[number]; after: (ctx: OperationContext, key: string) => Promise<void> }> = [
  {
    failpoint: "oidc:retire-deactivate-called",
    verb: "deactivate",
    after: async (ctx, key) => {
      // IAM took the call: the key is inactive, and the journal has a start without an end.
      expect((await keysOf(ctx)).map((k) => [k.accessKeyId, k.status])).toEqual([[key, "Inactive"]]);
      expect(journal(ctx).at(-1)).toEqual(["oidc.retire-deactivate.start", "success", ""]);
      const again = await deactivateRetiredKey(ctx);
      expect(again.message).toMatch(/already deactivated by an interrupted attempt/);
    },
  },
  {
    failpoint: "oidc:retire-between-secrets",
    verb: "delete-secrets",
    after: async (ctx, key) => {
      expect(await secretsHeld()).toEqual(["AWS_SECRET_ACCESS_KEY"]);
      // Half the secrets gone: the key must not be deleted while the other still holds it.
      await expect(deleteRetiredKey(ctx, { accessKeyId: key })).rejects.toMatchObject({ code: "conflict" });
      expect((await keysOf(ctx)).map((k) => k.accessKeyId)).toEqual([key]);
      expect((await deleteRetiredSecrets(ctx)).deleted).toEqual(["AWS_SECRET_ACCESS_KEY"]);
    },
  },
  {
    failpoint: "oidc:retire-secrets-called",
    verb: "delete-secrets",
    after: async (ctx) => {
      expect(await secretsHeld()).toEqual([]);
      expect(await deleteRetiredSecrets(ctx)).toMatchObject({ deleted: [], message: "The secrets were already gone." });
    },
  },
  {
    failpoint: "oidc:retire-delete-key-called",
    verb: "delete-key",
    after: async (ctx, key) => {
      expect(await keysOf(ctx)).toEqual([]);
      // What a server start does (resume-on-start.ts, over every repository that had a move): the journal is told what IAM says.
      expect(danglingRetireStep(ctx, "delete-key")).not.toBeNull();
      await reconcileRetireStepsOnStart(ctx);
      expect(danglingRetireStep(ctx, "delete-key")).toBeNull();
      expect(await reconcileRetireSteps(ctx)).toEqual([]);
      await expect(deleteRetiredKey(ctx, { accessKeyId: key })).rejects.toMatchObject({ code: "not-found" });
    },
  },
];

describe("a retire verb killed half-way, then run again, leaves nothing half-done", () => {
  for (const c of CASES) {
    it(`killed at ${c.failpoint}`, async () => {
      const { ctx, db, dir } = testContext(sbx);
      try {
        await provenAndAged(ctx);
        const [{ accessKeyId: key }] = await keysOf(ctx);
        for (const verb of VERBS) {
          if (verb === c.verb) {
            const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: c.failpoint });
            expect(child.signal, child.out).toBe("SIGKILL");
            await c.after(ctx, key);
          } else if (verb === "deactivate") await deactivateRetiredKey(ctx);
          else if (verb === "delete-secrets") await deleteRetiredSecrets(ctx);
          else await deleteRetiredKey(ctx, { accessKeyId: key });
        }
        // The end state: no key, no secrets; every journaled start has its end, and each end is the truth.
        expect(await keysOf(ctx)).toEqual([]);
        expect(await secretsHeld()).toEqual([]);
        const entries = journal(ctx);
        for (const step of VERBS) {
          const mine = entries.filter(([a]) => (a as string).startsWith(`oidc.retire-${step}.`));
          expect(mine.filter(([a]) => (a as string).endsWith(".start")).length, `${step}: ${JSON.stringify(entries)}`).toBe(mine.filter(([a]) => (a as string).endsWith(".end")).length);
          expect(mine.at(-1), `${step}: ${JSON.stringify(entries)}`).toEqual([`oidc.retire-${step}.end`, "success", step === c.verb && c.failpoint !== "oidc:retire-between-secrets" && c.failpoint !== "oidc:retire-secrets-called" ? "recovered" : ""]);
        }
        if (c.failpoint === "oidc:retire-between-secrets") expect(entries).toContainEqual(["oidc.retire-delete-secrets.end", "failure", "interrupted"]);
      } finally {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});

describe("a copy of the key at another scope", () => {
  it("an organization secret still holding AWS_ACCESS_KEY_ID: the key is not deleted, and the refusal names the copy", async () => {
    const { ctx, db, dir } = testContext(sbx);
    try {
      expect((await sbx.admin("POST", "/_sandbox/reset", { scenario: "default" })).status).toBe(200);
      const { github, repo } = sbx.clients;
      const [{ accessKeyId: key }] = await keysOf(ctx);
      // Deactivated and the repository's own secrets deleted, as the retire steps before this one leave it; but the
      // organization shares a copy of the key with every repository (made as an organization admin would).
      await sbx.clients.aws.iam.send(new UpdateAccessKeyCommand({ UserName: ctx.config.iamUser, AccessKeyId: key, Status: "Inactive" }));
      for (const name of SECRETS) await github.rest.actions.deleteRepoSecret({ ...repo, secret_name: name });
      const { data: pk } = await github.rest.actions.getOrgPublicKey({ org: "acme" });
      await github.rest.actions.createOrUpdateOrgSecret({ org: "acme", secret_name: "AWS_ACCESS_KEY_ID", encrypted_value: await sealSecret(key, pk.key), key_id: pk.key_id, visibility: "all" });

      const refused = deleteRetiredKey(ctx, { accessKeyId: key });
      await expect(refused).rejects.toMatchObject({ code: "conflict" });
      await expect(refused).rejects.toThrow(/Still held elsewhere: AWS_ACCESS_KEY_ID \(organization secret \(all repositories\)\)/);
      expect((await keysOf(ctx)).map((k) => k.accessKeyId)).toEqual([key]);

      // Gone from the organization, but an environment no workflow names today (another may deploy from it) holds a copy.
      await github.rest.actions.deleteOrgSecret({ org: "acme", secret_name: "AWS_ACCESS_KEY_ID" });
      await github.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: "staging" });
      const { data: epk } = await github.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: "staging" });
      await github.rest.actions.createOrUpdateEnvironmentSecret({ ...repo, environment_name: "staging", secret_name: "AWS_SECRET_ACCESS_KEY", encrypted_value: await sealSecret("x", epk.key), key_id: epk.key_id });
      await expect(deleteRetiredKey(ctx, { accessKeyId: key })).rejects.toThrow(/Still held elsewhere: AWS_SECRET_ACCESS_KEY \(environment secret \(staging\)\)/);
      expect((await keysOf(ctx)).map((k) => k.accessKeyId)).toEqual([key]);

      // Gone from there too: now the key goes.
      await github.rest.actions.deleteEnvironmentSecret({ ...repo, environment_name: "staging", secret_name: "AWS_SECRET_ACCESS_KEY" });
      expect((await deleteRetiredKey(ctx, { accessKeyId: key })).message).toMatch(/cannot be undone/);
      expect(await keysOf(ctx)).toEqual([]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
