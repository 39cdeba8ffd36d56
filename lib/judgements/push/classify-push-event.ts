/**
 * What to do with one GitHub webhook delivery, decided from the event name and the parsed payload alone.
 * The route records the outcome; only "enqueue" creates work.
 */
export type IgnoreReason =
  | "other-event"
  | "invalid-payload"
  | "other-repository"
  | "tag-push"
  | "branch-deleted"
  | "other-branch"
  | "no-branch-configured";

export type PushEventDecision =
  | { action: "pong" }
  | { action: "enqueue"; sha: string; branch: string; ref: string; repository: string }
  | { action: "ignore"; reason: IgnoreReason; detail: string };

const ZERO_SHA = /^0{40}$/;
const FULL_SHA = /^[0-9a-f]{40}$/;
const BRANCH_PREFIX = "refs/heads/";
const TAG_PREFIX = "refs/tags/";

export function classifyPushEvent({
  event,
  payload,
  repository,
  branch,
}: {
  /** The X-GitHub-Event header. */
  event: string | undefined | null;
  payload: unknown;
  /** The configured "owner/name", or every configured one (GITHUB_REPOSITORIES). */
  repository: string | readonly string[];
  /** The configured branch; when unset, the repository's default branch named in the payload. */
  branch?: string | null;
}): PushEventDecision {
  if (event === "ping") return { action: "pong" };
  if (event !== "push") {
    return { action: "ignore", reason: "other-event", detail: `event "${event ?? "(none)"}" does not trigger a push` };
  }
  if (!isRecord(payload)) return invalid("payload is not a JSON object");
  const repo = isRecord(payload.repository) ? payload.repository : undefined;
  const fullName = typeof repo?.full_name === "string" ? repo.full_name : undefined;
  if (!fullName) return invalid("payload has no repository.full_name");
  // GitHub owner and repository names are case-insensitive; the job names the repository as configured.
  const configured = typeof repository === "string" ? [repository] : repository;
  const matched = configured.find((r) => r.toLowerCase() === fullName.toLowerCase());
  if (!matched) {
    return { action: "ignore", reason: "other-repository", detail: `push to ${fullName}, configured ${configured.join(", ")}` };
  }
  const ref = payload.ref;
  if (typeof ref !== "string" || ref === "") return invalid("payload has no ref");
  if (ref.startsWith(TAG_PREFIX)) {
    return { action: "ignore", reason: "tag-push", detail: `tag ${ref.slice(TAG_PREFIX.length)} pushed` };
  }
  if (!ref.startsWith(BRANCH_PREFIX)) return invalid(`ref ${ref} is neither a branch nor a tag`);
  const pushedBranch = ref.slice(BRANCH_PREFIX.length);
  const after = payload.after;
  if (payload.deleted === true || (typeof after === "string" && ZERO_SHA.test(after))) {
    return { action: "ignore", reason: "branch-deleted", detail: `branch ${pushedBranch} deleted` };
  }
  const wanted = branch || (typeof repo?.default_branch === "string" ? repo.default_branch : undefined);
  if (!wanted) {
    return { action: "ignore", reason: "no-branch-configured", detail: "no branch configured and payload names no default branch" };
  }
  if (pushedBranch !== wanted) {
    return { action: "ignore", reason: "other-branch", detail: `push to ${pushedBranch}, configured ${wanted}` };
  }
  if (typeof after !== "string" || !FULL_SHA.test(after)) return invalid("payload has no valid after commit SHA");
  return { action: "enqueue", sha: after, branch: pushedBranch, ref, repository: matched };
}

function invalid(detail: string): PushEventDecision {
  return { action: "ignore", reason: "invalid-payload", detail };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
