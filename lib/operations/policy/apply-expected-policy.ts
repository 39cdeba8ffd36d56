// "Apply the expected policy": replace the push user's inline policy with the expected document
// (DECKHAND_EXPECTED_POLICY, else the guide's ecr-push-policy). The operator reviewed a diff first; the
// digest of what they reviewed is checked so a policy changed in the meantime is not silently overwritten.

import { createHash } from "node:crypto";
import { appCache, type TtlCache } from "../../infra/cache/ttl-cache";
import { SafeError } from "../../errors";
import type { ServiceContext } from "../context";
import { getUserPolicy, putUserPolicy } from "../../integrations/aws/iam";
import { diffPolicyDocuments } from "../../judgements/posture/policy-diff";
import { callApi, CallFailure } from "../../failures";
import { invalidatePosture, loadExpectedPolicy, postureDepsFrom } from "../../read/load-posture";

/** What the operator reviewed: the current document (or none) and the expected one. */
export function reviewDigest(current: string | null, expected: Record<string, unknown>): string {
  return createHash("sha256").update(`${current ?? "(none)"}\n${JSON.stringify(expected)}`).digest("hex").slice(0, 32);
}

export interface ApplyResult {
  policyName: string;
  userName: string;
  addedActions: string[];
  removedActions: string[];
}

export async function applyExpectedPolicy(ctx: ServiceContext, input: { reviewed: string }, cache: TtlCache = appCache()): Promise<ApplyResult> {
  const { config, clients } = ctx;
  const deps = postureDepsFrom(config, clients, cache);
  const expected = await loadExpectedPolicy(deps);
  if (!expected.ok) throw new SafeError(expected.error.message, "expected-policy");
  const userName = config.iamUser;
  const policyName = config.iamPolicyName;
  try {
    const current = await callApi("iam", "GetUserPolicy", () => getUserPolicy({ iam: clients.aws.iam, userName, policyName }));
    if (reviewDigest(current, expected.data.document) !== input.reviewed) {
      throw new SafeError("The policy changed since the diff was shown. Review the new diff and confirm again.", "stale-review");
    }
    const diff = diffPolicyDocuments(current, expected.data.document);
    await callApi("iam", "PutUserPolicy", () =>
      putUserPolicy({ iam: clients.aws.iam, userName, policyName, document: JSON.stringify(expected.data.document, null, 2) }),
    );
    return {
      policyName,
      userName,
      addedActions: diff.ok ? diff.diff.addedActions : [],
      removedActions: diff.ok ? diff.diff.removedActions : [],
    };
  } catch (err) {
    if (err instanceof CallFailure) throw new SafeError(err.message, "aws", { cause: err });
    throw err;
  } finally {
    // Whatever happened, the next read must see IAM as it is now.
    invalidatePosture(cache, "iam:");
  }
}
