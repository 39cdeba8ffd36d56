// POST /api/push with several repositories (GITHUB_REPOSITORIES): a script names the repository, the job is queued
// for that repository's commit; a repository Deckhand does not watch is refused and nothing is queued.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { startTestSandbox, type TestSandbox } from "@/lib/tooling/testing/sandbox-fixture";
import { resetConfigForTests } from "@/lib/infra/config/env";
import { getDb } from "@/lib/infra/db";
import { POST } from "./route";

const TOKEN = "test-api-token-0123456789";
let sb: TestSandbox;
let dataDir: string;
const ctx = { params: Promise.resolve({}) };
const post = (body: unknown, token = TOKEN) =>
  POST(new NextRequest("http://x/api/push", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }), ctx);
const jobs = () => getDb().prepare(`SELECT id, sha, repository FROM push_jobs ORDER BY created_at`).all() as { id: string; sha: string; repository: string | null }[];

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-api-push-"));
  Object.assign(process.env, {
    DECKHAND_MODE: "sandbox",
    DECKHAND_DATA_DIR: dataDir,
    SANDBOX_PORT: new URL(sb.url).port,
    DECKHAND_API_TOKEN: TOKEN,
    DECKHAND_EMBEDDED_WORKER: "0",
    GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway,acme/no-such-repo",
  });
  resetConfigForTests();
});
afterAll(async () => {
  delete process.env.GITHUB_REPOSITORIES;
  resetConfigForTests();
  await sb?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("POST /api/push", () => {
  it("queues the named repository's branch head, and the default repository's without a name", async () => {
    const gateway = await post({ ref: "main", repository: "ACME/web-gateway" });
    expect(gateway.status).toBe(202);
    const a = (await gateway.json()) as { jobId: string; sha: string; repository: string };
    expect(a.repository).toBe("acme/web-gateway");
    const head = (await sb.clients.github.repos.getBranch({ owner: "acme", repo: "web-gateway", branch: "main" })).data.commit.sha;
    expect(a.sha).toBe(head);

    const plain = await post({ ref: "main" });
    expect(plain.status).toBe(202);
    const b = (await plain.json()) as { jobId: string; sha: string; repository: string };
    expect(b.repository).toBe("acme/mcp-servers");
    expect(b.sha).toBe((await sb.clients.github.repos.getBranch({ owner: "acme", repo: "mcp-servers", branch: "main" })).data.commit.sha);
    expect(jobs().map((j) => [j.id, j.repository])).toEqual([
      [a.jobId, "acme/web-gateway"],
      [b.jobId, null],
    ]);
  });

  it("refuses a repository Deckhand does not watch (404) or a malformed one (400), and queues nothing", async () => {
    const before = jobs().length;
    const other = await post({ ref: "main", repository: "acme/billing" });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: string }).error).toBe(
      'Deckhand does not watch the repository "acme/billing": it pushes only the configured ones (acme/mcp-servers, acme/web-gateway, acme/no-such-repo).',
    );
    expect((await post({ ref: "main", repository: 42 })).status).toBe(400);
    // Named but empty, blank, an array or null: bad input, not "the default repository" (a script's empty variable).
    for (const repository of ["", "   ", ["acme/web-gateway"], null, { name: "acme/web-gateway" }]) {
      const bad = await post({ ref: "main", repository });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('"repository" must be owner/name');
    }
    expect((await post("not json")).status).toBe(400);
    // A misnamed key is refused, not dropped: "repo" would otherwise push the default repository.
    const misnamed = await post({ ref: "main", repo: "acme/web-gateway" });
    expect(misnamed.status).toBe(400);
    expect(((await misnamed.json()) as { error: string }).error).toMatch(/^Unknown key "repo"\. Body must be JSON: \{ "ref": "main" \}/);
    for (const bad of [{}, { branch: "main" }, ["main"]]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain('Body must be JSON: { "ref": "main" } or { "sha": "<commit>" }');
    }
    expect((await post({ ref: "main", repository: "acme/web-gateway" }, "wrong-token-0123456789")).status).toBe(401);
    expect(jobs()).toHaveLength(before);
  });

  it("says which is missing on GitHub, the branch or the whole repository (404), and queues nothing", async () => {
    const before = jobs().length;
    const branch = await post({ ref: "no-such-branch", repository: "acme/web-gateway" });
    expect(branch.status).toBe(404);
    expect(((await branch.json()) as { error: string }).error).toBe('GitHub has no branch or ref "no-such-branch" in acme/web-gateway.');
    // Configured, but GitHub answers 404 for the repository itself: "no branch main" would send the reader looking
    // for a branch in a repository nobody can see.
    const repo = await post({ ref: "main", repository: "acme/no-such-repo" });
    expect(repo.status).toBe(404);
    expect(((await repo.json()) as { error: string }).error).toBe(
      "GitHub answers 404 for acme/no-such-repo: it does not exist, or Deckhand's token cannot see it. Check the name in GITHUB_REPOSITORIES and the token's repository access.",
    );
    expect(jobs()).toHaveLength(before);
  });
});
