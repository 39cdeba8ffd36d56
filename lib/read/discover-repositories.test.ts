import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { ConfigError } from "../infra/config/env";
import { discoverRepositories } from "./discover-repositories";

/** Discovery against the sandbox's `fleet` scenario over HTTP (GitHub's OpenAPI-validated). */
let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" }, { validateGitHubOpenApi: true });
}, 90_000);
afterAll(async () => {
  await sb?.close();
});

const ctx = () => ({ clients: sb.clients, cache: new TtlCache() });

describe("discoverRepositories", () => {
  it("finds every repository of the organization whose ECR workflow takes the key from AWS_ACCESS_KEY_ID and that the organization's secret reaches", async () => {
    const found = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    // acme/web-gateway: the organization secret (visibility selected). The other two hold the key only as their own
    // repository secrets, which whoever administers the repository (its creator) can set to anything.
    expect(found.repositories.map((r) => r.repository).sort()).toEqual(["acme/web-gateway"]);
    for (const r of found.repositories) expect(r).toMatchObject({ owner: "acme", pushUser: "github-ecr-push" });
    for (const s of found.skipped) expect(s.reason).not.toBe("");
  }, 60_000);

  it("a discovery again with nothing changed is answered 304 by GitHub: it costs nothing against the rate limit", async () => {
    const { SANDBOX_GITHUB_ADMIN_TOKEN } = await import("../sandbox/constants");
    const used = async () => Number((await fetch(`${sb.url}/api/v3/user`, { headers: { authorization: `token ${SANDBOX_GITHUB_ADMIN_TOKEN}` } })).headers.get("x-ratelimit-used"));
    const first = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    const before = await used();
    // A fresh cache (as every 15 minutes): every listing is asked again, with the ETag of its last answer.
    const again = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    expect(again).toEqual(first);
    // Only the probe itself was charged.
    expect((await used()) - before).toBe(1);
  }, 60_000);

  it("a repository whose secrets could not be read is skipped as unread (the retire then counts it as unknown), not as not using the key", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/actions/organization-secrets", kind: "access-denied", count: -1 });
    try {
      const found = await discoverRepositories(ctx(), "acme", "github-ecr-push");
      expect(found.repositories.map((r) => r.repository)).not.toContain("acme/web-gateway");
      expect(found.skipped.find((s) => s.repository === "acme/web-gateway")).toMatchObject({ unread: true, reason: expect.stringContaining("its secrets could not be listed") });
    } finally {
      await sb.admin("DELETE", "/_sandbox/faults");
    }
  }, 60_000);

  it("a repository's own (or environment) AWS_ACCESS_KEY_ID does not make it discovered: its creator can set that secret to any text", async () => {
    // Read, not unread: what decided it was seen.
    expect((await discoverRepositories(ctx(), "acme", "github-ecr-push")).skipped.every((s) => !s.unread)).toBe(true);
    // An organization member creates a repository, gives it a repository secret named AWS_ACCESS_KEY_ID (junk value)
    // and a workflow naming it: served, Deckhand would build its compose file with the worker's ECR credentials and
    // push into whatever ECR repository its services name (another service's).
    const github = sb.clients.github;
    const repo = { owner: "acme", repo: "billing-worker" };
    const { data: key } = await github.rest.actions.getRepoPublicKey(repo);
    const sodium = (await import("libsodium-wrappers")).default;
    await sodium.ready;
    const sealed = sodium.to_base64(sodium.crypto_box_seal(sodium.from_string("not-a-key-at-all"), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL)), sodium.base64_variants.ORIGINAL);
    await github.rest.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "AWS_ACCESS_KEY_ID", encrypted_value: sealed, key_id: key.key_id });
    const found = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    expect(found.repositories.map((r) => r.repository)).not.toContain("acme/billing-worker");
    expect(found.skipped.find((s) => s.repository === "acme/billing-worker")?.reason).toMatch(
      /its AWS_ACCESS_KEY_ID is its own repository secret, which whoever administers acme\/billing-worker can set: name it in GITHUB_REPOSITORIES to serve it/,
    );
  }, 60_000);

  it("is bounded: an owner with more repositories than the limit is refused without listing them all; a repository with too many workflow files is skipped", async () => {
    // An owner of 10,000 repositories, or a member creating many: every discovery costs calls per repository.
    const err = await discoverRepositories(ctx(), "acme", "github-ecr-push", { repositories: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/acme\/\* cannot be discovered: acme has more than 2 repositories, the most one owner wildcard examines; name the repositories Deckhand serves instead/);
    const found = await discoverRepositories(ctx(), "acme", "github-ecr-push", { workflowFiles: 0 });
    expect(found.repositories).toEqual([]);
    expect(found.skipped.find((s) => s.repository === "acme/web-gateway")?.reason).toMatch(/workflow files?, more than the 0 discovery reads; name it in GITHUB_REPOSITORIES to serve it/);
  }, 60_000);

  it("an owner that cannot be listed is a configuration error naming GITHUB_REPOSITORIES", async () => {
    const err = await discoverRepositories(ctx(), "no-such-owner", "github-ecr-push").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe("GITHUB_REPOSITORIES");
    expect((err as Error).message).toMatch(/no-such-owner\/\* cannot be discovered/);
  }, 60_000);

  it("a repository whose workflow changes away from the key is no longer found", async () => {
    // acme/billing-worker's workflow moved to a role: rewrite its file through the contents API.
    const github = sb.clients.github;
    const repo = { owner: "acme", repo: "billing-worker" };
    const file = await github.rest.repos.getContent({ ...repo, path: ".github/workflows/ecr.yml" });
    if (Array.isArray(file.data) || !("content" in file.data)) throw new Error("no workflow file");
    const text = Buffer.from(file.data.content, "base64").toString("utf8").replace(/^(\s*)aws-access-key-id:.*$/m, "$1role-to-assume: arn:aws:iam::123456789012:role/push").replace(/^\s*aws-secret-access-key:.*\n/m, "");
    await github.rest.repos.createOrUpdateFileContents({ ...repo, path: ".github/workflows/ecr.yml", message: "Use the role", content: Buffer.from(text).toString("base64"), sha: file.data.sha });
    const found = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    expect(found.repositories.map((r) => r.repository)).not.toContain("acme/billing-worker");
    expect(found.skipped.find((s) => s.repository === "acme/billing-worker")?.reason).toMatch(/does not take aws-access-key-id/);
  }, 60_000);

  it("a repository whose workflow names the secret but that no such secret reaches is not found (anyone can write that text)", async () => {
    // acme/mcp-servers keeps its workflow but loses its repository secrets; no organization secret reaches it.
    const github = sb.clients.github;
    const repo = { owner: "acme", repo: "mcp-servers" };
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) await github.rest.actions.deleteRepoSecret({ ...repo, secret_name: name });
    const found = await discoverRepositories(ctx(), "acme", "github-ecr-push");
    expect(found.repositories.map((r) => r.repository)).not.toContain("acme/mcp-servers");
    expect(found.repositories.map((r) => r.repository)).toContain("acme/web-gateway"); // the organization secret reaches it
    expect(found.skipped.find((s) => s.repository === "acme/mcp-servers")?.reason).toMatch(/names AWS_ACCESS_KEY_ID, but no organization secret of that name reaches it/);
  }, 60_000);
});
