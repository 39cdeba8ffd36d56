import type { Comparison } from "../../integrations/github/compare";

/**
 * Whether a push event moves its branch forward, so that building it can only move `latest` forward too (issue 12,
 * "Replay and rollback"). A signed body says nothing about *when* it was sent: a captured one replayed later, with
 * a new delivery id, verifies. So it is accepted only when its commit is the branch head GitHub reports now, or a
 * descendant of the commit Deckhand last accepted for the branch (GitHub's compare API: status "ahead").
 *
 * Pure; called twice at most: first without `comparison`, and again with it when the answer is "compare".
 */
export type ForwardDecision =
  | { action: "accept"; why: string }
  | { action: "ignore"; reason: "not-forward" | "already-accepted" | "branch-gone"; detail: string }
  | { action: "compare"; base: string };

export function decideForwardMove({
  sha,
  branch,
  branchHead,
  lastAccepted,
  comparison,
}: {
  sha: string;
  branch: string;
  /** The branch's head on GitHub now; null when the branch no longer exists. */
  branchHead: string | null;
  /** The commit Deckhand last accepted for this branch (webhook or operator), if any. */
  lastAccepted: string | null;
  /** compare(lastAccepted...sha), once asked for. Null: GitHub knows no such comparison (404). */
  comparison?: Comparison | null;
}): ForwardDecision {
  const short = (s: string) => s.slice(0, 7);
  if (branchHead === sha) return { action: "accept", why: `${short(sha)} is the head of ${branch} on GitHub` };
  if (branchHead === null) return { action: "ignore", reason: "branch-gone", detail: `branch ${branch} no longer exists on GitHub` };
  const notHead = `${short(sha)} is not the head of ${branch} (${short(branchHead)})`;
  if (!lastAccepted) return { action: "ignore", reason: "not-forward", detail: `${notHead} and Deckhand has accepted no commit of ${branch} to compare it with` };
  if (lastAccepted === sha) return { action: "ignore", reason: "already-accepted", detail: `${notHead} and was already accepted: a replayed or repeated delivery` };
  if (comparison === undefined) return { action: "compare", base: lastAccepted };
  if (comparison === null) return { action: "ignore", reason: "not-forward", detail: `${notHead} and GitHub cannot compare it with ${short(lastAccepted)}` };
  switch (comparison.status) {
    case "ahead":
      return { action: "accept", why: `${short(sha)} is ${comparison.aheadBy} commit(s) ahead of ${short(lastAccepted)}, the last commit Deckhand accepted for ${branch}` };
    case "identical":
      return { action: "ignore", reason: "already-accepted", detail: `${notHead} and is the commit Deckhand already accepted` };
    case "behind":
      return { action: "ignore", reason: "not-forward", detail: `${notHead} and is ${comparison.behindBy} commit(s) behind ${short(lastAccepted)}, which Deckhand already accepted: an old or replayed delivery` };
    case "diverged":
      return { action: "ignore", reason: "not-forward", detail: `${notHead} and has diverged from ${short(lastAccepted)}, which Deckhand already accepted` };
  }
}
