import sodium from "libsodium-wrappers";
import type { SandboxContext } from "../context";
import type { Repo } from "./repos";
import { keyIdOf, readSecret } from "./secrets";
import { readVariable } from "./variables";

/**
 * Secrets and variables above and beside a repository: an organization's ("org:acme", with a visibility — all,
 * private, selected — and, for selected, its repositories) and an environment's ("env:<id>"). Each scope has its own
 * libsodium key pair, as GitHub gives organizations and environments their own public keys ("Get an organization
 * public key", "Get an environment public key"). Values are kept decrypted; the REST API never returns them.
 */

export type Visibility = "all" | "private" | "selected";
export type ScopeKind = "secret" | "variable";

export interface ScopeKey {
  key_id: string;
  public_key: string;
  secret_key: string;
}

export interface ScopedRow {
  name: string;
  value: string;
  visibility: Visibility | null;
  created_at: string;
  updated_at: string;
}

const B64 = () => sodium.base64_variants.ORIGINAL;
export const orgScope = (org: string) => `org:${org.toLowerCase()}`;
export const envScope = (envId: number) => `env:${envId}`;

/** A fresh key pair for the scope, unless it has one. */
export async function ensureScopeKey(ctx: SandboxContext, scope: string): Promise<ScopeKey> {
  const existing = ctx.db.prepare(`SELECT key_id, public_key, secret_key FROM gh_scope_keys WHERE scope = ?`).get(scope) as ScopeKey | undefined;
  if (existing) return existing;
  await sodium.ready;
  const kp = sodium.crypto_box_keypair();
  const key = { key_id: keyIdOf(kp.publicKey), public_key: sodium.to_base64(kp.publicKey, B64()), secret_key: sodium.to_base64(kp.privateKey, B64()) };
  ctx.db.prepare(`INSERT INTO gh_scope_keys (scope, key_id, public_key, secret_key) VALUES (?, ?, ?, ?)`).run(scope, key.key_id, key.public_key, key.secret_key);
  return key;
}

/** Open a sealed box with the scope's private key; null when it was not sealed to it. */
export async function openForScope(key: ScopeKey, encryptedValue: string): Promise<string | null> {
  await sodium.ready;
  try {
    const opened = sodium.crypto_box_seal_open(sodium.from_base64(encryptedValue, B64()), sodium.from_base64(key.public_key, B64()), sodium.from_base64(key.secret_key, B64()));
    return sodium.to_string(opened);
  } catch {
    return null;
  }
}

const table = (kind: ScopeKind) => (kind === "secret" ? "gh_scoped_secrets" : "gh_scoped_variables");

export function listScoped(ctx: SandboxContext, kind: ScopeKind, scope: string): ScopedRow[] {
  return ctx.db.prepare(`SELECT name, value, visibility, created_at, updated_at FROM ${table(kind)} WHERE scope = ? ORDER BY name`).all(scope) as ScopedRow[];
}

export function readScoped(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string): ScopedRow | undefined {
  return ctx.db.prepare(`SELECT name, value, visibility, created_at, updated_at FROM ${table(kind)} WHERE scope = ? AND name = ?`).get(scope, name) as ScopedRow | undefined;
}

/** Create or update; `visibility` only for organization scopes (null keeps the stored one on update). */
export function storeScoped(
  ctx: SandboxContext,
  kind: ScopeKind,
  scope: string,
  name: string,
  value: string,
  visibility: Visibility | null = null,
  at = ctx.now().toISOString().replace(/\.\d{3}Z$/, "Z"),
): "created" | "updated" {
  const existing = readScoped(ctx, kind, scope, name);
  if (existing) {
    ctx.db.prepare(`UPDATE ${table(kind)} SET value = ?, visibility = COALESCE(?, visibility), updated_at = ? WHERE scope = ? AND name = ?`).run(value, visibility, at, scope, name);
    return "updated";
  }
  ctx.db.prepare(`INSERT INTO ${table(kind)} (scope, name, value, visibility, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`).run(scope, name.toUpperCase(), value, visibility, at, at);
  return "created";
}

export function renameScoped(ctx: SandboxContext, kind: ScopeKind, scope: string, from: string, to: string): void {
  ctx.db.prepare(`UPDATE ${table(kind)} SET name = ? WHERE scope = ? AND name = ?`).run(to.toUpperCase(), scope, from);
  ctx.db.prepare(`UPDATE gh_selected_repos SET name = ? WHERE scope = ? AND kind = ? AND name = ?`).run(to.toUpperCase(), scope, kind, from);
}

