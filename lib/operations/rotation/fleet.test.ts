// Rotation across the fleet (GITHUB_REPOSITORIES): every configured repository whose push user is the rotated one
// has its holders written before the old key is deactivated, and runs its own canary. Over HTTP against the sandbox:
// the `organization` scenario configured with its three repositories (the key in organization secrets selected for
// all three, acme/web-gateway's `production` environment secrets, acme/billing-worker's repository copy), and the
// `fleet` scenario (repository secrets, organization secrets selected for acme/web-gateway alone, and acme/billing-
// worker without AWS_REGION, whose canary fails). Kills are real process kills, as in kill.test.ts.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { parseConfig } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { resumeRotation, startRotation } from "./rotate-access-key";
import { activeRotation, listRotations, listSteps } from "./store";
import { readsOf, sandboxKeys, stsWith, testExtras } from "./testing/rotation-test-kit";
import { readRotationPlan } from "../../read/rotation";
import { deckhandSecretWrites } from "../../read/credentials";
import { selectFleetRepositories } from "./fleet-members";
import { recordDiscovery } from "../../infra/config/served-repositories";
import type { OperationContext } from "../context";

const FLEET = "acme/mcp-servers,acme/web-gateway,acme/billing-worker";
const CHILD = path.resolve("lib/operations/rotation/testing/kill-child.ts");

let sbx: TestSandbox;
beforeAll(async () => {
  sbx = await startTestSandbox({ scenario: "organization" });
}, 60_000);
afterAll(async () => {
  await sbx?.close();
});

async function reset(scenario: "organization" | "fleet"): Promise<void> {
  await sbx.admin("POST", "/_sandbox/reset", { scenario });
  await sbx.admin("DELETE", "/_sandbox/faults");
}

