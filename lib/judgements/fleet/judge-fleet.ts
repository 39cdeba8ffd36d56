// The Fleet page's answer: can every configured repository push right now? One row per repository over what the
// single-repository pages already judge (the push verdict over the Doctor's checks, the key verdicts, where the
// secrets come from); this module only picks, per repository, which key it holds and whose it is, and sums up.

import type { PushAnswer, PushReadiness, ReadinessCheck } from "../posture/push-readiness";
import { repositoryNotFoundReason } from "../posture/push-readiness";
import type { KeyVerdict, Severity } from "../posture/key-verdicts";
import { describeCopy, type ScopeCopy } from "../posture/secret-scopes";
import type { RunSigner } from "./run-signer";
import type { Failure } from "../../failures";
import { formatUtc } from "../../format";

export interface FleetRowInput {
  repository: string;
  /** The push user (GITHUB_REPOSITORIES' `:user`, else one adopted on the Fleet page, else DECKHAND_IAM_USER). */
  pushUser: string;
  /**
   * Whether GITHUB_REPOSITORIES names `pushUser` (`owner/name:user`, `owner/*:user`): then only the configuration can
   * change it; otherwise an operator may adopt the user CloudTrail names (`adoptable`). Absent: named.
   */
  pushUserNamed?: boolean;
  /** How the ECR workflow signs in to AWS: the push user's access key, or an OIDC role (no key; `checks` are the OIDC mode's). */
  signIn: SignIn;
  /**
   * GitHub answered 404 for the repository itself (its workflow runs): it does not exist, or the token cannot see it
   * (GitHub answers 404, not 403, for a private repository the token has no access to: docs.github.com, "Troubleshooting
   * the REST API", "404 Not Found for an existing resource"). Absent: found.
   */
  repositoryNotFound?: boolean;
  readiness: PushReadiness;
  checks: readonly ReadinessCheck[];
  /** The push user's keys as judged against the thresholds; null when they could not be read. */
  keys: readonly KeyVerdict[] | null;
  /** Why the keys could not be read (lib/failures.ts's whitelisted message, naming the call), when `keys` is null. */
  keysFailure?: string | null;
  /** The key AWS_ACCESS_KEY_ID most likely holds (the key correlation), null when unknown. */
  heldKeyId: string | null;
  /** How strongly the correlation singles that key out; only "high" (Deckhand wrote it, or runs signed with it) outweighs the run's signer. */
  heldLevel?: "high" | "medium" | "low";
  /** Every configured push user's key ids (IAM ListAccessKeys, one call per user), to say whose key a repository holds. */
  keysByUser: Readonly<Record<string, readonly string[]>>;
  /** Where the run's AWS_ACCESS_KEY_ID comes from: a copy, null when it exists nowhere, undefined when unreadable. */
  keySource: ScopeCopy | null | undefined;
  /**
   * Who signed the last run's AWS calls (CloudTrail; lib/judgements/fleet/run-signer.ts), read only when none of the
   * configured users' keys explains the repository; undefined when not read.
   */
  runSigner?: RunSigner;
  /** The run's signer could not be read (CloudTrail LookupEvents failed, remembered a few minutes); undefined otherwise. */
  runSignerFailure?: Failure;
}

export type SignIn = "key" | "role";

export interface FleetKey {
  accessKeyId: string;
  ageDays: number | null;
  verdict: KeyVerdict["verdict"];
  severity: Severity;
  reason: string;
  /** How the key was picked: the one the secret holds, or the push user's only active key. */
  basis: "held" | "only-active";
}

