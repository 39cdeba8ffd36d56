// Rotation where the key lives (sandbox scenario `organization`): acme/web-gateway's runs get the key from the
// `production` environment's secrets, over the organization's secrets shared with three repositories. A rotation
// writes both scopes (the organization's keeping its visibility and selection), names a missing permission before
// any change, and, killed between the organization secret and the environment secret, resumes to every holder on
// the new key (a real process kill, as kill.test.ts).

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { resumeRotation, startRotation } from "./rotate-access-key";
import { activeRotation, listRotations, listSteps } from "./store";
import { sandboxKeys, stsWith, testContext, testExtras } from "./testing/rotation-test-kit";
import type { OperationContext } from "../context";
import { parseConfig } from "../../infra/config/env";

let sbx: TestSandbox;
const GATEWAY = { owner: "acme", repo: "web-gateway" };
const SELECTED = [812_345_670, 812_345_671, 812_345_672];

beforeAll(async () => {
  sbx = await startTestSandbox({ scenario: "organization" });
}, 60_000);
afterAll(async () => {
  await sbx?.close();
});
beforeEach(async () => {
  await sbx.admin("POST", "/_sandbox/reset", { scenario: "organization" });
  await sbx.admin("DELETE", "/_sandbox/faults");
});

interface ScopedSecret {
  value: string;
  visibility: string | null;
  selected_repository_ids?: number[];
}
const orgSecret = async (name: string) => (await (await sbx.admin("GET", `/_sandbox/github/orgs/acme/secrets/${name}`)).json()) as ScopedSecret;
const envSecret = async (name: string) => (await (await sbx.admin("GET", `/_sandbox/github/repos/acme/web-gateway/environments/production/secrets/${name}`)).json()) as ScopedSecret;

/** Both holders' pairs: each must be a key AWS accepts, the same one. */
async function holders() {
  const org = { id: (await orgSecret("AWS_ACCESS_KEY_ID")).value, secret: (await orgSecret("AWS_SECRET_ACCESS_KEY")).value };
  const env = { id: (await envSecret("AWS_ACCESS_KEY_ID")).value, secret: (await envSecret("AWS_SECRET_ACCESS_KEY")).value };
  return { org, env, orgWorks: Boolean((await stsWith(sbx, org.id, org.secret)).arn), envWorks: Boolean((await stsWith(sbx, env.id, env.secret)).arn) };
}

/**
 * Deckhand configured with acme/mcp-servers (the default) and acme/web-gateway, acting from web-gateway (a rotation acts
 * only from a configured repository, for its push user).
 */
const CONFIGURED = "acme/mcp-servers,acme/web-gateway";

function gatewayContext(): { ctx: OperationContext; dir: string; close: () => void } {
  const { ctx, dir, db } = testContext(sbx);
  const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port), GITHUB_REPOSITORIES: CONFIGURED });
  return { ctx: { ...ctx, config, clients: { ...ctx.clients, repo: GATEWAY } }, dir, close: () => db.close() };
}

describe("a rotation writes the key where it lives", () => {
  it("updates the organization secret (keeping visibility and selected repositories) and the environment secret, then deactivates the old key", async () => {
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, dir, close } = gatewayContext();
    try {
      const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      const pre = listSteps(ctx.db, r.id).find((s) => s.step === 1)!;
      // One holder per organization secret, naming the configured repositories getting the key from it (the default
      // configuration's acme/mcp-servers is one) and its visibility.
      expect(pre.detail?.holders).toEqual([
        { scope: "organization", org: "acme", repositories: ["acme/web-gateway", "acme/mcp-servers"], visibility: "selected" },
        { scope: "environment", environment: "production", repository: "acme/web-gateway" },
      ]);
      const h = await holders();
      expect(h.org.id).toBe(r.newKeyId);
      expect(h.env.id).toBe(r.newKeyId);
      expect(h.orgWorks && h.envWorks).toBe(true);
      for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
        expect(await orgSecret(name)).toMatchObject({ visibility: "selected", selected_repository_ids: SELECTED });
      }
      const keys = await sandboxKeys(sbx);
      expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
      const written = listSteps(ctx.db, r.id).find((s) => s.step === 4 && s.outcome === "succeeded")!;
      expect((written.detail?.writes as Array<{ scope: string }>).map((w) => w.scope)).toEqual(["organization", "environment"]);
      // The canary ran in every other repository using the organization secret; billing-worker's own stale copy
      // shadows it, so it does not use the key: skipped and said.
      const canary = listSteps(ctx.db, r.id).find((s) => s.step === 5 && s.outcome === "succeeded")!;
      expect(canary.detail?.shared).toEqual([
        { repository: "acme/mcp-servers", conclusion: "success", runId: expect.any(Number), htmlUrl: expect.stringContaining("/acme/mcp-servers/actions/runs/") },
        { repository: "acme/billing-worker", conclusion: "skipped", note: "its own repository secret shadows the organization's" },
      ]);
    } finally {
      close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names a missing permission on the organization's secrets in the preflight, before anything changes", async () => {
    const before = await sandboxKeys(sbx);
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /orgs/{org}/actions/secrets/public-key", kind: "access-denied", count: 20 });
    const { ctx, dir, close } = gatewayContext();
    try {
      // startRotation runs the preflight before answering: the refusal is the operator's answer.
      await expect(startRotation(ctx, {}, testExtras(sbx))).rejects.toThrow(/the key lives in the organization acme's secrets, and Deckhand cannot write them: .*admin:org/);
      const r = listRotations(ctx.db, 1)[0];
      expect(r.state).toBe("failed");
      expect(listSteps(ctx.db, r.id).map((s) => [s.step, s.outcome])).toEqual([[1, "failed"]]);
      expect(await sandboxKeys(sbx)).toEqual(before);
    } finally {
      close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("killed after the organization secret was written and before the environment secret, resumes with every holder on the new key", async () => {
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, dir, close } = gatewayContext();
    try {
      const child = await runKillChild(path.resolve("lib/operations/rotation/testing/kill-child.ts"), {
        sandboxUrl: sbx.url,
        dataDir: dir,
        failpoint: "rotation:in-step-4-after-organization",
        repository: "acme/web-gateway",
        repositories: CONFIGURED,
      });
      expect(child.signal, child.out).toBe("SIGKILL");
      const left = activeRotation(ctx.db)!;
      expect(listSteps(ctx.db, left.id).at(-1)).toMatchObject({ step: 4, outcome: "running" });
      // At the kill: the organization holds the dead process's new key, the environment still the old one.
      const atKill = await holders();
      expect(atKill.org.id).toBe(left.newKeyId);
      expect(atKill.env.id).toBe(oldKeyId);

      const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      const h = await holders();
      expect(h.org.id).toBe(r.newKeyId);
      expect(h.env.id).toBe(r.newKeyId);
      expect(h.orgWorks && h.envWorks).toBe(true);
      expect(await orgSecret("AWS_ACCESS_KEY_ID")).toMatchObject({ visibility: "selected", selected_repository_ids: SELECTED });
      const keys = await sandboxKeys(sbx);
      expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
      expect(keys.filter((k) => k.status === "Active").map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
    } finally {
      close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