/** Deckhand configured with the three repositories (acme/mcp-servers the default), one push user. */
function fleetContext(): { ctx: OperationContext; dir: string; close: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fleet-rot-"));
  const db = openDb(dir);
  const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port), GITHUB_REPOSITORIES: FLEET });
  const ctx: OperationContext = { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db, config, cache: new TtlCache() };
  return {
    ctx,
    dir,
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Where = { org: string } | { repo: string } | { repo: string; environment: string };
const urlOf = (w: Where, name: string) =>
  "org" in w
    ? `/_sandbox/github/orgs/${w.org}/secrets/${name}`
    : "environment" in w
      ? `/_sandbox/github/repos/${w.repo}/environments/${w.environment}/secrets/${name}`
      : `/_sandbox/github/repos/${w.repo}/secrets/${name}`;

/** The pair a holder holds (read from the sandbox's side), and whether AWS accepts it. */
async function pairAt(w: Where): Promise<{ id: string | null; works: boolean; visibility?: string | null; selected?: number[] }> {
  const read = async (name: string) => {
    const r = await sbx.admin("GET", urlOf(w, name));
    return r.status === 200 ? ((await r.json()) as { value: string; visibility?: string | null; selected_repository_ids?: number[] }) : null;
  };
  const id = await read("AWS_ACCESS_KEY_ID");
  const secret = await read("AWS_SECRET_ACCESS_KEY");
  const works = Boolean(id && secret && (await stsWith(sbx, id.value, secret.value)).arn);
  return { id: id?.value ?? null, works, visibility: id?.visibility, selected: id?.selected_repository_ids };
}

const ORG = { org: "acme" };
const GATEWAY_ENV = { repo: "acme/web-gateway", environment: "production" };
const BILLING = { repo: "acme/billing-worker" };
const MCP = { repo: "acme/mcp-servers" };

async function conclusionOf(repository: string, runId: number): Promise<string | null> {
  const [owner, repo] = repository.split("/");
  return (await sbx.clients.github.rest.actions.getWorkflowRun({ owner, repo, run_id: runId })).data.conclusion;
}

describe("a rotation of a push user shared by three configured repositories", () => {
  it("writes the organization, environment and other repository's secrets, runs the canary in all three, then deactivates the old key", async () => {
    await reset("organization");
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, close } = fleetContext();
    try {
      const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      const pre = listSteps(ctx.db, r.id).find((s) => s.step === 1)!;
      expect(pre.detail?.repositories).toEqual(["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"]);
      // One holder for the organization secret, however many repositories share it; then each repository's own.
      expect(pre.detail?.holders).toEqual([
        { scope: "organization", org: "acme", repositories: ["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"], visibility: "selected" },
        { scope: "environment", environment: "production", repository: "acme/web-gateway" },
        { scope: "repository", repository: "acme/billing-worker" },
      ]);
      for (const w of [ORG, GATEWAY_ENV, BILLING]) expect(await pairAt(w), JSON.stringify(w)).toMatchObject({ id: r.newKeyId, works: true });
      // The organization secret kept its visibility and its selected repositories.
      expect(await pairAt(ORG)).toMatchObject({ visibility: "selected", selected: [812_345_670, 812_345_671, 812_345_672] });
      const written = listSteps(ctx.db, r.id).find((s) => s.step === 4 && s.outcome === "succeeded")!;
      expect((written.detail?.writes as Array<{ scope: string }>).map((w) => w.scope)).toEqual(["organization", "environment", "repository"]);
      // The Credentials page of acme/web-gateway names the key of its own copies only (not billing-worker's write).
      expect(deckhandSecretWrites(ctx.db, "acme/web-gateway").map((w) => [w.scope, w.environment ?? null, w.accessKeyId])).toEqual([
        ["organization", null, r.newKeyId],
        ["environment", "production", r.newKeyId],
      ]);
      // The canary ran, and succeeded, in each of the three repositories.
      const canary = listSteps(ctx.db, r.id).find((s) => s.step === 5 && s.outcome === "succeeded")!;
      expect(await conclusionOf("acme/mcp-servers", canary.detail?.runId as number)).toBe("success");
      const shared = canary.detail?.shared as Array<{ repository: string; conclusion: string; runId: number }>;
      expect(shared.map((x) => [x.repository, x.conclusion]).sort()).toEqual([
        ["acme/billing-worker", "success"],
        ["acme/web-gateway", "success"],
      ]);
      for (const x of shared) expect(await conclusionOf(x.repository, x.runId)).toBe("success");
      // Only then the old key went.
      const keys = await sandboxKeys(sbx);
      expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
      expect(keys.filter((k) => k.status === "Active").map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
    } finally {
      close();
    }
  }, 90_000);

  it("shows the holders per repository and scope in the plan before anything starts", async () => {
    await reset("organization");
    const { ctx, close } = fleetContext();
    try {
      const plan = await readRotationPlan(readsOf(ctx), ctx.config.github.repositories);
      expect(plan.holdersFailure).toBeNull();
      expect(plan.holders.map((h) => [h.scope, h.scope === "organization" ? h.org : h.repository])).toEqual([
        ["organization", "acme"],
        ["environment", "acme/web-gateway"],
        ["repository", "acme/billing-worker"],
      ]);
    } finally {
      close();
    }
  }, 60_000);

  it("names the repository and the permission when another repository's secrets cannot be written, before anything changes", async () => {
    await reset("organization");
    const before = await sandboxKeys(sbx);
    // Only acme/billing-worker's repository secrets are written among the three (mcp-servers holds none of its own).
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/actions/secrets/public-key", kind: "access-denied", count: 20 });
    const { ctx, close } = fleetContext();
    try {
      await expect(startRotation(ctx, {}, testExtras(sbx))).rejects.toThrow(/the key lives in acme\/billing-worker's repository secrets, and Deckhand cannot write them: .*Secrets: write/);
      const r = listRotations(ctx.db, 1)[0];
      expect(listSteps(ctx.db, r.id).map((s) => [s.step, s.outcome])).toEqual([[1, "failed"]]);
      expect(await sandboxKeys(sbx)).toEqual(before);
      expect((await pairAt(ORG)).id).toBe(before.find((k) => k.status === "Active")!.accessKeyId);
    } finally {
      close();
      await sbx.admin("DELETE", "/_sandbox/faults");
    }
  }, 60_000);

  it("never writes a discovered (acme/*) repository's own secrets: refused before anything changes, naming it", async () => {
    await reset("organization");
    const before = await sandboxKeys(sbx);
    const billingBefore = await pairAt(BILLING);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fleet-disc-"));
    const db = openDb(dir);
    try {
      const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port), GITHUB_REPOSITORIES: "acme/mcp-servers,acme/*" });
      const found = ["web-gateway", "billing-worker"].map((repo) => ({ repository: `acme/${repo}`, owner: "acme", repo, pushUser: "github-ecr-push", pushUserNamed: false }));
      recordDiscovery(db, { owner: "acme", pushUser: "github-ecr-push", pushUserNamed: false }, { repositories: found, skipped: [] }, new Date().toISOString());
      const ctx: OperationContext = { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db, config, cache: new TtlCache() };
      // acme/web-gateway's production environment and acme/billing-worker's repository hold their own copies.
      await expect(startRotation(ctx, {}, testExtras(sbx))).rejects.toThrow(
        /acme\/web-gateway \(found under acme\/\*\), acme\/billing-worker \(found under acme\/\*\) hold their own copies of the key, and Deckhand does not write a key into a repository it was not named/,
      );
      expect(listSteps(db, listRotations(db, 1)[0].id).map((s) => [s.step, s.outcome])).toEqual([[1, "failed"]]);
      expect(await sandboxKeys(sbx)).toEqual(before);
      expect(await pairAt(BILLING)).toEqual(billingBefore);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("killed after the organization secret was written and before the environment secret, resumes with every holder on the new key", async () => {
    await reset("organization");
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, dir, close } = fleetContext();
    try {
      const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: "rotation:in-step-4-after-organization", repositories: FLEET });
      expect(child.signal, child.out).toBe("SIGKILL");
      const left = activeRotation(ctx.db)!;
      expect(listSteps(ctx.db, left.id).at(-1)).toMatchObject({ step: 4, outcome: "running" });
      // At the kill: the organization holds the dead process's new key; the environment still the old one.
      expect((await pairAt(ORG)).id).toBe(left.newKeyId);
      expect((await pairAt(GATEWAY_ENV)).id).toBe(oldKeyId);

      const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      // The resume used the holder list the dead process recorded.
      const pres = listSteps(ctx.db, r.id).filter((s) => s.step === 1);
      expect(pres).toHaveLength(1);
      for (const w of [ORG, GATEWAY_ENV, BILLING]) expect(await pairAt(w), JSON.stringify(w)).toMatchObject({ id: r.newKeyId, works: true });
      const canary = listSteps(ctx.db, r.id).find((s) => s.step === 5 && s.outcome === "succeeded")!;
      expect((canary.detail?.shared as Array<{ repository: string; conclusion: string }>).every((x) => x.conclusion === "success")).toBe(true);
      const keys = await sandboxKeys(sbx);
      expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
      expect(keys.filter((k) => k.status === "Active").map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
    } finally {
      close();
    }
  }, 120_000);
});

