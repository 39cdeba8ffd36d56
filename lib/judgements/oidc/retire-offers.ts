// Which retire step the OIDC page offers, from the proof and what IAM and GitHub hold now (issue 17): deactivate only
// once the proof says "ready-to-retire", delete the two secrets only once no key is active, delete a key only when it
// is inactive and the secrets are gone (a secret must never hold a deleted key), reactivate while an inactive key
// exists. The same rules the verbs in lib/operations/oidc/retire-key.ts enforce; the page only shows what they allow.

import type { ProofVerdict } from "./prove-role";

export interface RetireOffers {
  /** The active keys "Deactivate the key" would deactivate; empty when it is not offered. */
  deactivate: string[];
  deleteSecrets: boolean;
  /** Inactive keys: each may be reactivated (the undo). */
  reactivate: string[];
  /** Inactive keys that may be deleted now (none while either secret exists). */
  deleteKey: string[];
  /** No key left and no key secrets: the repository pushes with the role alone. */
  retired: boolean;
  /** What the page says under the proof: the proof's own message, or that the key is retired. */
  message: string;
}

/**
 * The sentence naming the other repositories of the push user that still need its key (readOtherKeyUsers' users and
 * unknown ones, "owner/name (why)"), or null when none. Pure.
 */
export function describeOtherKeyUsers(stillNeeded: readonly string[]): string | null {
  if (stillNeeded.length === 0) return null;
  return `The key is shared: ${stillNeeded.join("; ")}. Move each of them to its own role first (choose it in the repository selector, then this page); the key is deactivated only once no served repository needs it.`;
}

/**
 * `keys`: the push user's keys (IAM ListAccessKeys, Status Active/Inactive); `secretsPresent`: either key secret
 * exists; `stillNeeded`: other served repositories of the push user that still need the key, or could not be told
 * (readOtherKeyUsers, users then unknown): while any is named the key is not offered for deactivation;
 * `heldElsewhere`: other served repositories whose secrets still hold the key (readOtherKeyUsers' holders and unknown):
 * while any is named the key is not offered for deletion.
 */
export function retireOffers(input: { verdict: ProofVerdict; proofMessage: string; keys: Array<{ accessKeyId: string; status: string }>; secretsPresent: boolean; stillNeeded: readonly string[]; heldElsewhere?: readonly string[] }): RetireOffers {
  const active = input.keys.filter((k) => k.status === "Active").map((k) => k.accessKeyId);
  const inactive = input.keys.filter((k) => k.status !== "Active").map((k) => k.accessKeyId);
  const retired = input.keys.length === 0 && !input.secretsPresent;
  const shared = active.length ? describeOtherKeyUsers(input.stillNeeded) : null;
  return {
    deactivate: input.verdict === "ready-to-retire" && !shared ? active : [],
    deleteSecrets: active.length === 0 && input.secretsPresent,
    reactivate: inactive,
    deleteKey: input.secretsPresent || (input.heldElsewhere?.length ?? 0) > 0 ? [] : inactive,
    retired,
    message:
      retired && input.verdict === "ready-to-retire"
        ? "The role works and the key is retired."
        : shared
          ? `${input.proofMessage} ${shared}`
          : inactive.length && !input.secretsPresent && input.heldElsewhere?.length
            ? `${input.proofMessage} The key is not deleted while other repositories' secrets hold it: ${input.heldElsewhere.join("; ")}.`
            : input.proofMessage,
  };
}
