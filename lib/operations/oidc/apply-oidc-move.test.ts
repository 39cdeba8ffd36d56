// The OIDC move's IAM steps against the sandbox over HTTP: from the default scenario, then again (idempotent), an
// existing role with a wider trust (reported, not changed), and a child process killed inside and after each step
// then resumed (nothing half-done: never a role without its push policy at the end, one provider, one role, one
// pull request with one commit, the default branch untouched).

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DeleteOpenIDConnectProviderCommand, GetRoleCommand, GetRolePolicyCommand, ListOpenIDConnectProvidersCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { testContext } from "../rotation/testing/rotation-test-kit";
import { resumeInterruptedOidcMoves, resumeOidcMove, startOidcMove } from "./apply-oidc-move";
import { activeOidcMove, getOidcMove, listOidcSteps } from "./store";
import { openWorkflowPullRequest, StaleReviewError } from "./workflow-pull-request";
import { listAudit } from "../../infra/audit/record-audit";

const sbx = sharedTestSandbox();
const CHILD = path.resolve("lib/operations/oidc/testing/kill-child.ts");
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const ROLE = "github-ecr-push-oidc";

async function cleanIam() {
  // The pull request and its branch an earlier test left, through GitHub's API as a user would.
  const { github, repo } = sbx.clients;
  const open = await github.rest.pulls.list({ ...repo, state: "open", head: `${repo.owner}:deckhand/oidc-role` });
  for (const pr of open.data) await github.rest.pulls.update({ ...repo, pull_number: pr.number, state: "closed" });
  await github.rest.git.deleteRef({ ...repo, ref: "heads/deckhand/oidc-role" }).catch(() => {});
  const iam = sbx.clients.aws.iam;
  await iam.send(new DeleteRolePolicyCommand({ RoleName: ROLE, PolicyName: "ecr-push-policy" })).catch(() => {});
  await iam.send(new DeleteRoleCommand({ RoleName: ROLE })).catch(() => {});
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER })).catch(() => {});
}

async function trustOf(): Promise<Record<string, unknown>> {
  const r = await sbx.clients.aws.iam.send(new GetRoleCommand({ RoleName: ROLE }));
  return JSON.parse(decodeURIComponent(r.Role!.AssumeRolePolicyDocument!));
}

