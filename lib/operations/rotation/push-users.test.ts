// Several push users in one Deckhand (issue 16): a rotation acts on the push user of the repository it is started
// from, writes only where that user's key lives, and every resume (operator, on start after a real process kill)
// uses the recorded user, repository and holders. Over HTTP against the sandbox's `fleet` scenario, with a second push
// user ecr-push-payments created through the sandbox's IAM API and its key put into the organization secret that
// reaches acme/web-gateway alone; acme/mcp-servers (the default) and acme/billing-worker keep github-ecr-push's key as
// repository secrets.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { createSecondPushUser } from "../../tooling/testing/second-push-user";
import { parseConfig, selectRepository } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { clientsForRepository } from "../../integrations/clients";
import { deleteInactiveSecondKey, resumeInterruptedRotations, resumeRotation, rotateIfDue, runDueDeletions, startRotation } from "./rotate-access-key";
import { activeRotation, getRotation, listRotations, listSteps, updateRotationSettings } from "./store";
import { sandboxKeys, stsWith, testExtras } from "./testing/rotation-test-kit";
import { readRotationPlan } from "../../read/rotation";
import { readContextFrom } from "../../read/context";
import { deactivateAccessKey, listPushUserKeys } from "../keys/manage-access-key";
import type { OperationContext } from "../context";
import { z } from "zod";
import { GetUserPolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { defineAction } from "../../infra/actions/action-client";
import { listAudit } from "../../infra/audit/record-audit";
import type { SessionUser } from "../../infra/auth/session";
import { applyExpectedPolicy } from "../policy/apply-expected-policy";
import { reviewDigest } from "../../judgements/posture/policy-diff";
import { GUIDE_PUSH_POLICY } from "../../judgements/posture/ecr-actions";

const A = "github-ecr-push";
const B = "ecr-push-payments";
const FLEET = `acme/mcp-servers,acme/web-gateway:${B},acme/billing-worker`;
const CHILD = path.resolve("lib/operations/rotation/testing/kill-child.ts");

let sbx: TestSandbox;
beforeAll(async () => {
  sbx = await startTestSandbox({ scenario: "fleet" });
}, 60_000);
afterAll(async () => {
  await sbx?.close();
});

/** The fleet scenario afresh, with B's key in the organization secret (selected for acme/web-gateway alone). */
async function resetWithSecondUser(): Promise<string> {
  await sbx.admin("POST", "/_sandbox/reset", { scenario: "fleet" });
  await sbx.admin("DELETE", "/_sandbox/faults");
  const { accessKeyId } = await createSecondPushUser(sbx.clients, { userName: B, repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } });
  return accessKeyId;
}

/**
 * Deckhand configured with the three repositories, web-gateway's push user B; `shown` as a repository-scoped server
 * action builds it (`ctx.repository` and `ctx.clients.repo` the shown repository), or the default context.
 */
