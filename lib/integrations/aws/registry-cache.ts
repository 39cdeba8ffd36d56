import fs from "node:fs/promises";
import path from "node:path";
import { GetAuthorizationTokenCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { ensureRepository } from "./ecr";
import { addKnownSecrets } from "../../errors";

/** A registry cache buildah reads and writes (`--cache-from`/`--cache-to`), and the auth file that logs it in. */
export interface RegistryCache {
  /** `<registry host>/<repository>`: buildah tags each cached step there by its cache key. */
  ref: string;
  /** A containers-auth.json (mode 0600) for the builder: the operator's REGISTRY_AUTH_FILE entries plus this registry. */
  authFile: string;
}

/**
 * Opens the shared build cache in ECR (issue 15, "a shared cache for cold workers"): creates the cache repository
 * when missing (CreateRepository, as for pushes), logs in with GetAuthorizationToken (the Basic `AWS:<password>`
 * token, base64, is exactly a containers-auth.json `auth` value; it expires after 12 hours, so one per job) and
 * writes the auth file into `dir`, a directory of this job's own. Registry host: the token's proxyEndpoint.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
 */
export async function openRegistryCache({ ecr, repositoryName, dir }: { ecr: ECRClient; repositoryName: string; dir: string }): Promise<RegistryCache> {
  await ensureRepository({ ecr, repositoryName });
  const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
  if (!data?.authorizationToken || !data.proxyEndpoint) throw new Error("ECR GetAuthorizationToken answered without a token or registry endpoint");
  // Never in a job log: the token and the password inside it are redacted wherever they would appear.
  addKnownSecrets([data.authorizationToken, Buffer.from(data.authorizationToken, "base64").toString().replace(/^AWS:/, "")]);
  const host = new URL(data.proxyEndpoint).host;
  const operator = process.env.REGISTRY_AUTH_FILE;
  const existing = operator ? ((JSON.parse(await fs.readFile(operator, "utf8").catch(() => "{}")) as { auths?: Record<string, unknown> }) ?? {}) : {};
  const authFile = path.join(dir, "registry-auth.json");
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(authFile, JSON.stringify({ ...existing, auths: { ...(existing.auths ?? {}), [host]: { auth: data.authorizationToken } } }), { mode: 0o600 });
  return { ref: `${host}/${repositoryName}`, authFile };
}