export function deleteScoped(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string): boolean {
  const info = ctx.db.prepare(`DELETE FROM ${table(kind)} WHERE scope = ? AND name = ?`).run(scope, name);
  ctx.db.prepare(`DELETE FROM gh_selected_repos WHERE scope = ? AND kind = ? AND name = ?`).run(scope, kind, name);
  return info.changes > 0;
}

export function selectedRepoIds(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string): number[] {
  return (ctx.db.prepare(`SELECT repo_id FROM gh_selected_repos WHERE scope = ? AND kind = ? AND name = ? ORDER BY repo_id`).all(scope, kind, name) as Array<{ repo_id: number }>).map((r) => r.repo_id);
}

export function setSelectedRepos(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string, repoIds: number[]): void {
  ctx.db.prepare(`DELETE FROM gh_selected_repos WHERE scope = ? AND kind = ? AND name = ?`).run(scope, kind, name);
  for (const id of new Set(repoIds)) addSelectedRepo(ctx, kind, scope, name, id);
}

export function addSelectedRepo(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string, repoId: number): void {
  ctx.db.prepare(`INSERT OR IGNORE INTO gh_selected_repos (scope, kind, name, repo_id) VALUES (?, ?, ?, ?)`).run(scope, kind, name.toUpperCase(), repoId);
}

export function removeSelectedRepo(ctx: SandboxContext, kind: ScopeKind, scope: string, name: string, repoId: number): void {
  ctx.db.prepare(`DELETE FROM gh_selected_repos WHERE scope = ? AND kind = ? AND name = ? AND repo_id = ?`).run(scope, kind, name, repoId);
}

/**
 * Whether an organization secret or variable reaches a repository of that organization: `all` → every repository,
 * `private` → private (and internal) ones, `selected` → the selected ones (GitHub docs "Using secrets in GitHub
 * Actions", "Reviewing access to organization-level secrets").
 */
export function reachesRepo(ctx: SandboxContext, kind: ScopeKind, repo: Repo, row: ScopedRow): boolean {
  if (row.visibility === "all") return true;
  if (row.visibility === "private") return Boolean(repo.private);
  return selectedRepoIds(ctx, kind, orgScope(repo.owner), row.name).includes(repo.id);
}

/** Organization secrets or variables a repository can use (owner must be the organization). */
export function orgRowsForRepo(ctx: SandboxContext, kind: ScopeKind, repo: Repo): ScopedRow[] {
  return listScoped(ctx, kind, orgScope(repo.owner)).filter((row) => reachesRepo(ctx, kind, repo, row));
}

export interface EnvironmentRow {
  id: number;
  repo_id: number;
  name: string;
  wait_timer: number;
  reviewers: string;
  created_at: string;
  updated_at: string;
}

export function findEnvironment(ctx: SandboxContext, repoId: number, name: string): EnvironmentRow | undefined {
  return ctx.db.prepare(`SELECT * FROM gh_environments WHERE repo_id = ? AND name = ?`).get(repoId, name) as EnvironmentRow | undefined;
}

/**
 * The value a job sees for `${{ secrets.NAME }}` / `${{ vars.NAME }}`: environment over repository over organization
 * (GitHub docs "Using secrets in GitHub Actions": "If a secret with the same name exists at multiple levels, the
 * secret at the lowest level takes precedence"). `environment` is the job's; an environment the repository lacks
 * has nothing of its own.
 */
export function resolveForJob(ctx: SandboxContext, repo: Repo, environment: string | undefined, kind: ScopeKind, name: string): string | undefined {
  const env = environment ? findEnvironment(ctx, repo.id, environment) : undefined;
  const fromEnv = env ? readScoped(ctx, kind, envScope(env.id), name)?.value : undefined;
  if (fromEnv !== undefined) return fromEnv;
  const fromRepo = kind === "secret" ? readSecret(ctx, repo.id, name)?.value : readVariable(ctx, repo.id, name)?.value;
  if (fromRepo !== undefined) return fromRepo;
  const org = readScoped(ctx, kind, orgScope(repo.owner), name);
  return org && reachesRepo(ctx, kind, repo, org) ? org.value : undefined;
}