describe("the fleet scenario: repository secrets, an organization secret, and a repository that cannot push", () => {
  it("leaves out a repository configured with another push user when nothing shows it holds this user's key", async () => {
    await reset("fleet");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fleet-members-"));
    const db = openDb(dir);
    try {
      const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port), GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway,acme/billing-worker:deckhand-worker" });
      const ctx: OperationContext = { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db, config, cache: new TtlCache() };
      expect((await selectFleetRepositories(ctx, "github-ecr-push")).repositories).toEqual([{ owner: "acme", repo: "web-gateway" }]);
      expect((await selectFleetRepositories(ctx, "deckhand-worker")).repositories).toEqual([{ owner: "acme", repo: "billing-worker" }]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("stops before deactivating when acme/billing-worker's canary fails, naming it; with AWS_REGION set, a resume finishes", async () => {
    await reset("fleet");
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, close } = fleetContext();
    try {
      const r = await (await startRotation(ctx, {}, testExtras(sbx))).done;
      expect(r.state).toBe("stopped");
      expect(r.message).toMatch(/The canary failed in acme\/billing-worker \(failure/);
      expect(r.message).not.toMatch(/web-gateway/);
      // Its own reason, in the guide's terms: the region is missing there.
      expect(r.message).toMatch(/billing-worker \(failure: It failed at .*region/i);
      // Every holder already has the new key, and the old key is still active: nobody is left on a dead key.
      for (const w of [MCP, ORG, BILLING]) expect(await pairAt(w), JSON.stringify(w)).toMatchObject({ id: r.newKeyId, works: true });
      expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Active");

      await sbx.clients.github.rest.actions.createRepoVariable({ owner: "acme", repo: "billing-worker", name: "AWS_REGION", value: "us-east-1" });
      const after = await (await resumeRotation(ctx, { rotationId: r.id }, testExtras(sbx))).done;
      expect(after.state, after.message ?? "").toBe("completed");
      expect((await sandboxKeys(sbx)).find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
    } finally {
      close();
    }
  }, 120_000);

  it("killed after the default repository's secrets and before another repository's, resumes and rewrites every holder", async () => {
    await reset("fleet");
    await sbx.clients.github.rest.actions.createRepoVariable({ owner: "acme", repo: "billing-worker", name: "AWS_REGION", value: "us-east-1" });
    const oldKeyId = (await sandboxKeys(sbx)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, dir, close } = fleetContext();
    try {
      // Holders: the organization (web-gateway's), mcp-servers' repository secrets, billing-worker's: killed after the
      // first repository's, the default repository alone looks fully written, billing-worker still holds the old key.
      const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: "rotation:in-step-4-after-repository", repositories: FLEET });
      expect(child.signal, child.out).toBe("SIGKILL");
      const left = activeRotation(ctx.db)!;
      expect((await pairAt(MCP)).id).toBe(left.newKeyId);
      expect((await pairAt(BILLING)).id).toBe(oldKeyId);

      const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      // The dead process's key could not be finished (its secret died with it): deleted, and a new one written everywhere.
      expect(r.newKeyId).not.toBe(left.newKeyId);
      for (const w of [MCP, ORG, BILLING]) expect(await pairAt(w), JSON.stringify(w)).toMatchObject({ id: r.newKeyId, works: true });
      const keys = await sandboxKeys(sbx);
      expect(keys.find((k) => k.accessKeyId === oldKeyId)?.status).toBe("Inactive");
      expect(keys.some((k) => k.accessKeyId === left.newKeyId)).toBe(false);
      expect(listRotations(ctx.db, 1)[0].id).toBe(r.id);
    } finally {
      close();
    }
  }, 120_000);
});
