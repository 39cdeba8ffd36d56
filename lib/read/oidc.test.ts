import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { openDb, type Db } from "../infra/db/open-db";
import { parseConfig } from "../infra/config/env";
import { readContextFrom } from "./context";
import { readOidcPlan } from "./oidc";

let sb: TestSandbox;
let db: Db;
let dir: string;

beforeAll(async () => {
  sb = await startTestSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-oidc-read-"));
  db = openDb(dir);
});
afterAll(async () => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await sb?.close();
});

const ctx = () => readContextFrom(parseConfig({ SANDBOX_PORT: "4566" }), sb.clients, new TtlCache(), db);

describe("readOidcPlan against the sandbox", () => {
  it("from the default scenario: provider and role missing, trust pinned to main, the workflow change planned", async () => {
    const { state, plan } = await readOidcPlan(ctx());
    expect(state.errors).toEqual([]);
    expect(state.roleName).toBe("github-ecr-push-oidc");
    expect(plan.steps.map((s) => [s.id, s.status])).toEqual([["provider", "to-do"], ["role", "to-do"], ["role-policy", "to-do"], ["workflow", "to-do"]]);
    // The seeded repository's subject prefix is what GitHub's customisation endpoint says (name or immutable form).
    expect(plan.subjects?.subjects.map((s) => s.value)).toEqual([`${state.template!.prefix}:ref:refs/heads/main`]);
    expect(JSON.stringify(plan.trustPolicy)).toContain('"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"');
    expect(plan.workflowChange).toMatchObject({ ok: true });
    expect(plan.ready).toBe(true);
    // The role's policy is the expected one narrowed to the account's ECR repositories, as the Policy page proposes.
    expect(state.permissionPolicy.scopedTo).toEqual(expect.arrayContaining(["mcp-server-http", "mcp-server-tcp"]));
    expect(JSON.stringify(state.permissionPolicy.document)).toContain(":repository/mcp-server-tcp");
    expect(plan.steps.find((s) => s.id === "role-policy")!.action).toMatch(/narrowed to the \d+ repositories .*mcp-server-tcp/);
  });

  it("reports an existing role whose trust admits the whole repository, without changing it", async () => {
    const iam = sb.clients.aws.iam;
    const providerArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    const { state } = await readOidcPlan(ctx());
    const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": `${state.template!.prefix}:*` } } }] };
    await iam.send(new CreateRoleCommand({ RoleName: "github-ecr-push-oidc", AssumeRolePolicyDocument: JSON.stringify(wide) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "github-ecr-push-oidc", PolicyName: "ecr-push-policy", PolicyDocument: JSON.stringify(state.permissionPolicy.document) }));
    const { plan } = await readOidcPlan(ctx());
    const role = plan.steps.find((s) => s.id === "role")!;
    expect(role.status).toBe("blocked");
    expect(plan.trustFindings.map((f) => f.kind)).toEqual(["wider-than-plan", "wider-than-plan", "wider-than-plan", "wider-than-plan"]);
    expect(plan.trustFindings[0].message).toContain(":pull_request");
    expect(plan.steps.find((s) => s.id === "role-policy")!.status).toBe("done");
    expect(plan.ready).toBe(false);
  });
});

describe("readRoleSummary", () => {
  it("reports the wide trust of the role made above, its policy matching, and null without a role", async () => {
    const { readRoleSummary } = await import("./oidc");
    const summary = await readRoleSummary(ctx());
    expect(summary).toMatchObject({ roleName: "github-ecr-push-oidc", policy: { present: true, matches: true } });
    expect(summary!.findings.map((f) => f.kind)).toEqual(["wider-than-plan", "wider-than-plan", "wider-than-plan", "wider-than-plan"]);
    const { DeleteRolePolicyCommand, DeleteRoleCommand } = await import("@aws-sdk/client-iam");
    await sb.clients.aws.iam.send(new DeleteRolePolicyCommand({ RoleName: "github-ecr-push-oidc", PolicyName: "ecr-push-policy" }));
    await sb.clients.aws.iam.send(new DeleteRoleCommand({ RoleName: "github-ecr-push-oidc" }));
    expect(await readRoleSummary(ctx())).toBeNull();
  });
});

describe("an account without the push user (the empty scenario)", () => {
  it("asks for the guided setup first and the move refuses to start, changing nothing", async () => {
    expect((await sb.admin("POST", "/_sandbox/reset", { scenario: "empty" })).status).toBe(200);
    const { state, plan } = await readOidcPlan(ctx());
    expect(state.pushUser).toEqual({ name: "github-ecr-push", exists: false });
    expect(plan.prerequisite).toEqual({ missing: expect.stringMatching(/^The account has no push user github-ecr-push yet: .*guided setup first/), href: "/setup" });
    expect(plan.ready).toBe(false);
    const { startOidcMove } = await import("../operations/oidc/apply-oidc-move");
    const opCtx = { clients: sb.clients, actor: { login: "octo-operator", role: "operator" as const }, db, config: parseConfig({ SANDBOX_PORT: "4566" }), cache: new TtlCache() };
    await expect(startOidcMove(opCtx)).rejects.toMatchObject({ code: "oidc-blocked", message: expect.stringMatching(/no push user github-ecr-push yet.*Nothing was changed\.$/) });
    const { GetRoleCommand } = await import("@aws-sdk/client-iam");
    await expect(sb.clients.aws.iam.send(new GetRoleCommand({ RoleName: "github-ecr-push-oidc" }))).rejects.toMatchObject({ name: "NoSuchEntityException" });
    expect((await sb.admin("POST", "/_sandbox/reset", { scenario: "default" })).status).toBe(200);
  });
});
