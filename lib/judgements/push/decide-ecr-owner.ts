// Issue 16: which served repository may push into an ECR repository. Two served repositories with a service of the
// same name would push to the same ECR repository and overwrite each other's `latest`; a discovered repository
// (anyone in the organization can create one the organization secret reaches) could replace a named one's images.
// Deckhand records one owner per ECR repository and decides here, before any blob is uploaded.

/** What the app knows when a push job asks to push one service into an ECR repository. */
export interface EcrOwnerQuestion {
  /** The ECR repository the service's `image:` (or its name) says. */
  ecrRepository: string;
  /** The served GitHub repository (owner/name) the job builds. */
  source: string;
  /**
   * The source is named in GITHUB_REPOSITORIES (or is the only/default repository): an operator chose to trust it.
   * False for a repository served only because an owner wildcard (owner/*) discovered it.
   */
  sourceNamed: boolean;
  /** The recorded owner (owner/name), or null when Deckhand has none. */
  owner: string | null;
  /** The ECR repository exists now (DescribeRepositories found it). */
  exists: boolean;
  /**
   * The served repository (owner/name) whose Deckhand push last went into it, from the push history; null when
   * Deckhand never pushed there. Owners are recorded only since migration 15: before that, the history is the owner.
   */
  lastPusher?: string | null;
  /** DECKHAND_BUILD_CACHE_REPOSITORY when set: Deckhand's build cache, never a service's image. */
  buildCacheRepository?: string;
}

export type EcrOwnerDecision =
  /** The source owns it now: a new repository this push creates, or one nobody claimed and a named source pushes to. */
  | { action: "claim"; why: "new-repository" | "unclaimed-named" }
  /** Already the source's. */
  | { action: "push" }
  /** The service fails (the job's other services still push), with a message for the job and the commit status. */
  | { action: "refuse"; reason: "owned-by-another" | "pushed-by-another" | "unclaimed-discovered" | "build-cache"; message: string };

/** A refusal's first clause (up to ": nothing pushed"), short enough for a commit status: "ECR repository web is owned by acme/api". */
export function shortRefusal(message: string): string {
  const i = message.indexOf(": nothing pushed");
  return i > 0 ? message.slice(0, i) : message;
}

/** GitHub names are case-insensitive: `Acme/Web` and `acme/web` are one repository. */
export function sameRepository(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The ownership rules of issue 16, in order:
 * 1. Deckhand's build cache repository is not a service image: a service naming it is refused (it never claims it).
 * 2. Owned by the source → push. Owned by another → refused, naming the ECR repository, its owner and both ways out.
 * 3. Not owned and not existing → this push creates it: the source claims it (named or discovered alike).
 * 4. Not owned but existing: when Deckhand's push history names another served repository as its last pusher (pushes
 *    before owners were recorded, or an operator's release), refused; otherwise (made before Deckhand, e.g. by the
 *    guide's workflow) a named source claims it and a discovered one is refused, saying an operator can assign it or
 *    name the repository in GITHUB_REPOSITORIES.
 * Pure; the caller makes the claim atomic (two jobs racing for a new repository: one insert wins, the other asks
 * again with the winner as owner).
 */
export function decideEcrOwner(q: EcrOwnerQuestion): EcrOwnerDecision {
  const ecr = q.ecrRepository;
  if (q.buildCacheRepository && ecr === q.buildCacheRepository) {
    return {
      action: "refuse",
      reason: "build-cache",
      message: `ECR repository ${ecr} is Deckhand's build cache: nothing pushed. It is DECKHAND_BUILD_CACHE_REPOSITORY, not a service image; give the service a distinct image: name`,
    };
  }
  if (q.owner !== null) {
    if (sameRepository(q.owner, q.source)) return { action: "push" };
    return {
      action: "refuse",
      reason: "owned-by-another",
      message: `ECR repository ${ecr} is owned by ${q.owner}: nothing pushed from ${q.source}. Give this service a distinct image: name in ${q.source}'s compose file, or an operator reassigns ${ecr} to ${q.source} on the Registry page`,
    };
  }
  if (!q.exists) return { action: "claim", why: "new-repository" };
  // Pushed by Deckhand before owners were recorded (an upgrade), or released by an operator: the repository that
  // pushed it last gets it back, no other (a hostile compose file elsewhere must not take it by pushing first).
  if (q.lastPusher && !sameRepository(q.lastPusher, q.source)) {
    return {
      action: "refuse",
      reason: "pushed-by-another",
      message: `ECR repository ${ecr} was last pushed by Deckhand from ${q.lastPusher} and is claimed by nobody: nothing pushed from ${q.source}. An operator can assign ${ecr} to ${q.source} on the Registry page, or give this service a distinct image: name`,
    };
  }
  if (q.sourceNamed) return { action: "claim", why: "unclaimed-named" };
  return {
    action: "refuse",
    reason: "unclaimed-discovered",
    message: `ECR repository ${ecr} exists, claimed by nobody, and a discovered repository does not claim it: nothing pushed from ${q.source} (served through owner/*). An operator can assign ${ecr} to ${q.source} on the Registry page, or name ${q.source} in GITHUB_REPOSITORIES`,
  };
}
