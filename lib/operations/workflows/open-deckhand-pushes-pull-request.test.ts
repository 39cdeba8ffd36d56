import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { parseConfig } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import type { OperationContext } from "../context";
import { openDeckhandPushesPullRequest } from "./open-deckhand-pushes-pull-request";
import { DECKHAND_PUSHES_BRANCH, readDeckhandPushesPreview } from "../../read/deckhand-pushes";
import { setWebhookPushes } from "../settings/webhook-pushes";
import { createGitHubClient } from "../../integrations/clients/github-client";
import { readBranchSha, readPullRequest, readRepositoryFile, writeRepositoryFile } from "../../integrations/github/pull-requests";

const WORKFLOW = ".github/workflows/ecr.yml";
let sbx: TestSandbox;
let ctx: OperationContext;
let dir: string;
beforeAll(async () => {
  sbx = await startTestSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-prs-"));
  ctx = { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db: openDb(dir), config: parseConfig({ DECKHAND_DATA_DIR: dir }), cache: new TtlCache() };
}, 60_000);
afterAll(async () => {
  await sbx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const gh = () => ({ github: sbx.clients.github, repo: sbx.clients.repo });
const readCtx = () => ({ quickGitHub: sbx.clients.github, clients: sbx.clients, workflowName: ctx.config.workflowName, db: ctx.db });

describe("the Deckhand pushes pull request", () => {
  let firstNumber: number;

  it("previews the change: the seeded workflow only pushes, so the file goes", async () => {
    const part = await readDeckhandPushesPreview(readCtx(), { isDefault: true });
    expect(part.ok).toBe(true);
    if (!part.ok || !part.data.lookup.found) throw new Error("no preview");
    const { change } = part.data.lookup;
    expect(change).toMatchObject({ workflow: { path: WORKFLOW }, baseBranch: "main", plan: { ok: true, change: "delete" } });
    expect(change.diff).toMatch(/^--- a\/\.github\/workflows\/ecr\.yml\n\+\+\+ \/dev\/null\n/);
    expect(change.diff).toContain("-        uses: aws-actions/amazon-ecr-login@v2");
    expect(part.data.openPullRequest).toBeNull();
    // Nothing built yet: the page says so rather than claiming Deckhand already pushes every commit.
    expect(part.data.deckhandBuilds).toEqual({ webhookPushes: true, lastJob: null });
  });

  it("says when webhook pushes are off (after the merge nothing would push)", async () => {
    setWebhookPushes(ctx, false);
    try {
      const part = await readDeckhandPushesPreview(readCtx(), { isDefault: true });
      expect(part.ok && part.data.deckhandBuilds.webhookPushes).toBe(false);
    } finally {
      setWebhookPushes(ctx, true);
    }
  });

  it("opens it from deckhand/deckhand-pushes, never touching main; a second call returns the same one", async () => {
    const mainBefore = await readBranchSha({ ...gh(), branch: "main" });
    const out = await openDeckhandPushesPullRequest(ctx);
    expect(out).toMatchObject({ created: true, path: WORKFLOW, change: "delete", pullRequest: { state: "open", headRef: DECKHAND_PUSHES_BRANCH, baseRef: "main" } });
    firstNumber = out.pullRequest.number;
    expect(await readRepositoryFile({ ...gh(), path: WORKFLOW, ref: DECKHAND_PUSHES_BRANCH })).toBeNull();
    expect(await readRepositoryFile({ ...gh(), path: WORKFLOW })).not.toBeNull();
    expect(await readBranchSha({ ...gh(), branch: "main" })).toBe(mainBefore);
    const pr = await sbx.clients.github.rest.pulls.get({ ...sbx.clients.repo, pull_number: firstNumber });
    expect(pr.data.body).toContain("latest");
    expect(pr.data.body).toContain("Deckhand's worker builds each commit GitHub's push webhook announces");
    const again = await openDeckhandPushesPullRequest(ctx);
    expect(again).toMatchObject({ created: false, pullRequest: { number: firstNumber } });
    const preview = await readDeckhandPushesPreview(readCtx(), { isDefault: true });
    expect(preview.ok && preview.data.openPullRequest?.number).toBe(firstNumber);
  });

  it("after the pull request was closed and main moved on, starts the branch again from main with the new workflow", async () => {
    await sbx.clients.github.rest.pulls.update({ ...sbx.clients.repo, pull_number: firstNumber, state: "closed" });
    const current = (await readRepositoryFile({ ...gh(), path: WORKFLOW }))!;
    const withTests = current.text.replace("      - name: Configure AWS", "      - name: Test\n        run: npm test\n\n      - name: Configure AWS");
    await writeRepositoryFile({ ...gh(), branch: "main", path: WORKFLOW, text: withTests, message: "Run the tests", sha: current.sha });
    const mainSha = await readBranchSha({ ...gh(), branch: "main" });
    const out = await openDeckhandPushesPullRequest(ctx);
    expect(out).toMatchObject({ created: true, change: "edit" });
    expect(out.pullRequest.number).not.toBe(firstNumber);
    const onBranch = (await readRepositoryFile({ ...gh(), path: WORKFLOW, ref: DECKHAND_PUSHES_BRANCH }))!.text;
    expect(onBranch).toContain("run: npm test");
    expect(onBranch).not.toContain("amazon-ecr-login");
    const commit = await sbx.clients.github.rest.repos.getCommit({ ...sbx.clients.repo, ref: DECKHAND_PUSHES_BRANCH });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([mainSha]);
    expect((await readPullRequest({ ...gh(), number: out.pullRequest.number }))?.state).toBe("open");
    await sbx.clients.github.rest.pulls.update({ ...sbx.clients.repo, pull_number: out.pullRequest.number, state: "closed" });
  });

  it("refuses, saying why, when the push cannot be cut out safely; nothing is written", async () => {
    const current = (await readRepositoryFile({ ...gh(), path: WORKFLOW }))!;
    const mixed = current.text.replace("          docker compose build\n", "          npm run lint\n          docker compose build\n");
    await writeRepositoryFile({ ...gh(), branch: "main", path: WORKFLOW, text: mixed, message: "Lint in the push step", sha: current.sha });
    const branchBefore = await readBranchSha({ ...gh(), branch: DECKHAND_PUSHES_BRANCH });
    await expect(openDeckhandPushesPullRequest(ctx)).rejects.toMatchObject({ name: "SafeError", code: "workflow-change-refused", message: expect.stringMatching(/also runs other commands/) });
    expect(await readBranchSha({ ...gh(), branch: DECKHAND_PUSHES_BRANCH })).toBe(branchBefore);
  });

  it("names the missing workflow scope when GitHub refuses the token a workflow file", async () => {
    // Restore a workflow Deckhand can change, then use a token without the `workflow` scope.
    const current = (await readRepositoryFile({ ...gh(), path: WORKFLOW }))!;
    const clean = current.text.replace("          npm run lint\n", "");
    await writeRepositoryFile({ ...gh(), branch: "main", path: WORKFLOW, text: clean, message: "Lint elsewhere", sha: current.sha });
    const res = await sbx.admin("POST", "/_sandbox/github/fine-grained-tokens", {
      login: "octo-operator",
      repositories: ["acme/mcp-servers"],
      permissions: { contents: "write", pull_requests: "write", actions: "read" },
    });
    const { token } = (await res.json()) as { token: string };
    const github = createGitHubClient({ baseUrl: `${sbx.url}/api/v3`, token, retries: 0, log: { warn: () => {} } });
    await expect(openDeckhandPushesPullRequest({ ...ctx, clients: { ...ctx.clients, github } })).rejects.toMatchObject({
      code: "missing-permission",
      message: expect.stringMatching(/needs the `workflow` scope .* or Workflows: write/),
    });
  });

  it("says so when the workflow does not exist", async () => {
    await expect(openDeckhandPushesPullRequest({ ...ctx, config: { ...ctx.config, workflowName: "Deploy" } })).rejects.toMatchObject({ code: "workflow-not-found" });
  });
});
