// Adopting the push user CloudTrail found, against the sandbox's `fleet` scenario over HTTP: acme/web-gateway gets
// the key of a second IAM user (ecr-push-payments) through the organization secret and its ECR workflow runs with it;
// Deckhand serves acme/mcp-servers and acme/web-gateway with the default push user. Every refusal changes nothing (no
// adoption, no audit entry, the same served list); the adoption, read afresh from GitHub, IAM and CloudTrail, makes
// the Fleet row, /api/checks' labels and the rotation plan act on ecr-push-payments; stopping undoes it. The sandbox
// shows CloudTrail events at once (AWS takes minutes), so "15 minutes later" is the context's clock (`now`).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateUserCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { createSecondPushUser } from "../../tooling/testing/second-push-user";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { openDb, type Db } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { listAudit } from "../../infra/audit/record-audit";
import { servedRepositories } from "../../infra/config/served-repositories";
import { readAdoptions } from "../../infra/config/push-user-adoptions";
import { forRepository, readContextFrom } from "../../read/context";
import { readChecksPerRepository, readFleet } from "../../read/fleet";
import { readRotationPlan } from "../../read/rotation";
import { insertRotation, setRotation } from "../rotation/store";
import { insertOidcMove, setOidcMoveState } from "../oidc/store";
import type { OidcMovePlan } from "../oidc/types";
import { adoptPushUser, stopUsingAdoptedPushUser } from "./adopt-push-user";
import type { OperationContext } from "../context";

let sb: TestSandbox;
let db: Db;
let dir: string;
let config: DeckhandConfig;
let run: { id: number; updated_at: string; conclusion: string | null };
let paymentsKey: string;

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-adopt-"));
  db = openDb(dir);
  config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sb.sandbox.port), GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" });
  paymentsKey = (await createSecondPushUser(sb.clients, { userName: "ecr-push-payments", repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } })).accessKeyId;
  // A user that exists but whose key nobody holds.
  await sb.clients.aws.iam.send(new CreateUserCommand({ UserName: "ecr-push-other" }));
  const gh = sb.clients.github;
  const r = { owner: "acme", repo: "web-gateway" };
  const before = (await gh.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0]?.id ?? 0;
  await gh.rest.actions.createWorkflowDispatch({ ...r, workflow_id: "ecr.yml", ref: "main" });
  for (let i = 0; i < 200 && !run; i++) {
    const latest = (await gh.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0];
    if (latest && latest.id !== before && latest.status === "completed") run = latest;
    else await new Promise((res) => setTimeout(res, 100));
  }
  expect(run?.conclusion).toBe("success");
}, 120_000);

