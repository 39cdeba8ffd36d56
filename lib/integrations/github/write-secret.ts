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
async function sealSecret(value: string, publicKey: string): Promise<string> {
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
