// The Overview's one answer: can the repository push to ECR right now? One verdict over the Doctor's checks of
// one snapshot, so no card can say "ok" while the verdict, read at the same moment, says otherwise.

import type { CheckResult } from "./doctor-checks";
import { serviceName, type Failure } from "../../failures";

export type PushAnswer = "yes" | "no" | "unknown" | "not-set-up";

/** What the verdict needs of a check: the key's Troubleshooting checks and the Doctor's OIDC checks both fit. */
export type ReadinessCheck = Pick<CheckResult, "title" | "summary" | "status" | "failedCalls"> & { id: string };

export interface PushReadiness {
  answer: PushAnswer;
  /** The one reason, in words: the first failing check, what could not be read, or why it is fine. */
  reason: string;
  /** Where the reason is explained or fixed: "/doctor#<check>", "/setup". */
  href: string;
  /** The checks that decided it (failing or unknown ones; all of them for "yes"). */
  decidedBy: string[];
}

/**
 * The checks in the order the guide's troubleshooting runs them: the first failing one is the reason. A missing push
 * user is a fresh account (`not-set-up`, guidance towards Setup), not a red error.
 * Input: the Doctor's results over one snapshot, and whether IAM GetUser said the push user does not exist
 * (`userMissing`: true when GetUser answered NoSuchEntity; false when it exists; null when it could not be read).
 * `checksLabel` names the checks in the "yes" reason (default "checks of the guide's troubleshooting"; the OIDC mode's).
 */
/** What every page says of a configured repository GitHub answers 404 for. */
export function repositoryNotFoundReason(repository: string): string {
  return `GitHub answers 404 for ${repository}: it does not exist, or Deckhand's token cannot see it. Check the name in GITHUB_REPOSITORIES and the token's repository access.`;
}

export function judgePushReadiness(input: {
  checks: readonly ReadinessCheck[];
  userMissing: boolean | null;
  userName: string;
  checksLabel?: string;
  /**
   * IAM GetUser's failure when the workflow signs in with the push user's key: whether that user exists is then not
   * known, so the answer cannot be "yes" (a workflow that assumes a role does not need the user: leave it out).
   */
  userUnreadable?: Failure | null;
  /**
   * owner/name when GitHub answered 404 for the repository itself (its workflow runs): it does not exist, or the token
   * cannot see it (GitHub answers 404, not 403, for a private repository the token cannot read). Its checks judged
   * empty answers: the answer is unknown whatever they say.
   */
  repositoryNotFound?: string | null;
}): PushReadiness {
  if (input.repositoryNotFound) {
    return { answer: "unknown", reason: repositoryNotFoundReason(input.repositoryNotFound), href: "/fleet", decidedBy: [] };
  }
  if (input.userMissing) {
    return {
      answer: "not-set-up",
      reason: `The push user ${input.userName} does not exist in this account yet: the guided Setup creates it, its policy, its key and the GitHub secrets.`,
      href: "/setup",
      decidedBy: [],
    };
  }
  const failed = input.checks.filter((c) => c.status === "fail");
  if (failed.length > 0) {
    const first = failed[0];
    return { answer: "no", reason: `${first.title}: ${first.summary}`, href: `/doctor#${first.id}`, decidedBy: failed.map((c) => c.id) };
  }
  const unknown = input.checks.filter((c) => c.status === "unknown");
  const user = input.userUnreadable ?? null;
  if (unknown.length > 0 || user) {
    const calls = [...new Set([...unknown.flatMap((c) => c.failedCalls), ...(user ? [user] : [])].map(describeCall))];
    const what = [...unknown.map((c) => c.title), ...(user ? [`whether the push user ${input.userName} exists`] : [])];
    return {
      answer: "unknown",
      reason: calls.length
        ? `Could not be checked: ${what.join("; ")} (${calls.join(", ")} failed)`
        : `Could not be checked yet: ${unknown.map((c) => `${c.title} (${c.summary})`).join("; ")}`,
      href: unknown.length ? `/doctor#${unknown[0].id}` : "/credentials",
      decidedBy: unknown.map((c) => c.id),
    };
  }
  if (input.checks.length === 0) return { answer: "unknown", reason: "No check has run yet.", href: "/doctor", decidedBy: [] };
  return {
    answer: "yes",
    reason: `All ${input.checks.length} ${input.checksLabel ?? "checks of the guide's troubleshooting"} pass.`,
    href: "/doctor",
    decidedBy: input.checks.map((c) => c.id),
  };
}

function describeCall(f: Failure): string {
  return `${serviceName(f.service)} ${f.call}`;
}
