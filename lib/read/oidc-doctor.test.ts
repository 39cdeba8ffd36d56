// The doctor's OIDC mode against the sandbox: a role pinned to main (made by the move), a run from a pull request
// assumes it as configure-aws-credentials would (the run's ID token → STS), and the refusal is diagnosed from
// CloudTrail: the subject, the condition that refused it, the fix.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { testContext } from "../operations/rotation/testing/rotation-test-kit";
import { startOidcMove } from "../operations/oidc/apply-oidc-move";
import { readOidcDoctorChecks, readOidcRefusals } from "./oidc-doctor";
import { readContextFrom, type ReadContext } from "./context";
import { resolveDoctorMode } from "./oidc";
import { readChecksPerRepository, readFleet } from "./fleet";
import { readMetricsText } from "./metrics";
import { TtlCache } from "../infra/cache/ttl-cache";
import { parseConfig } from "../infra/config/env";
import type { Db } from "../infra/db/open-db";

const sbx = sharedTestSandbox();

describe("readOidcRefusals", () => {
  it("a trust pinned to main and a run from a pull request: the subject, the refusing condition and the fix", async () => {
    const { ctx, db, dir } = testContext(sbx);
    try {
      const move = await (await startOidcMove(ctx)).done;
      const res = await sbx.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", eventName: "pull_request", ref: "refs/pull/7/merge" });
      const { value: token } = (await res.json()) as { value: string };
      const sts = new STSClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1 });
      await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: move.plan.roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).rejects.toMatchObject({ name: "AccessDenied" });

      const [d] = await readOidcRefusals({ clients: sbx.clients }, move.plan.subjects);
      const prSubject = `${move.plan.subjectPrefix}:pull_request`;
      expect(d).toMatchObject({ subject: prSubject, audience: "sts.amazonaws.com", errorCode: "AccessDenied", roleArn: move.plan.roleArn });
      expect(d.cause).toBe(`GitHubActionsExact requires StringEquals token.actions.githubusercontent.com:sub "${move.plan.subjects[0].value}"; the run presented "${prSubject}".`);
      expect(d.fix).toMatch(/came from a pull request/);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const statuses = async (rctx: ReadContext) => Object.fromEntries((await readOidcDoctorChecks(rctx)).map((c) => [c.id, c.status]));

async function waitForRun(rctx: ReadContext, sha: string) {
  const { github, repo } = rctx.clients;
  for (let i = 0; i < 100; i++) {
    const { data } = await github.rest.actions.listWorkflowRunsForRepo({ ...repo, head_sha: sha });
    const run = data.workflow_runs[0];
    if (run?.status === "completed") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no completed run for ${sha}`);
}

describe("readOidcDoctorChecks (the Doctor's OIDC mode)", () => {
  it("after the move is merged: all green but the pull request's refusal, then green once the workflow skips pull requests", async () => {
    const { db, dir } = testContext(sbx);
    const rctx = (database: Db) => readContextFrom(parseConfig({ SANDBOX_PORT: String(sbx.sandbox.port) }), sbx.clients, new TtlCache(), database);
    try {
      const { github, repo } = sbx.clients;
      // Before the merge the workflow still uses the key: the Doctor picks the key's mode by itself.
      expect(await resolveDoctorMode(rctx(db), undefined)).toEqual({ mode: "key", automatic: true });
      const { data: pulls } = await github.rest.pulls.list({ ...repo, state: "open" });
      const pr = pulls.find((p) => p.head.ref === "deckhand/oidc-role")!;
      const { data: merged } = await github.rest.pulls.merge({ ...repo, pull_number: pr.number });
      expect((await waitForRun(rctx(db), merged.sha!)).conclusion).toBe("success");
      expect(await resolveDoctorMode(rctx(db), undefined)).toEqual({ mode: "oidc", automatic: true });
      expect(await resolveDoctorMode(rctx(db), "key")).toEqual({ mode: "key", automatic: false });

      // The refusal of the first test (a pull request against a trust pinned to main) still stands.
      expect(await statuses(rctx(db))).toEqual({
        "oidc-provider": "pass",
        "oidc-audience": "pass",
        "oidc-role": "pass",
        "oidc-trust-breadth": "pass",
        "oidc-id-token": "pass",
        "oidc-role-policy": "pass",
        "oidc-refusals": "fail",
      });
      const refusals = (await readOidcDoctorChecks(rctx(db))).find((c) => c.id === "oidc-refusals")!;
      expect(refusals.summary).toMatch(/STS refused the subject "repo:[^"]+:pull_request" \(AccessDenied\): GitHubActionsExact requires StringEquals token.actions.githubusercontent.com:sub "repo:[^"]+:ref:refs\/heads\/main"/);
      expect(refusals.fixSteps[0]).toMatch(/skip the push job on pull_request/);

      // The Fleet row, GET /api/checks and GET /api/metrics judge the same OIDC checks (no key checks, no key named),
      // so the refusal fails them too, and the leftover key secrets do not make the row name a key.
      const served = [{ repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", pushUser: "github-ecr-push", pushUserNamed: false }];
      const [perRepository] = await readChecksPerRepository(rctx(db), served);
      expect(perRepository).toMatchObject({ mode: "oidc", ok: false });
      expect(perRepository.checks.map((c) => c.id)).toContain("oidc-refusals");
      const { rows } = await readFleet(rctx(db), served);
      expect(rows[0]).toMatchObject({ signIn: "role", key: null, answer: "no", secretsFrom: "not used: the workflow assumes the OIDC role" });
      expect(rows[0].failingChecks.map((c) => c.id)).toEqual(["oidc-refusals"]);
      const metrics = await readMetricsText(rctx(db), served);
      expect(metrics).toContain('deckhand_check_status{repository="acme/mcp-servers",check="oidc-refusals"} 0');
      expect(metrics).not.toContain('check="credential-error"');
      expect(metrics).toContain('deckhand_push_ready{repository="acme/mcp-servers"} 0');

      // The fix the doctor names: the push job skips pull requests (a commit to main, as a user would make it).
      const { data: file } = await github.rest.repos.getContent({ ...repo, path: ".github/workflows/ecr.yml" });
      const text = Buffer.from((file as { content: string }).content, "base64").toString("utf8");
      const fixed = text.replace("    runs-on: ubuntu-latest", "    if: github.event_name != 'pull_request'\n    runs-on: ubuntu-latest");
      expect(fixed).not.toBe(text);
      const { data: put } = await github.rest.repos.createOrUpdateFileContents({ ...repo, path: ".github/workflows/ecr.yml", message: "Skip the ECR push on pull requests", content: Buffer.from(fixed).toString("base64"), sha: (file as { sha: string }).sha });
      expect((await waitForRun(rctx(db), put.commit.sha!)).conclusion).toBe("success");
      const after = await readOidcDoctorChecks(rctx(db));
      expect(after.filter((c) => c.status !== "pass").map((c) => c.summary)).toEqual([]);
      expect(after.find((c) => c.id === "oidc-refusals")!.evidence.join(" ")).toMatch(/Resolved: the ECR workflow changed after it/);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("a job without id-token: write: the run's log says what configure-aws-credentials says, and the doctor names it", async () => {
    const { db, dir } = testContext(sbx);
    const rctx = readContextFrom(parseConfig({ SANDBOX_PORT: String(sbx.sandbox.port) }), sbx.clients, new TtlCache(), db);
    try {
      const { github, repo } = sbx.clients;
      const { data: file } = await github.rest.repos.getContent({ ...repo, path: ".github/workflows/ecr.yml" });
      const text = Buffer.from((file as { content: string }).content, "base64").toString("utf8");
      const broken = text.replace(/\n\s+id-token: write/, "");
      expect(broken).not.toBe(text);
      const { data: put } = await github.rest.repos.createOrUpdateFileContents({ ...repo, path: ".github/workflows/ecr.yml", message: "Drop id-token", content: Buffer.from(broken).toString("base64"), sha: (file as { sha: string }).sha });
      expect((await waitForRun(rctx, put.commit.sha!)).conclusion).toBe("failure");
      const c = (await readOidcDoctorChecks(rctx)).find((x) => x.id === "oidc-id-token")!;
      expect(c.status).toBe("fail");
      expect(c.evidence.join("\n")).toMatch(/the job build-and-push assumes a role but cannot request an ID token \(permissions of job build-and-push: contents: read\)/);
      expect(c.evidence.join("\n")).toMatch(/run #\d+ \(failure\), Configure AWS credentials: It looks like you might be trying to authenticate with OIDC\. Did you mean to set the `id-token` permission\?/);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("a workflow naming a role of its own: that role's wide trust and missing push policy are judged, not Deckhand's", async () => {
    const { db, dir } = testContext(sbx);
    const rctx = readContextFrom(parseConfig({ SANDBOX_PORT: String(sbx.sandbox.port) }), sbx.clients, new TtlCache(), db);
    try {
      const { github, repo } = sbx.clients;
      const { CreateRoleCommand } = await import("@aws-sdk/client-iam");
      const { state } = await (await import("./oidc")).readOidcPlan(rctx);
      const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
      const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: provider }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": `${state.template!.prefix}:*` } } }] };
      await sbx.clients.aws.iam.send(new CreateRoleCommand({ RoleName: "custom-push", AssumeRolePolicyDocument: JSON.stringify(wide) }));
      const { data: file } = await github.rest.repos.getContent({ ...repo, path: ".github/workflows/ecr.yml" });
      const text = Buffer.from((file as { content: string }).content, "base64").toString("utf8");
      const renamed = text.replace("role/github-ecr-push-oidc", "role/custom-push");
      expect(renamed).not.toBe(text);
      await github.rest.repos.createOrUpdateFileContents({ ...repo, path: ".github/workflows/ecr.yml", message: "Assume custom-push", content: Buffer.from(renamed).toString("base64"), sha: (file as { sha: string }).sha });
      const checks = await readOidcDoctorChecks(rctx);
      const by = (id: string) => checks.find((c) => c.id === id)!;
      expect(by("oidc-role")).toMatchObject({ status: "pass", title: "Role custom-push admits the workflow's runs" });
      expect(by("oidc-trust-breadth").status).toBe("fail");
      expect(by("oidc-trust-breadth").evidence.join(" ")).toMatch(/any pull request/);
      expect(by("oidc-role-policy")).toMatchObject({ status: "fail", summary: expect.stringMatching(/no inline policy ecr-push-policy/) });
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

