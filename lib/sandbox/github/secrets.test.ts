import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sodium from "libsodium-wrappers";
import { settledFetch, startGithubFixture, type GithubFixture } from "./test-support/sandbox-fixture";

let f: GithubFixture;
const repo = { owner: "acme", repo: "mcp-servers" };

beforeAll(async () => {
  f = await startGithubFixture();
  await sodium.ready;
});
afterAll(async () => {
  await f?.close();
});

/** Seal a value the way GitHub's docs tell clients to: libsodium crypto_box_seal to the repository's public key. */
function seal(value: string, publicKeyB64: string): string {
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(publicKeyB64, sodium.base64_variants.ORIGINAL));
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

async function decrypted(name: string): Promise<{ status: number; value?: string }> {
  const res = await f.admin("GET", `/_sandbox/github/repos/acme/mcp-servers/secrets/${name}`);
  return { status: res.status, ...(res.ok ? ((await res.json()) as { value: string }) : {}) };
}

describe("Actions secrets", () => {
  it("serves a real X25519 public key with a stable key_id", async () => {
    const a = await f.octokit.actions.getRepoPublicKey(repo);
    const b = await f.as("octo-viewer").actions.getRepoPublicKey(repo);
    expect(sodium.from_base64(a.data.key, sodium.base64_variants.ORIGINAL)).toHaveLength(32);
    expect(b.data).toEqual(a.data);
    expect(a.data.key_id).toMatch(/^\d+$/);
  });

  it("stores a value sealed by an independent libsodium and decrypts it to the same value (201, then 204)", async () => {
    const { data: key } = await f.octokit.actions.getRepoPublicKey(repo);
    const created = await f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "DECKHAND_TEST", encrypted_value: seal("first value ✓", key.key), key_id: key.key_id });
    expect(created.status).toBe(201);
    expect(await decrypted("DECKHAND_TEST")).toMatchObject({ status: 200, value: "first value ✓" });
    const updated = await f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "DECKHAND_TEST", encrypted_value: seal("second", key.key), key_id: key.key_id });
    expect(updated.status).toBe(204);
    expect(await decrypted("DECKHAND_TEST")).toMatchObject({ value: "second" });
  });

  it("refuses a value sealed to another key, and a wrong key_id, with 422", async () => {
    const { data: key } = await f.octokit.actions.getRepoPublicKey(repo);
    const other = sodium.crypto_box_keypair();
    const foreign = seal("x", sodium.to_base64(other.publicKey, sodium.base64_variants.ORIGINAL));
    await expect(f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "FOREIGN", encrypted_value: foreign, key_id: key.key_id })).rejects.toMatchObject({ status: 422 });
    await expect(f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: "FOREIGN", encrypted_value: seal("x", key.key), key_id: "1234" })).rejects.toMatchObject({ status: 422 });
    expect((await decrypted("FOREIGN")).status).toBe(404);
  });

  it("lists and gets secrets without ever returning values; deletes them", async () => {
    const list = await f.octokit.actions.listRepoSecrets(repo);
    const names = list.data.secrets.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]));
    expect(JSON.stringify(list.data)).not.toMatch(/"value"/);
    const one = await f.octokit.actions.getRepoSecret({ ...repo, secret_name: "AWS_ACCESS_KEY_ID" });
    expect(Object.keys(one.data).sort()).toEqual(["created_at", "name", "updated_at"]);
    await f.octokit.actions.deleteRepoSecret({ ...repo, secret_name: "DECKHAND_TEST" });
    await expect(f.octokit.actions.getRepoSecret({ ...repo, secret_name: "DECKHAND_TEST" })).rejects.toMatchObject({ status: 404 });
  });

  it("lets only the admin manage secrets: viewer 403, mallory 404", async () => {
    await expect(f.as("octo-viewer").actions.listRepoSecrets(repo)).rejects.toMatchObject({ status: 403 });
    await expect(f.as("mallory").actions.listRepoSecrets(repo)).rejects.toMatchObject({ status: 404 });
  });

  it("keeps the admin route to decrypted values behind the sandbox admin token", async () => {
    const res = await settledFetch(`${f.sb.url}/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_ACCESS_KEY_ID`, { headers: { authorization: "Bearer ghp_sandboxadmintoken" } });
    expect(res.status).toBe(403);
  });
});

describe("Actions variables", () => {
  it("creates (201), reads, updates (204), lists and deletes a variable", async () => {
    const c = await f.octokit.actions.createRepoVariable({ ...repo, name: "DECKHAND_VAR", value: "one" });
    expect(c.status).toBe(201);
    await expect(f.octokit.actions.createRepoVariable({ ...repo, name: "DECKHAND_VAR", value: "again" })).rejects.toMatchObject({ status: 422 });
    const u = await f.octokit.actions.updateRepoVariable({ ...repo, name: "DECKHAND_VAR", value: "two" });
    expect(u.status).toBe(204);
    expect((await f.octokit.actions.getRepoVariable({ ...repo, name: "DECKHAND_VAR" })).data.value).toBe("two");
    const list = await f.octokit.actions.listRepoVariables({ ...repo, per_page: 30 });
    expect(list.data.variables.map((v) => v.name)).toEqual(["AWS_REGION", "DECKHAND_VAR"]);
    expect(list.data.variables[0].value).toBe("us-east-1");
    await f.octokit.actions.deleteRepoVariable({ ...repo, name: "DECKHAND_VAR" });
    await expect(f.octokit.actions.getRepoVariable({ ...repo, name: "DECKHAND_VAR" })).rejects.toMatchObject({ status: 404 });
  });

  it("rejects invalid names with GitHub's 422 validation error", async () => {
    await expect(f.octokit.actions.createRepoVariable({ ...repo, name: "GITHUB_SHA", value: "x" })).rejects.toMatchObject({ status: 422 });
    await expect(f.octokit.actions.createRepoVariable({ ...repo, name: "1BAD", value: "x" })).rejects.toMatchObject({ status: 422 });
  });
});

describe("scenarios", () => {
  it("'partial' stores AWS_REGION as a secret and no key secrets; 'empty' has none of it", async () => {
    await f.sb.reset({ scenario: "partial" });
    const secrets = await f.octokit.actions.listRepoSecrets(repo);
    expect(secrets.data.secrets.map((s) => s.name)).toEqual(["AWS_REGION"]);
    expect((await f.octokit.actions.listRepoVariables(repo)).data.total_count).toBe(0);
    await f.sb.reset({ scenario: "empty" });
    expect((await f.octokit.actions.listRepoSecrets(repo)).data.total_count).toBe(0);
    expect((await f.octokit.actions.listWorkflowRunsForRepo(repo)).data.total_count).toBe(0);
    expect((await f.octokit.repos.listCommits(repo)).data.length).toBeGreaterThan(3);
    await f.sb.reset({ scenario: "default" });
  });
});