function fleetContext(shown?: string, repositories = FLEET): { ctx: OperationContext; dir: string; close: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-push-users-"));
  const db = openDb(dir);
  const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port), GITHUB_REPOSITORIES: repositories });
  const scope = shown ? selectRepository(config.github.repositories, shown)! : undefined;
  const ctx: OperationContext = {
    clients: scope ? clientsForRepository(sbx.clients, scope) : sbx.clients,
    actor: { login: "octo-operator", role: "operator" },
    db,
    config,
    cache: new TtlCache(),
    ...(scope ? { repository: scope } : {}),
  };
  return {
    ctx,
    dir,
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Where = { org: string } | { repo: string };
/** The pair a holder holds, read from the sandbox's side (value, updated_at), and whether AWS accepts it. */
async function pairAt(w: Where): Promise<{ id: string | null; secret: string | null; works: boolean }> {
  const url = (name: string) => ("org" in w ? `/_sandbox/github/orgs/${w.org}/secrets/${name}` : `/_sandbox/github/repos/${w.repo}/secrets/${name}`);
  const read = async (name: string) => {
    const r = await sbx.admin("GET", url(name));
    return r.status === 200 ? ((await r.json()) as { value: string }).value : null;
  };
  const id = await read("AWS_ACCESS_KEY_ID");
  const secret = await read("AWS_SECRET_ACCESS_KEY");
  return { id, secret, works: Boolean(id && secret && (await stsWith(sbx, id, secret)).arn) };
}

/** A user's keys as IAM has them (ids and status; last-used moves whenever pairAt proves a key works). */
const keysOf = async (user: string) => (await sandboxKeys(sbx, user)).map((k) => ({ accessKeyId: k.accessKeyId, status: k.status, createDate: k.createDate }));

const ORG = { org: "acme" };
const MCP = { repo: "acme/mcp-servers" };
const BILLING = { repo: "acme/billing-worker" };

async function waitUntilSettled(db: OperationContext["db"], id: number): Promise<void> {
  for (let i = 0; i < 600 && getRotation(db, id)!.state === "running"; i++) await new Promise((r) => setTimeout(r, 100));
}

describe("a rotation of a second push user, started from its own repository", () => {
  it("rotates B where B's key lives, runs B's canary, and leaves A's repositories, A's keys and A's stopped rotation alone", async () => {
    const bOld = await resetWithSecondUser();
    const aOld = (await sandboxKeys(sbx, A)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx: aCtx, close: closeA } = fleetContext();
    try {
      // A's own rotation from the default repository: it writes A's new key into mcp-servers and billing-worker (never
      // web-gateway's organization secret, which holds B's key), and stops at billing-worker's canary (no AWS_REGION).
      const a = await (await startRotation(aCtx, {}, testExtras(sbx))).done;
      expect(a).toMatchObject({ state: "stopped", userName: A, repository: "acme/mcp-servers" });
      expect(listSteps(aCtx.db, a.id).find((s) => s.step === 1)?.detail?.repositories).toEqual(["acme/mcp-servers", "acme/billing-worker"]);
      expect((await pairAt(ORG)).id).toBe(bOld);

      // B, from web-gateway's page (same store): allowed beside A's stopped rotation, one rotation per push user.
      const { ctx } = fleetContext("acme/web-gateway");
      const bCtx = { ...ctx, db: aCtx.db };
      const plan = await readRotationPlan({ ...readContextFrom(bCtx.config, bCtx.clients, bCtx.cache, bCtx.db), userName: B }, bCtx.config.github.repositories);
      expect(plan).toMatchObject({ userName: B, repository: "acme/web-gateway", oldKeyId: bOld, blockers: [] });
      expect(plan.holders).toEqual([{ scope: "organization", org: "acme", repositories: ["acme/web-gateway"], visibility: "selected" }]);
      const mcpBefore = await pairAt(MCP);
      const billingBefore = await pairAt(BILLING);
      const aKeysBefore = await keysOf(A);

      const b = await (await startRotation(bCtx, { userName: B }, testExtras(sbx))).done;
      expect(b.state, b.message ?? "").toBe("completed");
      expect(b).toMatchObject({ userName: B, repository: "acme/web-gateway", oldKeyId: bOld });
      const pre = listSteps(bCtx.db, b.id).find((s) => s.step === 1)!;
      expect(pre.detail).toMatchObject({ userName: B, repositories: ["acme/web-gateway"], holders: [{ scope: "organization", org: "acme", repositories: ["acme/web-gateway"] }] });
      // B's new key is where web-gateway reads it, and AWS says it is B's.
      const org = await pairAt(ORG);
      expect(org).toMatchObject({ id: b.newKeyId, works: true });
      expect((await stsWith(sbx, org.id!, org.secret!)).arn).toMatch(new RegExp(`:user/${B}$`));
      // The canary ran in web-gateway, and nowhere else.
      const canary = listSteps(bCtx.db, b.id).find((s) => s.step === 5 && s.outcome === "succeeded")!;
      const run = await sbx.clients.github.rest.actions.getWorkflowRun({ owner: "acme", repo: "web-gateway", run_id: canary.detail?.runId as number });
      expect(run.data.conclusion).toBe("success");
      expect(canary.detail?.shared).toBeUndefined();
      // A's repositories hold exactly what they held (A's new key, from A's rotation); A's keys are untouched.
      expect(await pairAt(MCP)).toEqual(mcpBefore);
      expect(await pairAt(BILLING)).toEqual(billingBefore);
      expect(mcpBefore.id).toBe(a.newKeyId);
      expect(await keysOf(A)).toEqual(aKeysBefore);
      expect(aKeysBefore.find((k) => k.accessKeyId === aOld)?.status).toBe("Active");
      // B's old key went; A's rotation is still stopped, for A's operator to resume.
      const bKeys = await sandboxKeys(sbx, B);
      expect(bKeys.find((k) => k.accessKeyId === bOld)?.status).toBe("Inactive");
      expect(bKeys.filter((k) => k.status === "Active").map((k) => k.accessKeyId)).toEqual([b.newKeyId]);
      expect(activeRotation(bCtx.db, A)?.id).toBe(a.id);
      expect(activeRotation(bCtx.db, B)).toBeNull();
    } finally {
      closeA();
    }
  }, 120_000);

  it("refuses to rotate B from a repository of A, and a second rotation of B while one is active", async () => {
    await resetWithSecondUser();
    const { ctx, close } = fleetContext();
    try {
      await expect(startRotation(ctx, { userName: B }, testExtras(sbx))).rejects.toMatchObject({ code: "invalid-input", message: expect.stringMatching(/push user of acme\/mcp-servers is github-ecr-push, not ecr-push-payments/) });
      expect(listRotations(ctx.db)).toEqual([]);
      const b = fleetContext("acme/web-gateway");
      try {
        const started = await startRotation({ ...b.ctx, db: ctx.db }, { userName: B }, testExtras(sbx, { canaryTimeoutMs: 20_000 }));
        await expect(startRotation({ ...b.ctx, db: ctx.db }, { userName: B }, testExtras(sbx))).rejects.toMatchObject({ code: "rotation-busy" });
        expect((await started.done).state).toBe("completed");
      } finally {
        b.close();
      }
    } finally {
      close();
    }
  }, 90_000);

  it("refuses, before any change, an organization secret that also reaches a repository of another push user", async () => {
    // The organization scenario: the organization secret is selected for all three; acme/mcp-servers has no copy of
    // its own. B configured on billing-worker: its rotation would hand B's key to mcp-servers (A's).
    await sbx.admin("POST", "/_sandbox/reset", { scenario: "organization" });
    await createSecondPushUser(sbx.clients, { userName: B, repo: { owner: "acme", repo: "billing-worker" }, holder: { scope: "repository" } });
    const orgBefore = await pairAt(ORG);
    const { ctx, close } = fleetContext("acme/billing-worker", `acme/mcp-servers,acme/web-gateway,acme/billing-worker:${B}`);
    try {
      const bKeys = await keysOf(B);
      await expect(startRotation(ctx, { userName: B }, testExtras(sbx))).rejects.toMatchObject({
        code: "preflight",
        message: expect.stringMatching(/organization acme's AWS_ACCESS_KEY_ID also reaches acme\/mcp-servers, whose push user is github-ecr-push/),
      });
      expect(await keysOf(B)).toEqual(bKeys);
      expect(await pairAt(ORG)).toEqual(orgBefore);
      expect(listSteps(ctx.db, listRotations(ctx.db)[0].id).map((s) => [s.step, s.outcome])).toEqual([[1, "failed"]]);
    } finally {
      close();
    }
  }, 60_000);

  it("key actions act on the shown repository's push user, and refuse another user's key", async () => {
    const bOld = await resetWithSecondUser();
    const aOld = (await sandboxKeys(sbx, A)).find((k) => k.status === "Active")!.accessKeyId;
    const { ctx, close } = fleetContext("acme/web-gateway");
    try {
      expect((await listPushUserKeys(ctx, B)).map((k) => k.accessKeyId)).toEqual([bOld]);
      // A's key is not B's: not found, nothing changed.
      await expect(deactivateAccessKey(ctx, { accessKeyId: aOld, userName: B, confirmPushesStop: true })).rejects.toMatchObject({ code: "not-found" });
      await expect(deactivateAccessKey(ctx, { accessKeyId: aOld, userName: A, confirmPushesStop: true })).rejects.toMatchObject({ code: "invalid-input" });
      await expect(deleteInactiveSecondKey(ctx, { accessKeyId: aOld, userName: B })).rejects.toMatchObject({ code: "not-found" });
      expect((await sandboxKeys(sbx, A)).find((k) => k.accessKeyId === aOld)?.status).toBe("Active");
      const r = await deactivateAccessKey(ctx, { accessKeyId: bOld, userName: B, confirmPushesStop: true });
      expect(r.message).toMatch(new RegExp(`${bOld} of ${B} deactivated`));
      expect((await sandboxKeys(sbx, B)).find((k) => k.accessKeyId === bOld)?.status).toBe("Inactive");
    } finally {
      close();
    }
  }, 60_000);
});

describe("automatic rotation", () => {
  it("considers every configured push user, each from its own first repository", async () => {
    await resetWithSecondUser();
    const { ctx, close } = fleetContext();
    try {
      updateRotationSettings(ctx.db, ctx.actor, { graceDays: 7, autoRotate: true });
      // Both keys past the rotation age (a day 200 days from now): one automatic rotation per user.
      const ids = await rotateIfDue(ctx, new Date(Date.now() + 200 * 86_400_000), testExtras(sbx));
      expect(ids).toHaveLength(2);
      for (const id of ids) await waitUntilSettled(ctx.db, id);
      const [a, b] = ids.map((id) => getRotation(ctx.db, id)!);
      expect(a).toMatchObject({ trigger: "automatic", requestedBy: "deckhand", userName: A, repository: "acme/mcp-servers" });
      expect(b).toMatchObject({ trigger: "automatic", requestedBy: "deckhand", userName: B, repository: "acme/web-gateway", state: "completed" });
      // A's stops at billing-worker's canary (no AWS_REGION there) with the old key active: nobody on a dead key.
      expect(a.state).toBe("stopped");
      expect((await pairAt(ORG)).id).toBe(b.newKeyId);
    } finally {
      close();
    }
  }, 120_000);
});

describe("a rotation of the second push user killed mid-way", () => {
  it("is resumed on start with its recorded user, repository and holders, after a real process kill", async () => {
    const bOld = await resetWithSecondUser();
    const { ctx, dir, close } = fleetContext();
    try {
      const mcpBefore = await pairAt(MCP);
      const billingBefore = await pairAt(BILLING);
      const aKeys = await keysOf(A);
      // The child runs B's rotation from web-gateway and SIGKILLs itself right after the organization secret is written.
      const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: "rotation:in-step-4-after-organization", repository: "acme/web-gateway", repositories: FLEET });
      expect(child.signal, child.out).toBe("SIGKILL");
      const left = activeRotation(ctx.db, B)!;
      expect(left).toMatchObject({ state: "running", userName: B, repository: "acme/web-gateway" });
      expect(listSteps(ctx.db, left.id).at(-1)).toMatchObject({ step: 4, outcome: "running" });
      expect((await pairAt(ORG)).id).toBe(left.newKeyId);

      // The scheduler's resume on start, in a context of the default repository (A's): it acts from the record.
      expect(await resumeInterruptedRotations(ctx, testExtras(sbx))).toEqual([left.id]);
      await waitUntilSettled(ctx.db, left.id);
      const r = getRotation(ctx.db, left.id)!;
      expect(r.state, r.message ?? "").toBe("completed");
      // The write the dead process finished counted (updated_at after the step began): the same new key, kept.
      expect(r.newKeyId).toBe(left.newKeyId);
      expect(listSteps(ctx.db, r.id).filter((s) => s.step === 1)).toHaveLength(1);
      expect(listSteps(ctx.db, r.id).find((s) => s.step === 4 && s.outcome === "interrupted")).toBeTruthy();
      expect(await pairAt(ORG)).toMatchObject({ id: r.newKeyId, works: true });
      const canary = listSteps(ctx.db, r.id).find((s) => s.step === 5 && s.outcome === "succeeded")!;
      expect((await sbx.clients.github.rest.actions.getWorkflowRun({ owner: "acme", repo: "web-gateway", run_id: canary.detail?.runId as number })).data.conclusion).toBe("success");
      const bKeys = await sandboxKeys(sbx, B);
      expect(bKeys.find((k) => k.accessKeyId === bOld)?.status).toBe("Inactive");
      // Nothing of A's was touched by B's rotation or its resume.
      expect(await pairAt(MCP)).toEqual(mcpBefore);
      expect(await pairAt(BILLING)).toEqual(billingBefore);
      expect(await keysOf(A)).toEqual(aKeys);
      // The scheduled deletion after the grace period (the scheduler's default context) deletes B's old key, not A's.
      expect(await runDueDeletions(ctx, new Date(Date.now() + 8 * 86_400_000), testExtras(sbx))).toEqual([r.id]);
      expect((await keysOf(B)).map((k) => k.accessKeyId)).toEqual([r.newKeyId]);
      expect(await keysOf(A)).toEqual(aKeys);
    } finally {
      close();
    }
  }, 120_000);

  it("an operator's resume after a kill before the key reached GitHub uses B's record too", async () => {
    const bOld = await resetWithSecondUser();
    const { ctx, dir, close } = fleetContext();
    try {
      const mcpBefore = await pairAt(MCP);
      const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: "rotation:after-step-3", repository: "acme/web-gateway", repositories: FLEET });
      expect(child.signal, child.out).toBe("SIGKILL");
      const left = activeRotation(ctx.db, B)!;
      // The dead process's key never reached GitHub: B's old key is still what web-gateway holds.
      expect((await pairAt(ORG)).id).toBe(bOld);
      const r = await (await resumeRotation(ctx, { rotationId: left.id }, testExtras(sbx))).done;
      expect(r.state, r.message ?? "").toBe("completed");
      expect(r.newKeyId).not.toBe(left.newKeyId);
      const bKeys = await sandboxKeys(sbx, B);
      expect(bKeys.some((k) => k.accessKeyId === left.newKeyId)).toBe(false);
      expect(bKeys.find((k) => k.accessKeyId === bOld)?.status).toBe("Inactive");
      expect(await pairAt(ORG)).toMatchObject({ id: r.newKeyId, works: true });
      expect(await pairAt(MCP)).toEqual(mcpBefore);
    } finally {
      close();
    }
  }, 120_000);
});

