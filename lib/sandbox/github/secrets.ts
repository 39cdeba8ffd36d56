import { createHash } from "node:crypto";
import sodium from "libsodium-wrappers";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { ghError, parseJsonBody, validationFailed } from "./errors";
import { paginate } from "./pagination";
import { findRepo, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";

interface RepoKey {
  repo_id: number;
  key_id: string;
  public_key: string;
  secret_key: string;
}

interface SecretRow {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

const B64 = () => sodium.base64_variants.ORIGINAL;

/** GitHub's key_id is a stable numeric id of the public key; ours is derived from the key's bytes. */
export function keyIdOf(publicKey: Uint8Array): string {
  return BigInt(`0x${createHash("sha256").update(publicKey).digest("hex").slice(0, 15)}`).toString();
}

/** A fresh libsodium (X25519) key pair for a repository's Actions secrets. */
export async function createRepoKey(ctx: SandboxContext, repoId: number): Promise<void> {
  await sodium.ready;
  const kp = sodium.crypto_box_keypair();
  ctx.db
    .prepare(`INSERT OR REPLACE INTO gh_repo_keys (repo_id, key_id, public_key, secret_key) VALUES (?, ?, ?, ?)`)
    .run(repoId, keyIdOf(kp.publicKey), sodium.to_base64(kp.publicKey, B64()), sodium.to_base64(kp.privateKey, B64()));
}

function repoKey(ctx: SandboxContext, repoId: number): RepoKey {
  const k = ctx.db.prepare(`SELECT * FROM gh_repo_keys WHERE repo_id = ?`).get(repoId) as RepoKey | undefined;
  if (!k) throw new Error(`repository ${repoId} has no Actions key pair`);
  return k;
}

/** Seal a value to the repository's public key, as a GitHub client would (used by the seed). */
export async function sealForRepo(ctx: SandboxContext, repoId: number, value: string): Promise<{ encrypted_value: string; key_id: string }> {
  await sodium.ready;
  const k = repoKey(ctx, repoId);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(k.public_key, B64()));
  return { encrypted_value: sodium.to_base64(sealed, B64()), key_id: k.key_id };
}

/** Open a sealed box with the repository's private key; null when it was not sealed to this key. */
export async function openSealed(ctx: SandboxContext, repoId: number, encryptedValue: string): Promise<string | null> {
  await sodium.ready;
  const k = repoKey(ctx, repoId);
  try {
    const opened = sodium.crypto_box_seal_open(
      sodium.from_base64(encryptedValue, B64()),
      sodium.from_base64(k.public_key, B64()),
      sodium.from_base64(k.secret_key, B64()),
    );
    return sodium.to_string(opened);
  } catch {
    return null;
  }
}

/** Store a decrypted secret value (only the sandbox itself, like GitHub's runners, ever reads it back). */
export function storeSecret(ctx: SandboxContext, repoId: number, name: string, value: string, at = ctx.now().toISOString()): "created" | "updated" {
  const existing = ctx.db.prepare(`SELECT name FROM gh_secrets WHERE repo_id = ? AND name = ?`).get(repoId, name);
  if (existing) {
    ctx.db.prepare(`UPDATE gh_secrets SET value = ?, updated_at = ? WHERE repo_id = ? AND name = ?`).run(value, at, repoId, name);
    return "updated";
  }
  ctx.db.prepare(`INSERT INTO gh_secrets (repo_id, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(repoId, name.toUpperCase(), value, at, at);
  return "created";
}

export function readSecret(ctx: SandboxContext, repoId: number, name: string): SecretRow | undefined {
  return ctx.db.prepare(`SELECT name, value, created_at, updated_at FROM gh_secrets WHERE repo_id = ? AND name = ?`).get(repoId, name) as SecretRow | undefined;
}

/** GitHub's naming rules for secrets and variables. */
export function invalidActionsName(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return "can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), and must not start with a number";
  if (/^GITHUB_/i.test(name)) return "must not start with the GITHUB_ prefix";
  return null;
}

/**
 * Check a PUT of a sealed secret as GitHub does (name rules, base64 `encrypted_value`, `key_id` of the scope's
 * current public key, a box that opens with that key, at most 48 KB) and answer 422 when it fails. Returns the
 * decrypted value, or null after sending the error. `whose` names the key in messages ("this repository's").
 */
export async function acceptSealed(
  r: ApiRequest,
  body: Record<string, unknown>,
  name: string,
  keyId: string,
  open: (encrypted: string) => Promise<string | null>,
  whose: string,
): Promise<string | null> {
  const badName = invalidActionsName(name);
  if (badName) {
    validationFailed(r.res, [{ resource: "Secret", field: "name", code: "invalid", message: `Secret names ${badName}.` }]);
    return null;
  }
  const { encrypted_value, key_id } = body;
  if (typeof encrypted_value !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted_value)) {
    validationFailed(r.res, [{ resource: "Secret", field: "encrypted_value", code: "invalid" }], "Invalid request.\n\nencrypted_value is not a valid Base64 string.");
    return null;
  }
  if (typeof key_id !== "string" || key_id === "") {
    validationFailed(r.res, [{ resource: "Secret", field: "key_id", code: "missing_field" }], "Invalid request.\n\nkey_id is required when encrypted_value is set.");
    return null;
  }
  if (key_id !== keyId) {
    validationFailed(r.res, [{ resource: "Secret", field: "key_id", code: "invalid" }], `Bad request - key_id is not valid for ${whose} public key.`);
    return null;
  }
  const value = await open(encrypted_value);
  if (value === null) {
    validationFailed(r.res, [{ resource: "Secret", field: "encrypted_value", code: "invalid" }], `Bad request - encrypted_value could not be decrypted with ${whose} key.`);
    return null;
  }
  if (Buffer.byteLength(value) > 48 * 1024) {
    validationFailed(r.res, [{ resource: "Secret", field: "encrypted_value", code: "too_large" }]);
    return null;
  }
  return value;
}

/** 201 `{}` for a new secret, 204 for an updated one. */
export function answerStored(r: ApiRequest, outcome: "created" | "updated"): void {
  if (outcome === "created") sendJson(r.res, 201, {});
  else {
    r.res.writeHead(204);
    r.res.end();
  }
}

const secretJson = (s: SecretRow) => ({ name: s.name, created_at: s.created_at, updated_at: s.updated_at });

export function registerSecretRoutes(router: Router): void {
  const forbidden = "Must have admin rights to Repository.";
  router.add("GET", "/repos/{owner}/{repo}/actions/secrets/public-key", (r) => {
    // GitHub: anyone with read access may fetch the public key (sealing needs no privilege).
    const repo = repoFor(r, "read");
    if (!repo) return;
    const k = repoKey(r.ctx, repo.id);
    sendJson(r.res, 200, { key_id: k.key_id, key: k.public_key });
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/secrets", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const rows = r.ctx.db.prepare(`SELECT * FROM gh_secrets WHERE repo_id = ? ORDER BY name`).all(repo.id) as SecretRow[];
    const page = paginate(r, rows);
    sendJson(r.res, 200, { total_count: rows.length, secrets: page.items.map(secretJson) }, page.headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const s = readSecret(r.ctx, repo.id, r.params.secret_name);
    if (!s) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, secretJson(s));
  });

  router.add("PUT", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", async (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const name = r.params.secret_name;
    const value = await acceptSealed(r, body, name, repoKey(r.ctx, repo.id).key_id, (v) => openSealed(r.ctx, repo.id, v), "this repository's");
    if (value === null) return;
    answerStored(r, storeSecret(r.ctx, repo.id, name, value));
  });

  router.add("DELETE", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", (r) => {
    const repo = repoFor(r, "admin", { forbidden });
    if (!repo) return;
    const info = r.ctx.db.prepare(`DELETE FROM gh_secrets WHERE repo_id = ? AND name = ?`).run(repo.id, r.params.secret_name);
    if (info.changes === 0) return ghError(r.res, 404, "Not Found");
    r.res.writeHead(204);
    r.res.end();
  });
}

/**
 * Admin-only route (sandbox, not GitHub): GET /_sandbox/github/repos/{owner}/{repo}/secrets/{name} returns
 * the decrypted value, so tests can check that a rotated secret holds the new key.
 */
export async function handleSecretAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  const m = /^\/_sandbox\/github\/repos\/([^/]+)\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
  if (!m || req.method !== "GET") return false;
  const repo: Repo | undefined = findRepo(ctx, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  const s = repo ? readSecret(ctx, repo.id, decodeURIComponent(m[3])) : undefined;
  if (!repo || !s) {
    sendJson(res, 404, { message: "Not Found" });
    return true;
  }
  sendJson(res, 200, { name: s.name, value: s.value, created_at: s.created_at, updated_at: s.updated_at });
  return true;
}
