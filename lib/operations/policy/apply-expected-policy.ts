// "Apply the expected policy": replace the push user's inline policy with the expected document
// (DECKHAND_EXPECTED_POLICY, else the guide's ecr-push-policy). The operator reviewed a diff first; the
// digest of what they reviewed is checked so a policy changed in the meantime is not silently overwritten.

import { SafeError } from "../../errors";
import type { OperationContext } from "../context";
import { getUserPolicy, putUserPolicy } from "../../integrations/aws/iam";
import { diffPolicyDocuments, reviewDigest } from "../../judgements/posture/policy-diff";
import { callApi, CallFailure } from "../../failures";
import { readContextFrom } from "../../read/context";
import { invalidatePosture, readExpectedPolicy } from "../../read/posture";
import { pushUserScope } from "../push-user";

export interface ApplyResult {
  policyName: string;
  userName: string;
  addedActions: string[];
  removedActions: string[];
}

/**
 * Replace the inline policy (DECKHAND_IAM_POLICY) of the push user of the repository the context acts from
 * (`input.userName`, when given, must be it: lib/operations/push-user.ts) with the expected document, if it is still
 * what the operator reviewed (`reviewed`, from reviewDigest, over that user's policy). Errors: SafeError
 * "invalid-input" (another repository's user), "expected-policy" (cannot read it), "stale-review" (changed since the
 * diff), "aws" (IAM GetUserPolicy/PutUserPolicy failed).
 */
export async function applyExpectedPolicy(ctx: OperationContext, input: { reviewed: string; userName?: string }): Promise<ApplyResult> {
  const { config, clients } = ctx;
  const { userName } = pushUserScope(ctx, input.userName);
  const expected = await readExpectedPolicy(readContextFrom(config, clients, ctx.cache, ctx.db));
  if (!expected.ok) throw new SafeError(expected.failure.message, "expected-policy");
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
    invalidatePosture(ctx.cache, "policies", "user");
  }
}