const operator: SessionUser = { login: "octo-operator", role: "operator", name: null, image: null };

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

describe("the page's actions, scoped to the repository shown (defineAction repository: true)", () => {
  it("the Rotate form of web-gateway's page rotates ecr-push-payments; the audit names the repository and the user", async () => {
    await resetWithSecondUser();
    const { ctx, close } = fleetContext();
    try {
      // As app/(app)/credentials/rotation/actions.ts defines it (that file is "use server" and revalidates Next's paths).
      const started: Array<Promise<unknown>> = [];
      const action = defineAction(
        { name: "rotation.request", role: "operator", repository: true, input: z.object({ confirm: z.literal("rotate") }) },
        async (_input, actx) => {
          const r = await startRotation(actx, { userName: actx.repository!.pushUser }, testExtras(sbx));
          started.push(r.done);
          return { data: { rotationId: r.rotationId }, target: `rotation ${r.rotationId}`, detail: { user: actx.repository!.pushUser } };
        },
        { getUser: async () => operator, getDb: () => ctx.db, getConfig: () => ctx.config, getClients: () => sbx.clients, getCache: () => ctx.cache },
      );
      const out = await action(null, form({ confirm: "rotate", repo: "acme/web-gateway" }));
      expect(out).toMatchObject({ ok: true, data: { rotationId: expect.any(Number) } });
      await Promise.all(started);
      const r = getRotation(ctx.db, out.ok ? out.data!.rotationId : 0)!;
      expect(r).toMatchObject({ state: "completed", userName: B, repository: "acme/web-gateway" });
      expect(listAudit(ctx.db).find((a) => a.action === "rotation.request")).toMatchObject({ outcome: "success", detail: expect.objectContaining({ repository: "acme/web-gateway", user: B }) });
      // Without `repo`: the default repository's user.
      const again = await action(null, form({ confirm: "rotate" }));
      await Promise.all(started.slice(1)).catch(() => undefined);
      expect(again.ok).toBe(true);
      expect(getRotation(ctx.db, again.ok ? again.data!.rotationId : 0)).toMatchObject({ userName: A, repository: "acme/mcp-servers" });
    } finally {
      close();
    }
  }, 120_000);

  it("the policy apply of web-gateway's page puts the expected policy on ecr-push-payments, not on github-ecr-push", async () => {
    await resetWithSecondUser();
    const iam = sbx.clients.aws.iam;
    const policyOf = async (user: string) => (await iam.send(new GetUserPolicyCommand({ UserName: user, PolicyName: "ecr-push-policy" }))).PolicyDocument;
    // B's policy drifted: one action too many.
    const drifted = { ...GUIDE_PUSH_POLICY, Statement: [...(GUIDE_PUSH_POLICY.Statement as unknown as object[]), { Effect: "Allow", Action: "ecr:DeleteRepository", Resource: "*" }] };
    await iam.send(new PutUserPolicyCommand({ UserName: B, PolicyName: "ecr-push-policy", PolicyDocument: JSON.stringify(drifted) }));
    const aBefore = await policyOf(A);
    const { ctx, close } = fleetContext("acme/web-gateway");
    try {
      await expect(applyExpectedPolicy(ctx, { reviewed: "0".repeat(32), userName: A })).rejects.toMatchObject({ code: "invalid-input" });
      // The digest of what the operator reviewed on web-gateway's page: B's document as IAM returns it.
      const reviewed = reviewDigest((await policyOf(B)) ?? null, GUIDE_PUSH_POLICY as unknown as Record<string, unknown>);
      const result = await applyExpectedPolicy(ctx, { reviewed, userName: B });
      expect(result).toMatchObject({ userName: B, removedActions: ["ecr:DeleteRepository"] });
      expect(JSON.parse(decodeURIComponent((await policyOf(B))!))).toEqual(GUIDE_PUSH_POLICY);
      expect(await policyOf(A)).toBe(aBefore);
    } finally {
      close();
    }
  }, 60_000);
});
