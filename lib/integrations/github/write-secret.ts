// Writing Actions secrets: the ONE path from a secret value to GitHub. The value is sealed (libsodium
// sealed box to the repository's public key) in memory and only the ciphertext leaves the process.

import sodium from "libsodium-wrappers";
import type { GitHubClient, GitHubRepoRef } from "../clients/github-client";

export interface RepoPublicKey {
  keyId: string;
  key: string;
}

const B64 = () => sodium.base64_variants.ORIGINAL;

/** GET /repos/{owner}/{repo}/actions/secrets/public-key. */
export async function getRepoPublicKey({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<RepoPublicKey> {
  const r = await github.rest.actions.getRepoPublicKey({ ...repo });
  return { keyId: r.data.key_id, key: r.data.key };
}

/** libsodium crypto_box_seal of value to the base64 public key, base64 out (what GitHub expects). */
export async function sealSecret(value: string, publicKey: string): Promise<string> {
  await sodium.ready;
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(publicKey, B64()));
  return sodium.to_base64(sealed, B64());
}

/** GitHub's updated_at of a secret, or null when it does not exist. */
export async function getSecretUpdatedAt({ github, repo, name }: { github: GitHubClient; repo: GitHubRepoRef; name: string }): Promise<string | null> {
  try {
    const r = await github.rest.actions.getRepoSecret({ ...repo, secret_name: name });
    return r.data.updated_at;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

/** GitHub stamps updated_at in whole seconds: a write "after t" shows t's second or later. */
export function updatedSince(updatedAt: string | null, since: Date): boolean {
  if (!updatedAt) return false;
  return Date.parse(updatedAt) >= Math.floor(since.getTime() / 1000) * 1000;
}

/**
 * Seal and PUT one secret, then read back its updated_at and check it moved. Returns that updated_at.
 * `publicKey` lets a caller writing several secrets fetch the key once.
 */
export async function writeRepoSecret({
  github,
  repo,
  name,
  value,
  publicKey,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  name: string;
  value: string;
  publicKey?: RepoPublicKey;
}): Promise<{ updatedAt: string }> {
  const pk = publicKey ?? (await getRepoPublicKey({ github, repo }));
  const startedAt = new Date();
  const encrypted = await sealSecret(value, pk.key);
  await github.rest.actions.createOrUpdateRepoSecret({ ...repo, secret_name: name, encrypted_value: encrypted, key_id: pk.keyId });
  const updatedAt = await getSecretUpdatedAt({ github, repo, name });
  if (!updatedSince(updatedAt, startedAt)) throw new Error(`GitHub accepted ${name} but its updated_at (${updatedAt ?? "missing"}) did not move`);
  return { updatedAt: updatedAt as string };
}

export const ACCESS_KEY_ID_SECRET = "AWS_ACCESS_KEY_ID";
export const SECRET_ACCESS_KEY_SECRET = "AWS_SECRET_ACCESS_KEY";

/**
 * Put an access key into the guide's two secrets. The id goes last: while only the secret half is new
 * a reader of AWS_ACCESS_KEY_ID (Deckhand's posture) still names the key that was there before, and a
 * resume can tell from both updated_at values whether the pair is whole.
 */
export async function writeAccessKeyToSecrets({
  github,
  repo,
  accessKeyId,
  secretAccessKey,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<{ accessKeyIdUpdatedAt: string; secretAccessKeyUpdatedAt: string }> {
  const publicKey = await getRepoPublicKey({ github, repo });
  const s = await writeRepoSecret({ github, repo, name: SECRET_ACCESS_KEY_SECRET, value: secretAccessKey, publicKey });
  const i = await writeRepoSecret({ github, repo, name: ACCESS_KEY_ID_SECRET, value: accessKeyId, publicKey });
  return { accessKeyIdUpdatedAt: i.updatedAt, secretAccessKeyUpdatedAt: s.updatedAt };
}

/**
 * Where a copy of the key lives: the repository's secrets, an environment's (GitHub REST "Create or update an
 * environment secret", sealed to the environment's public key) or the organization's ("Create or update an
 * organization secret", sealed to the organization's public key, keeping its visibility and selected repositories).
 */
export type SecretHolder = { scope: "repository" } | { scope: "environment"; environment: string } | { scope: "organization"; org: string };

export function describeHolder(h: SecretHolder): string {
  return h.scope === "repository" ? "the repository's secrets" : h.scope === "environment" ? `the ${h.environment} environment's secrets` : `the organization ${h.org}'s secrets`;
}

/** Read what writing to the holder needs (its list and public key), so a missing permission shows before any change. */
export async function checkHolderWritable({ github, repo, holder }: { github: GitHubClient; repo: GitHubRepoRef; holder: SecretHolder }): Promise<void> {
  if (holder.scope === "repository") {
    await github.rest.actions.listRepoSecrets({ ...repo, per_page: 1 });
    await getRepoPublicKey({ github, repo });
  } else if (holder.scope === "environment") {
    await github.rest.actions.listEnvironmentSecrets({ ...repo, environment_name: holder.environment, per_page: 1 });
    await github.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: holder.environment });
  } else {
    await github.rest.actions.getOrgSecret({ org: holder.org, secret_name: ACCESS_KEY_ID_SECRET });
    await github.rest.actions.getOrgPublicKey({ org: holder.org });
  }
}

/** Seal and PUT one organization secret, keeping its visibility and selected repositories; returns its updated_at. */
async function writeOrgSecret(github: GitHubClient, org: string, name: string, value: string, pk: RepoPublicKey): Promise<string> {
  const { data: current } = await github.rest.actions.getOrgSecret({ org, secret_name: name });
  const selected =
    current.visibility === "selected"
      ? (await github.paginate(github.rest.actions.listSelectedReposForOrgSecret, { org, secret_name: name, per_page: 100 })).map((r) => r.id)
      : undefined;
  const startedAt = new Date();
  await github.rest.actions.createOrUpdateOrgSecret({
    org,
    secret_name: name,
    encrypted_value: await sealSecret(value, pk.key),
    key_id: pk.keyId,
    visibility: current.visibility,
    ...(selected ? { selected_repository_ids: selected } : {}),
  });
  const { data: after } = await github.rest.actions.getOrgSecret({ org, secret_name: name });
  if (!updatedSince(after.updated_at, startedAt)) throw new Error(`GitHub accepted ${name} but its updated_at (${after.updated_at}) did not move`);
  return after.updated_at;
}

async function writeEnvironmentSecret(github: GitHubClient, repo: GitHubRepoRef, environment: string, name: string, value: string, pk: RepoPublicKey): Promise<string> {
  const startedAt = new Date();
  await github.rest.actions.createOrUpdateEnvironmentSecret({ ...repo, environment_name: environment, secret_name: name, encrypted_value: await sealSecret(value, pk.key), key_id: pk.keyId });
  const { data: after } = await github.rest.actions.getEnvironmentSecret({ ...repo, environment_name: environment, secret_name: name });
  if (!updatedSince(after.updated_at, startedAt)) throw new Error(`GitHub accepted ${name} but its updated_at (${after.updated_at}) did not move`);
  return after.updated_at;
}

/** Put an access key into the guide's two secrets at one holder (secret half first, as writeAccessKeyToSecrets). */
export async function writeAccessKeyToHolder({
  github,
  repo,
  holder,
  accessKeyId,
  secretAccessKey,
}: {
  github: GitHubClient;
  repo: GitHubRepoRef;
  holder: SecretHolder;
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<{ accessKeyIdUpdatedAt: string; secretAccessKeyUpdatedAt: string }> {
  if (holder.scope === "repository") return writeAccessKeyToSecrets({ github, repo, accessKeyId, secretAccessKey });
  if (holder.scope === "environment") {
    const { data } = await github.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: holder.environment });
    const pk = { keyId: data.key_id, key: data.key };
    const s = await writeEnvironmentSecret(github, repo, holder.environment, SECRET_ACCESS_KEY_SECRET, secretAccessKey, pk);
    const i = await writeEnvironmentSecret(github, repo, holder.environment, ACCESS_KEY_ID_SECRET, accessKeyId, pk);
    return { accessKeyIdUpdatedAt: i, secretAccessKeyUpdatedAt: s };
  }
  const { data } = await github.rest.actions.getOrgPublicKey({ org: holder.org });
  const pk = { keyId: data.key_id, key: data.key };
  const s = await writeOrgSecret(github, holder.org, SECRET_ACCESS_KEY_SECRET, secretAccessKey, pk);
  const i = await writeOrgSecret(github, holder.org, ACCESS_KEY_ID_SECRET, accessKeyId, pk);
  return { accessKeyIdUpdatedAt: i, secretAccessKeyUpdatedAt: s };
}
