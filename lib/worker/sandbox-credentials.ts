import type { DeckhandConfig } from "../config/env";

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
