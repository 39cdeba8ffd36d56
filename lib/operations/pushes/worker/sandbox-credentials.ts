import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { DeckhandConfig } from "../../../infra/config/env";

/**
 * The sandbox's deckhand-worker key, which its seed created with exactly the guide's push policy.
 * Read from the sandbox's admin route, as only sandbox mode can.
 */
export async function sandboxWorkerCredentials(config: DeckhandConfig): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const res = await fetch(`${config.sandbox.url}/_sandbox/aws/seed`, { headers: { authorization: `Bearer ${config.sandbox.adminToken}` } });
  if (!res.ok) throw new Error(`the sandbox did not hand out the deckhand-worker key (HTTP ${res.status})`);
  const seed = (await res.json()) as { workerKey?: { accessKeyId: string; secretAccessKey: string } };
  if (!seed.workerKey) throw new Error("the sandbox scenario has no deckhand-worker key");
  return seed.workerKey;
}

/**
 * As a credential provider for the SDK: a sandbox reset re-seeds the worker's key, so the key is read again
 * for every request (a loopback call), the way instance or SSO credentials refresh on a real host.
 */
export function sandboxWorkerCredentialProvider(config: DeckhandConfig): AwsCredentialIdentityProvider {
  return async (): Promise<AwsCredentialIdentity> => ({
    ...(await sandboxWorkerCredentials(config)),
    // Inside the SDK's five-minute refresh window: the provider is asked again on the next request.
    expiration: new Date(Date.now() + 60_000),
  });
}