export interface FleetRow {
  repository: string;
  pushUser: string;
  /** The user whose key the repository holds when it is not the configured one (found from ListAccessKeys). */
  holdsKeyOf: string | null;
  /**
   * The IAM user CloudTrail names as the signer of the last successful run, when it is not the push user and the
   * configuration does not name the push user: an operator may adopt it (lib/operations/fleet/adopt-push-user.ts).
   * null otherwise.
   */
  adoptable: string | null;
  /**
   * What the row says about who signed its last run when CloudTrail was asked and named nobody: not asked yet
   * (CloudTrail may still be delivering), cannot tell (several users, too many events), or could not be read (the
   * failed call). null when not asked, or when it named one user (then `holdsKeyOf` or nothing says it).
   */
  signerNote: string | null;
  signIn: SignIn;
  /** The key the repository pushes with; null when unknown, and always for a repository that assumes a role. */
  key: FleetKey | null;
  /** Why no key can be judged when the push user's keys could not be read ("IAM ListAccessKeys was throttled …"); else null. */
  keyUnknown: string | null;
  /** "repository secret", "organization secret (selected repositories)", "missing", "unknown". */
  secretsFrom: string;
  failingChecks: Array<{ id: string; title: string }>;
  answer: PushAnswer;
  reason: string;
  /** The page that shows why; null when no page of Deckhand does (the fix is outside it, e.g. the configuration). */
  href: string | null;
}

/** One repository's row. Pure: never throws; what could not be read shows as unknown. */
export function judgeFleetRow(input: FleetRowInput): FleetRow {
  // A workflow that assumes a role uses no key: its row judges the role (the OIDC checks) and names no key, even while
  // the old key's secrets are still there (they are retired after the proof).
  // Every GitHub read of the row was about nothing: its checks judged empty answers, so none is shown as failing.
  if (input.repositoryNotFound)
    return {
      repository: input.repository,
      pushUser: input.pushUser,
      holdsKeyOf: null,
      adoptable: null,
      signerNote: null,
      signIn: input.signIn,
      key: null,
      keyUnknown: null,
      secretsFrom: "unknown",
      failingChecks: [],
      answer: "unknown",
      reason: repositoryNotFoundReason(input.repository),
      href: null,
    };
  const failingChecks = input.checks.filter((c) => c.status === "fail").map((c) => ({ id: c.id, title: c.title }));
  if (input.signIn === "role") {
    const { answer, reason, href } = input.readiness;
    return { repository: input.repository, pushUser: input.pushUser, holdsKeyOf: null, adoptable: null, signerNote: null, signIn: "role", key: null, keyUnknown: null, secretsFrom: "not used: the workflow assumes the OIDC role", failingChecks, answer, reason, href };
  }
  const holder = input.heldKeyId ? Object.entries(input.keysByUser).find(([, ids]) => ids.includes(input.heldKeyId!))?.[0] ?? null : null;
  const own = input.keys ?? [];
  let key: FleetKey | null = null;
  const held = input.heldKeyId ? own.find((k) => k.accessKeyId === input.heldKeyId) : undefined;
  const active = own.filter((k) => k.active);
  // CloudTrail names another user as the signer of the last successful run (one nobody configured, or one the
  // correlation did not weigh): that outweighs a guess from timing alone (the only active key, a secret written after
  // a key was made); only strong evidence for a key of the configured user (Deckhand wrote it, runs signed with it)
  // outweighs it.
  const signer = input.runSigner?.userName ?? null;
  const signedByOther = !(holder && holder !== input.pushUser) && signer !== null && signer !== input.pushUser && !(held && input.heldLevel === "high") ? signer : null;
  const picked = (signedByOther ? undefined : held) ?? (!input.heldKeyId && !signedByOther && active.length === 1 ? active[0] : undefined);
  if (picked) key = { accessKeyId: picked.accessKeyId, ageDays: picked.ageDays, verdict: picked.verdict, severity: picked.severity, reason: picked.reason, basis: held ? "held" : "only-active" };
  const secretsFrom = input.keySource === undefined ? "unknown" : input.keySource === null ? "missing" : describeCopy(input.keySource, "secret");
  let { answer, reason, href } = input.readiness;
  const other = holder && holder !== input.pushUser ? holder : signedByOther;
  // Keys that could not be read: no key is judged, and the row cannot say "yes" whatever the checks said. A push user
  // that does not exist (not set up) has no key to judge: nothing is unknown.
  const keyUnknown = input.keys === null && input.readiness.answer !== "not-set-up" ? (input.keysFailure ?? `the keys of ${input.pushUser} could not be read`) : null;
  if (keyUnknown && answer === "yes") {
    answer = "unknown";
    reason = `Its key cannot be judged: ${keyUnknown}.`;
    href = "/credentials";
  }
  // Only CloudTrail's word is evidence enough to adopt (the verb asks it again), and only a push user nobody named.
  const adoptable = other === signedByOther && signedByOther && input.pushUserNamed === false ? signedByOther : null;
  // A key of another user: the checks judged the configured user's keys, so they cannot say "yes".
  if (other && answer === "yes") {
    answer = "unknown";
    const fix = adoptable ? `use ${other} as its push user (below), or set ${input.repository}:${other} in GITHUB_REPOSITORIES` : `set ${input.repository}:${other} in GITHUB_REPOSITORIES`;
    reason =
      other === holder
        ? `It holds a key of ${other}, not of its configured push user ${input.pushUser}: ${fix}.`
        : `Its last run signed in as IAM user ${other} (CloudTrail), not as its configured push user ${input.pushUser}: ${fix}.`;
    href = "/credentials";
  }
  return { repository: input.repository, pushUser: input.pushUser, holdsKeyOf: other, adoptable, signerNote: describeSignerGap(input), signIn: "key", key, keyUnknown, secretsFrom, failingChecks, answer, reason, href };
}