afterAll(async () => {
  db?.close();
  await sb?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A clock `minutes` after the run last changed. */
const after = (minutes: number) => () => new Date(Date.parse(run.updated_at) + minutes * 60_000);
const ctx = (over: Partial<OperationContext & { now: () => Date }> = {}): OperationContext & { now?: () => Date } => ({
  clients: sb.clients,
  actor: { login: "octo-operator", role: "operator" },
  db,
  config,
  cache: new TtlCache(),
  now: after(16),
  ...over,
});
const gateway = { repository: "acme/web-gateway", userName: "ecr-push-payments" };
const adoptAudits = () => listAudit(db).filter((a) => a.action.startsWith("push-user."));
// (insertRotation and setRotation write audit entries of their own, named rotation.*.)

/** What a refusal must leave alone. */
function unchanged() {
  expect(readAdoptions(db)).toEqual([]);
  expect(adoptAudits()).toEqual([]);
  expect(servedRepositories(config, db).map((r) => `${r.repository}:${r.pushUser}`)).toEqual(["acme/mcp-servers:github-ecr-push", "acme/web-gateway:github-ecr-push"]);
}

describe("adopting the push user CloudTrail found", () => {
  it.each([
    ["a repository Deckhand does not serve", { repository: "acme/billing-worker" }, "unknown-repository", /does not serve the repository “acme\/billing-worker”/],
    ["an empty repository name", { repository: "" }, "unknown-repository", /does not serve/],
    ["an IAM user name IAM would refuse", { userName: "ecr push; drop" }, "invalid-input", /not an IAM user name/],
    ["the push user it has", { userName: "github-ecr-push" }, "conflict", /github-ecr-push is acme\/web-gateway's push user already/],
    ["an IAM user that does not exist", { userName: "ecr-push-nobody" }, "not-found", /IAM has no user ecr-push-nobody/],
    ["a user CloudTrail does not name", { userName: "ecr-push-other" }, "signer-mismatch", /does not name ecr-push-other as the signer of acme\/web-gateway's last successful run \(#\d+\): CloudTrail says ecr-push-payments signed it\. Nothing changed\./],
  ])("refuses %s and changes nothing", async (_, over, code, message) => {
    await expect(adoptPushUser(ctx(), { ...gateway, ...over })).rejects.toMatchObject({ name: "SafeError", code, message: expect.stringMatching(message) });
    unchanged();
  }, 30_000);

  it("refuses a repository whose push user the configuration names (owner/name:user or owner/*:user): the configuration wins", async () => {
    const named = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sb.sandbox.port), GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway:github-ecr-push" });
    await expect(adoptPushUser(ctx({ config: named }), gateway)).rejects.toMatchObject({
      code: "push-user-named",
      message: "GITHUB_REPOSITORIES names acme/web-gateway's push user (acme/web-gateway:github-ecr-push): the configuration wins. To serve it with ecr-push-payments, change that entry to acme/web-gateway:ecr-push-payments and restart Deckhand.",
    });
    const wildcard = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sb.sandbox.port), GITHUB_REPOSITORY: "acme/web-gateway", GITHUB_REPOSITORIES: "acme/*:github-ecr-push" });
    await expect(adoptPushUser(ctx({ config: wildcard }), gateway)).rejects.toMatchObject({ code: "push-user-named" });
    unchanged();
  });

  it("refuses while a rotation of the repository's push user or of the adopted user is running or stopped", async () => {
    const who = { login: "octo-operator", role: "operator" as const };
    for (const userName of ["github-ecr-push", "ecr-push-payments"]) {
      const { rotationId } = insertRotation(db, { trigger: "operator", requestedBy: "octo-operator", userName, repository: "acme/mcp-servers", who });
      try {
        await expect(adoptPushUser(ctx(), gateway)).rejects.toMatchObject({ code: "rotation-busy", message: `Rotation #${rotationId} of ${userName} is running: finish or resume it first, then change which push user a repository has.` });
      } finally {
        setRotation(db, rotationId, { state: "failed" }, who, "rotation.fail");
      }
    }
    unchanged();
  });

  it("refuses while the repository has an OIDC move whose retire would act on its push user's key; a failed one does not count", async () => {
    const who = { login: "octo-operator", role: "operator" as const };
    const plan: OidcMovePlan = {
      repository: "acme/web-gateway", providerUrl: "https://token.actions.githubusercontent.com", providerArn: "p", audience: "sts.amazonaws.com", roleName: "r", roleArn: "arn:aws:iam::123456789012:role/r",
      trustPolicy: "{}", subjectPrefix: "repo:acme/web-gateway", subjects: [], policyName: "ecr-push-policy", permissionPolicy: "{}", workflowPath: ".github/workflows/ecr.yml", workflowBefore: "", workflowAfter: "",
    };
    const id = insertOidcMove(db, { requestedBy: "octo-operator", plan, who });
    try {
      for (const state of ["running", "stopped", "completed"] as const) {
        setOidcMoveState(db, id, { state }, who);
        await expect(adoptPushUser(ctx(), gateway)).rejects.toMatchObject({
          code: "oidc-busy",
          message: `acme/web-gateway has an OIDC move (#${id}, ${state}) whose proof and retire steps act on github-ecr-push's key: its push user does not change under it. Nothing changed.`,
        });
      }
    } finally {
      setOidcMoveState(db, id, { state: "failed" }, who);
    }
    unchanged();
  });

  it("refuses before CloudTrail has delivered the run's events, asking nothing (every LookupEvents would fail)", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "access-denied", count: -1 });
    try {
      await expect(adoptPushUser(ctx({ now: after(5) }), gateway)).rejects.toMatchObject({ code: "signer-mismatch", message: expect.stringMatching(/CloudTrail may still be delivering its events: ask again from .* UTC\. Nothing changed\.$/) });
      // 16 minutes on, CloudTrail is asked (fresh: an earlier answer is not reused) and its failure is the refusal.
      await expect(adoptPushUser(ctx(), gateway)).rejects.toMatchObject({ code: "aws", message: expect.stringMatching(/^CloudTrail LookupEvents \(EventSource ecr\.amazonaws\.com\)/) });
    } finally {
      await sb.admin("DELETE", "/_sandbox/faults");
    }
    unchanged();
  }, 30_000);

  it("adopts the user CloudTrail names: recorded with the run, audited, the caches dropped, and every read acts on it", async () => {
    const c = ctx();
    await c.cache.get("posture:keys:github-ecr-push", 60_000, async () => "stale");
    expect(c.cache.stats().size).toBe(1);
    const out = await adoptPushUser(c, { repository: "ACME/web-gateway", userName: "ecr-push-payments" });
    expect(out).toEqual({ repository: "acme/web-gateway", userName: "ecr-push-payments", previous: "github-ecr-push", runId: run.id });
    expect(c.cache.stats().size).toBe(0);
    expect(readAdoptions(db)).toEqual([{ repository: "acme/web-gateway", pushUser: "ecr-push-payments", adoptedBy: "octo-operator", adoptedAt: after(16)().toISOString(), runId: run.id }]);
    expect(adoptAudits()).toEqual([expect.objectContaining({ actor: "octo-operator", action: "push-user.adopt", target: "acme/web-gateway", outcome: "success", detail: expect.objectContaining({ userName: "ecr-push-payments", previous: "github-ecr-push", runId: run.id }) })]);
    const served = servedRepositories(config, db);
    expect(served[1]).toMatchObject({ repository: "acme/web-gateway", pushUser: "ecr-push-payments", adopted: { by: "octo-operator", runId: run.id, instead: "github-ecr-push" } });

    // The Fleet row: its push user is the adopted one, whose key it holds; no "holds a key of" any more.
    const reads = { ...readContextFrom(config, sb.clients, new TtlCache(), db), now: after(17) };
    const row = (await readFleet(reads, served)).rows.find((r) => r.repository === "acme/web-gateway")!;
    expect(row).toMatchObject({ pushUser: "ecr-push-payments", holdsKeyOf: null });
    expect(row.key?.accessKeyId).toBe(paymentsKey);
    // /api/checks labels it with the adopted user.
    const checks = await readChecksPerRepository(reads, served);
    expect(checks.map((x) => `${x.repository}:${x.pushUser}`)).toEqual(["acme/mcp-servers:github-ecr-push", "acme/web-gateway:ecr-push-payments"]);
    // A rotation of ecr-push-payments from acme/web-gateway writes its organization secret; the default user's rotation
    // from acme/mcp-servers no longer plans acme/web-gateway.
    const plan = await readRotationPlan({ ...forRepository(reads, served[1]) }, served);
    expect(plan.userName).toBe("ecr-push-payments");
    expect(plan.oldKeyId).toBe(paymentsKey);
    expect(JSON.stringify(plan.holders)).toContain("web-gateway");
    const defaultPlan = await readRotationPlan({ ...forRepository(reads, served[0]) }, served);
    expect(defaultPlan.userName).toBe("github-ecr-push");
    expect(defaultPlan.holders.flatMap((h) => (h.repository ? [h.repository] : []))).not.toContain("acme/web-gateway");
  }, 60_000);

  it("stopping refuses a stale page and a repository with nothing adopted; then goes back to the default user", async () => {
    await expect(Promise.resolve().then(() => stopUsingAdoptedPushUser(ctx(), { repository: "acme/web-gateway", userName: "ecr-push-other" }))).rejects.toMatchObject({ code: "conflict" });
    await expect(Promise.resolve().then(() => stopUsingAdoptedPushUser(ctx(), { repository: "acme/mcp-servers", userName: "ecr-push-payments" }))).rejects.toMatchObject({ code: "not-found" });
    expect(readAdoptions(db)).toHaveLength(1);
    const c = ctx();
    expect(stopUsingAdoptedPushUser(c, { repository: "acme/WEB-gateway", userName: "ecr-push-payments" })).toEqual({ repository: "acme/web-gateway", userName: "ecr-push-payments", back: "github-ecr-push" });
    expect(readAdoptions(db)).toEqual([]);
    expect(adoptAudits()[0]).toMatchObject({ action: "push-user.stop-adopted", target: "acme/web-gateway", detail: expect.objectContaining({ userName: "ecr-push-payments", back: "github-ecr-push" }) });
    expect(servedRepositories(config, db)[1]).toEqual({ repository: "acme/web-gateway", owner: "acme", repo: "web-gateway", pushUser: "github-ecr-push", pushUserNamed: false });
  });
});