describe("startOidcMove against the sandbox", () => {
  it("creates the provider, the pinned role and its push policy; a second move reuses them", async () => {
    await cleanIam();
    const { ctx, db, dir } = testContext(sbx);
    try {
      const first = await (await startOidcMove(ctx)).done;
      expect(first.state, first.message ?? "").toBe("completed");
      expect(listOidcSteps(db, first.id).map((s) => [s.step, s.outcome, s.detail?.created])).toEqual([["provider", "succeeded", true], ["role", "succeeded", true], ["role-policy", "succeeded", undefined], ["workflow-pr", "succeeded", true]]);
      // The pull request: from deckhand/oidc-role into main, the workflow changed there, main untouched.
      const { github, repo } = sbx.clients;
      const prNumber = listOidcSteps(db, first.id)[3].detail!.pullRequest as number;
      const pr = (await github.rest.pulls.get({ ...repo, pull_number: prNumber })).data;
      expect(pr).toMatchObject({ state: "open", head: { ref: "deckhand/oidc-role" }, base: { ref: "main" } });
      const fileAt = async (ref: string) => Buffer.from(((await github.rest.repos.getContent({ ...repo, path: ".github/workflows/ecr.yml", ref })).data as { content: string }).content, "base64").toString("utf8");
      expect(await fileAt("deckhand/oidc-role")).toBe(first.plan.workflowAfter);
      expect(await fileAt("deckhand/oidc-role")).toContain(`role-to-assume: ${first.plan.roleArn}`);
      expect(await fileAt("main")).toBe(first.plan.workflowBefore);
      expect(await fileAt("main")).toContain("secrets.AWS_ACCESS_KEY_ID");
      const trust = JSON.stringify(await trustOf());
      expect(trust).toContain(`${first.plan.subjectPrefix}:ref:refs/heads/main`);
      expect(trust).toContain('"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"');
      const policy = await sbx.clients.aws.iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: "ecr-push-policy" }));
      expect(JSON.parse(decodeURIComponent(policy.PolicyDocument!))).toEqual(JSON.parse(first.plan.permissionPolicy));
      expect(listAudit(db, { limit: 50 }).map((a) => a.action)).toEqual(expect.arrayContaining(["oidc.start", "oidc.provider.end", "oidc.role.end", "oidc.role-policy.end", "oidc.complete"]));

      const second = await (await startOidcMove(ctx)).done;
      expect(second.state).toBe("completed");
      // Reused: the provider, the role, and the pull request already open.
      expect(listOidcSteps(db, second.id).map((s) => s.detail?.created)).toEqual([false, false, undefined, false]);
      expect(listOidcSteps(db, second.id)[3].detail!.pullRequest).toBe(prNumber);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start when the existing role's trust is wider, and changes nothing", async () => {
    await cleanIam();
    const { ctx, db, dir } = testContext(sbx);
    try {
      const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": ["repo:acme/*", "repo:acme@*"] } } }] };
      await sbx.clients.aws.iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(wide) }));
      const refused = await startOidcMove(ctx).then(() => null, (e: Error & { code?: string }) => e);
      expect(refused?.code).toBe("oidc-blocked");
      expect(refused?.message).toMatch(/another repository of acme \(immutable subject\)/);
      expect(await trustOf()).toEqual(wide);
      expect((await sbx.clients.aws.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([]);
      expect(activeOidcMove(db, "acme/mcp-servers")).toBeNull();
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("openWorkflowPullRequest", () => {
  it("stops when the workflow changed on the default branch since the diff was reviewed, writing nothing", async () => {
    await cleanIam();
    const { ctx, db, dir } = testContext(sbx);
    try {
      const move = await (await startOidcMove(ctx, { failpoint: undefined })).done;
      await cleanIam();
      const stale = { ...move.plan, workflowBefore: move.plan.workflowBefore + "# reviewed earlier\n" };
      await expect(openWorkflowPullRequest({ clients: sbx.clients, plan: stale })).rejects.toBeInstanceOf(StaleReviewError);
      const { github, repo } = sbx.clients;
      await expect(github.rest.git.getRef({ ...repo, ref: "heads/deckhand/oidc-role" })).rejects.toMatchObject({ status: 404 });
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const FAILPOINTS = [
  "oidc:in-provider",
  "oidc:in-provider-called",
  "oidc:after-provider",
  "oidc:in-role",
  "oidc:in-role-called",
  "oidc:after-role",
  "oidc:in-role-policy-called",
  "oidc:after-role-policy",
  "oidc:in-workflow-pr",
  "oidc:in-workflow-pr-called",
];

describe("an OIDC move killed inside and after each step resumes with nothing half-done", () => {
  for (const fp of FAILPOINTS) {
    it(`killed at ${fp}`, async () => {
      await cleanIam();
      const { ctx, db, dir } = testContext(sbx);
      try {
        const child = await runKillChild(CHILD, { sandboxUrl: sbx.url, dataDir: dir, failpoint: fp });
        expect(child.signal, child.out).toBe("SIGKILL");
        const left = activeOidcMove(db, "acme/mcp-servers")!;
        expect(left.state).toBe("running");
        let m;
        if (fp === "oidc:after-role") {
          // What a server start does (instrumentation): find the interrupted move and resume it.
          expect(await resumeInterruptedOidcMoves(ctx)).toEqual([left.id]);
          for (let i = 0; i < 300 && getOidcMove(db, left.id)!.state === "running"; i++) await new Promise((r) => setTimeout(r, 100));
          m = getOidcMove(db, left.id)!;
        } else m = await (await resumeOidcMove(ctx, { moveId: left.id })).done;
        expect(m.state, m.message ?? "").toBe("completed");
        const steps = listOidcSteps(db, m.id);
        expect(steps.filter((s) => s.outcome === "running")).toEqual([]);
        expect(steps.filter((s) => s.outcome === "succeeded").map((s) => s.step)).toEqual(["provider", "role", "role-policy", "workflow-pr"]);
        if (fp.startsWith("oidc:in-")) expect(steps.filter((s) => s.outcome === "interrupted")).toHaveLength(1);
        // One provider, one role, and the role has its push policy: nothing half-done.
        expect((await sbx.clients.aws.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([{ Arn: PROVIDER }]);
        expect((await sbx.clients.aws.iam.send(new ListRolesCommand({}))).Roles!.filter((r) => r.RoleName === ROLE)).toHaveLength(1);
        await sbx.clients.aws.iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: "ecr-push-policy" }));
        // One pull request from the branch, one commit on it: a resume found what the killed runner had done.
        const { github, repo } = sbx.clients;
        const prs = (await github.rest.pulls.list({ ...repo, state: "open", head: `${repo.owner}:deckhand/oidc-role` })).data;
        expect(prs).toHaveLength(1);
        const commits = (await github.rest.repos.compareCommits({ ...repo, base: "main", head: "deckhand/oidc-role" })).data;
        expect(commits.ahead_by).toBe(1);
      } finally {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