/** The row's words for a signer that was asked about and not found (see FleetRow.signerNote). */
function describeSignerGap({ runSigner: s, runSignerFailure: failure }: Pick<FleetRowInput, "runSigner" | "runSignerFailure">): string | null {
  if (failure) return `Who signed its last run could not be read: ${failure.message}.`;
  if (!s) return null;
  switch (s.state) {
    case "not-yet":
      return `Who signed its last run: not asked yet, CloudTrail may still be delivering its events (asked from ${formatUtc(s.readyAt)}).`;
    case "too-many-events":
      return `Who signed its last run: cannot tell, more ${s.eventSource} events in its minutes than Deckhand reads (${s.read}).`;
    case "several":
      return `Who signed its last run: cannot tell, several IAM users signed ECR or STS calls in its minutes (${s.candidates.join(", ")}).`;
    case "signed":
      return null;
  }
}

const ORDER: Record<PushAnswer, number> = { no: 0, unknown: 1, "not-set-up": 2, yes: 3 };

export interface FleetSummary {
  /** "yes" only when every repository can push; "no" when any cannot; else "unknown". Empty fleet: "unknown". */
  answer: "yes" | "no" | "unknown";
  counts: Record<PushAnswer, number>;
  sentence: string;
}

/** The rows, those that cannot push first (configuration order kept within each answer), and the one answer. */
export function summarizeFleet<R extends FleetRow>(rows: readonly R[]): { rows: R[]; summary: FleetSummary } {
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => ORDER[a.r.answer] - ORDER[b.r.answer] || a.i - b.i).map((x) => x.r);
  const counts: Record<PushAnswer, number> = { yes: 0, no: 0, unknown: 0, "not-set-up": 0 };
  for (const r of rows) counts[r.answer]++;
  const n = rows.length;
  const answer = n === 0 ? "unknown" : counts.yes === n ? "yes" : counts.no + counts["not-set-up"] > 0 ? "no" : "unknown";
  const sentence =
    n === 0
      ? "No repository is configured."
      : counts["not-set-up"] === n
        ? `Nothing is set up yet: the push ${n === 1 ? "user does" : "users do"} not exist in this AWS account. The guided Setup creates ${n === 1 ? "it" : "them"}, with policy, key and GitHub secrets.`
        : answer === "yes"
        ? n === 1
          ? "The repository can push."
          : `All ${n} repositories can push.`
        : [
            counts.no ? `${counts.no} of ${n} cannot push` : null,
            counts["not-set-up"] ? `${counts["not-set-up"]} not set up` : null,
            counts.unknown ? `${counts.unknown} could not be checked` : null,
            counts.yes ? `${counts.yes} can push` : null,
          ]
            .filter(Boolean)
            .join("; ") + ".";
  return { rows: sorted, summary: { answer, counts, sentence } };
}
