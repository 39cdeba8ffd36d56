import { describe, expect, it } from "vitest";
import { judgeFleetRow, summarizeFleet, type FleetRow, type FleetRowInput } from "./judge-fleet";
import type { KeyVerdict } from "../posture/key-verdicts";
import type { CheckResult } from "../posture/doctor-checks";

const A = "AKIAIOSFODNN7EXAMPLE";
const B = "AKIDEXAMPLE";
const verdict = (accessKeyId: string, over: Partial<KeyVerdict> = {}): KeyVerdict => ({
  accessKeyId,
  status: "Active",
  active: true,
  verdict: "ok",
  severity: "ok",
  reason: "fine",
  ageDays: 12,
  daysSinceLastUse: 1,
  lastUsed: null,
  findings: [],
  ...over,
});
const check = (id: string, status: CheckResult["status"]): CheckResult =>
  ({ id, title: `Title ${id}`, guideError: "", status, summary: `summary ${id}`, evidence: [], apiCalls: [], failedCalls: [], fixSteps: [] }) as unknown as CheckResult;
const yes = { answer: "yes" as const, reason: "All checks pass.", href: "/doctor", decidedBy: [] };

const base: FleetRowInput = {
  repository: "acme/a",
  pushUser: "github-ecr-push",
  signIn: "key",
  readiness: yes,
  checks: [check("region", "pass")],
  keys: [verdict(A)],
  heldKeyId: A,
  keysByUser: { "github-ecr-push": [A], "web-push": [B] },
  keySource: { scope: "organization", visibility: "selected", createdAt: null, updatedAt: null },
};

describe("judgeFleetRow", () => {
  it("shows the held key with its age and verdict, and where the secret comes from", () => {
    const row = judgeFleetRow(base);
    expect(row.key).toMatchObject({ accessKeyId: A, ageDays: 12, verdict: "ok", basis: "held" });
    expect(row.secretsFrom).toBe("organization secret (selected repositories)");
    expect(row.holdsKeyOf).toBeNull();
    expect(row.answer).toBe("yes");
  });

  it("keys that could not be read: no key, the row says why naming the call, and never yes", () => {
    const failed = "IAM ListAccessKeys was throttled and still failed after retries with backoff";
    const row = judgeFleetRow({ ...base, keys: null, keysFailure: failed });
    expect(row.key).toBeNull();
    expect(row.keyUnknown).toBe(failed);
    expect(row).toMatchObject({ answer: "unknown", reason: `Its key cannot be judged: ${failed}.`, href: "/credentials" });
    // Checks that already say no keep their answer and reason; the key column still says why.
    const no = { answer: "no" as const, reason: "The region check fails.", href: "/doctor#region", decidedBy: ["region"] };
    expect(judgeFleetRow({ ...base, readiness: no, keys: null, keysFailure: failed })).toMatchObject({ answer: "no", reason: no.reason, keyUnknown: failed });
    expect(judgeFleetRow({ ...base, keys: null }).keyUnknown).toBe("the keys of github-ecr-push could not be read");
    // A push user that does not exist has no key to judge (its ListAccessKeys answered NoSuchEntity): nothing unknown.
    const notSetUp = { answer: "not-set-up" as const, reason: "The push user github-ecr-push does not exist in this account yet", href: "/setup", decidedBy: [] };
    expect(judgeFleetRow({ ...base, readiness: notSetUp, keys: null, keysFailure: "IAM ListAccessKeys reported that the resource does not exist" })).toMatchObject({ key: null, keyUnknown: null, answer: "not-set-up" });
    // Read keys, or a role instead of a key: nothing unknown.
    expect(judgeFleetRow(base).keyUnknown).toBeNull();
    expect(judgeFleetRow({ ...base, signIn: "role", keys: null, keysFailure: failed }).keyUnknown).toBeNull();
  });

  it("falls back to the only active key when the held one is unknown, but not when there are two", () => {
    expect(judgeFleetRow({ ...base, heldKeyId: null }).key).toMatchObject({ accessKeyId: A, basis: "only-active" });
    expect(judgeFleetRow({ ...base, heldKeyId: null, keys: [verdict(A), verdict(B)] }).key).toBeNull();
    expect(judgeFleetRow({ ...base, keys: null }).key).toBeNull();
  });

  it("says whose key it holds when it is another configured user's, and never answers yes then", () => {
    const row = judgeFleetRow({ ...base, heldKeyId: B });
    expect(row.holdsKeyOf).toBe("web-push");
    expect(row.key).toBeNull();
    expect(row.answer).toBe("unknown");
    expect(row.reason).toContain("acme/a:web-push");
  });

  it("lists failing checks only, and keeps a 'no' verdict and its reason", () => {
    const row = judgeFleetRow({
      ...base,
      readiness: { answer: "no", reason: "Missing region: AWS_REGION is not set", href: "/doctor#region", decidedBy: ["region"] },
      checks: [check("keys", "pass"), check("region", "fail"), check("policy", "unknown")],
    });
    expect(row.failingChecks).toEqual([{ id: "region", title: "Title region" }]);
    expect(row.answer).toBe("no");
    expect(row.href).toBe("/doctor#region");
  });

  it("a repository GitHub answers 404 for: says so and what to check, judges no key and lists no check it judged over nothing", () => {
    const notSetUp = { answer: "not-set-up" as const, reason: "The push user github-ecr-push does not exist.", href: "/setup", decidedBy: [] };
    const row = judgeFleetRow({ ...base, repositoryNotFound: true, readiness: notSetUp, checks: [check("access-denied", "fail")], keySource: null });
    expect(row.answer).toBe("unknown");
    expect(row.reason).toBe(
      "GitHub answers 404 for acme/a: it does not exist, or Deckhand's token cannot see it. Check the name in GITHUB_REPOSITORIES and the token's repository access.",
    );
    expect(row.href).toBeNull();
    expect(row.failingChecks).toEqual([]);
    expect(row.key).toBeNull();
    expect(row.secretsFrom).toBe("unknown");
    // Never "yes", even with every check passing.
    expect(judgeFleetRow({ ...base, repositoryNotFound: true }).answer).toBe("unknown");
    expect(judgeFleetRow({ ...base, repositoryNotFound: false }).answer).toBe("yes");
  });

  it("says 'missing' for a secret at no scope and 'unknown' when the scopes could not be read", () => {
    expect(judgeFleetRow({ ...base, keySource: null }).secretsFrom).toBe("missing");
    expect(judgeFleetRow({ ...base, keySource: undefined }).secretsFrom).toBe("unknown");
    expect(judgeFleetRow({ ...base, keySource: { scope: "environment", environment: "production", createdAt: null, updatedAt: null } }).secretsFrom).toBe("environment secret (production)");
  });

  it("names the IAM user CloudTrail says signed the last run when none of the configured user's keys is held", () => {
    // The configured user's only active key would otherwise be shown as the repository's key: a guess CloudTrail refutes.
    const row = judgeFleetRow({ ...base, heldKeyId: null, runSigner: { state: "signed", userName: "billing-push", calls: 3 } });
    expect(row.holdsKeyOf).toBe("billing-push");
    expect(row.key).toBeNull();
    expect(row.answer).toBe("unknown");
    expect(row.reason).toBe("Its last run signed in as IAM user billing-push (CloudTrail), not as its configured push user github-ecr-push: set acme/a:billing-push in GITHUB_REPOSITORIES.");
    // The configured user signing, several signers, or a held key found by the correlation: nothing changes.
    expect(judgeFleetRow({ ...base, heldKeyId: null, runSigner: { state: "signed", userName: "github-ecr-push", calls: 2 } })).toMatchObject({ holdsKeyOf: null, answer: "yes", key: { basis: "only-active" } });
    expect(judgeFleetRow({ ...base, heldKeyId: null, runSigner: { state: "several", userName: null, candidates: ["a", "b"] } })).toMatchObject({ holdsKeyOf: null, answer: "yes" });
    // A held key found from timing alone gives way to the signer; one Deckhand wrote itself (high) does not.
    expect(judgeFleetRow({ ...base, heldLevel: "medium", runSigner: { state: "signed", userName: "billing-push", calls: 1 } })).toMatchObject({ holdsKeyOf: "billing-push", key: null });
    expect(judgeFleetRow({ ...base, heldLevel: "high", runSigner: { state: "signed", userName: "billing-push", calls: 1 } })).toMatchObject({ holdsKeyOf: null, key: { basis: "held" } });
    // A 'no' stays a 'no' (a missing AWS_REGION fails whoever signs), but the row still says whose key it is.
    const no = { answer: "no" as const, reason: "AWS_REGION is missing", href: "/doctor#aws-region-not-found", decidedBy: ["aws-region-not-found"] };
    expect(judgeFleetRow({ ...base, heldKeyId: null, readiness: no, runSigner: { state: "signed", userName: "billing-push", calls: 1 } })).toMatchObject({ holdsKeyOf: "billing-push", answer: "no" });
  });

  it("offers adopting the signer only when CloudTrail names it and the configuration does not name the push user", () => {
    const signed = { heldKeyId: null, runSigner: { state: "signed" as const, userName: "billing-push", calls: 3 } };
    const open = judgeFleetRow({ ...base, ...signed, pushUserNamed: false });
    expect(open).toMatchObject({ holdsKeyOf: "billing-push", adoptable: "billing-push", answer: "unknown" });
    expect(open.reason).toBe(
      "Its last run signed in as IAM user billing-push (CloudTrail), not as its configured push user github-ecr-push: use billing-push as its push user (below), or set acme/a:billing-push in GITHUB_REPOSITORIES.",
    );
    // Named (or not said): only the configuration can change it.
    expect(judgeFleetRow({ ...base, ...signed, pushUserNamed: true })).toMatchObject({ holdsKeyOf: "billing-push", adoptable: null });
    expect(judgeFleetRow({ ...base, ...signed })).toMatchObject({ adoptable: null });
    // A key of another configured user found by ListAccessKeys alone: not CloudTrail's word, nothing to adopt from here.
    expect(judgeFleetRow({ ...base, heldKeyId: B, pushUserNamed: false })).toMatchObject({ holdsKeyOf: "web-push", adoptable: null });
    // Even when CloudTrail also names someone, the held key of a configured user is what the row says.
    expect(judgeFleetRow({ ...base, heldKeyId: B, pushUserNamed: false, runSigner: { state: "signed", userName: "billing-push", calls: 1 } })).toMatchObject({ holdsKeyOf: "web-push", adoptable: null });
    // The push user itself signing, several signers, not yet, a role: nothing to adopt.
    expect(judgeFleetRow({ ...base, heldKeyId: null, pushUserNamed: false, runSigner: { state: "signed", userName: "github-ecr-push", calls: 2 } }).adoptable).toBeNull();
    expect(judgeFleetRow({ ...base, heldKeyId: null, pushUserNamed: false, runSigner: { state: "several", userName: null, candidates: ["a", "b"] } }).adoptable).toBeNull();
    expect(judgeFleetRow({ ...base, heldKeyId: null, pushUserNamed: false, runSigner: { state: "not-yet", userName: null, readyAt: "2026-12-01T10:19:00.000Z" } }).adoptable).toBeNull();
    expect(judgeFleetRow({ ...base, ...signed, pushUserNamed: false, signIn: "role" }).adoptable).toBeNull();
    // A 'no' still offers it: the repository pushes with that user's key whatever else fails.
    const no = { answer: "no" as const, reason: "AWS_REGION is missing", href: "/doctor#aws-region-not-found", decidedBy: ["aws-region-not-found"] };
    expect(judgeFleetRow({ ...base, ...signed, pushUserNamed: false, readiness: no })).toMatchObject({ adoptable: "billing-push", answer: "no", reason: "AWS_REGION is missing" });
  });

  it("says plainly when CloudTrail was asked and named nobody: not yet, cannot tell, or could not be read (naming the call)", () => {
    const asked = (over: Partial<FleetRowInput>) => judgeFleetRow({ ...base, heldKeyId: null, ...over });
    // Not yet: nothing read, no user named, the answer as the checks say.
    expect(asked({ runSigner: { state: "not-yet", userName: null, readyAt: "2026-12-01T10:19:00.000Z" } })).toMatchObject({
      holdsKeyOf: null,
      answer: "yes",
      signerNote: "Who signed its last run: not asked yet, CloudTrail may still be delivering its events (asked from 2026-12-01 10:19 UTC).",
    });
    expect(asked({ runSigner: { state: "too-many-events", userName: null, eventSource: "ecr.amazonaws.com", read: 500 } })).toMatchObject({
      holdsKeyOf: null,
      signerNote: "Who signed its last run: cannot tell, more ecr.amazonaws.com events in its minutes than Deckhand reads (500).",
    });
    expect(asked({ runSigner: { state: "several", userName: null, candidates: ["a", "b"] } }).signerNote).toBe("Who signed its last run: cannot tell, several IAM users signed ECR or STS calls in its minutes (a, b).");
    const failure = { service: "cloudtrail" as const, call: "LookupEvents (EventSource ecr.amazonaws.com)", kind: "throttled" as const, message: "CloudTrail LookupEvents (EventSource ecr.amazonaws.com) was throttled and still failed after retries with backoff" };
    expect(asked({ runSignerFailure: failure })).toMatchObject({
      holdsKeyOf: null,
      signerNote: "Who signed its last run could not be read: CloudTrail LookupEvents (EventSource ecr.amazonaws.com) was throttled and still failed after retries with backoff.",
    });
    // Named (or not asked, or nobody signed): no note.
    expect(asked({ runSigner: { state: "signed", userName: "billing-push", calls: 1 } }).signerNote).toBeNull();
    expect(asked({ runSigner: null }).signerNote).toBeNull();
    expect(asked({}).signerNote).toBeNull();
  });

  it("judges a repository whose workflow assumes a role by its OIDC checks, names no key, and ignores a leftover key secret", () => {
    const readiness = { answer: "no" as const, reason: "Role admits the workflow: the trust refuses ref:refs/heads/main", href: "/doctor#oidc-role", decidedBy: ["oidc-role"] };
    // The leftover secret holds another user's key: that no longer matters to a workflow that uses no key.
    const row = judgeFleetRow({ ...base, signIn: "role", heldKeyId: B, readiness, checks: [check("oidc-provider", "pass"), check("oidc-role", "fail")] });
    expect(row).toMatchObject({ signIn: "role", key: null, holdsKeyOf: null, answer: "no", href: "/doctor#oidc-role" });
    expect(row.secretsFrom).toBe("not used: the workflow assumes the OIDC role");
    expect(row.failingChecks).toEqual([{ id: "oidc-role", title: "Title oidc-role" }]);
    expect(judgeFleetRow({ ...base, signIn: "role", checks: [check("oidc-role", "pass")] }).answer).toBe("yes");
  });
});

describe("summarizeFleet", () => {
  const row = (repository: string, answer: FleetRow["answer"]): FleetRow => ({ ...judgeFleetRow({ ...base, repository }), answer });

  it("answers yes only when every repository can push", () => {
    expect(summarizeFleet([row("a", "yes"), row("b", "yes")]).summary).toMatchObject({ answer: "yes", sentence: "All 2 repositories can push." });
    expect(summarizeFleet([row("a", "yes")]).summary.sentence).toBe("The repository can push.");
  });

  it("answers no when any cannot, listing them first in configuration order", () => {
    const { rows, summary } = summarizeFleet([row("a", "yes"), row("b", "no"), row("c", "unknown"), row("d", "no")]);
    expect(rows.map((r) => r.repository)).toEqual(["b", "d", "c", "a"]);
    expect(summary.answer).toBe("no");
    expect(summary.sentence).toBe("2 of 4 cannot push; 1 could not be checked; 1 can push.");
  });

  it("answers unknown when none fails but some could not be checked, and for an empty fleet", () => {
    expect(summarizeFleet([row("a", "yes"), row("b", "unknown")]).summary.answer).toBe("unknown");
    expect(summarizeFleet([]).summary).toMatchObject({ answer: "unknown", sentence: "No repository is configured." });
  });

  it("counts a repository not set up as unable to push; a fleet with nothing set up says so plainly", () => {
    expect(summarizeFleet([row("a", "not-set-up"), row("b", "no")]).summary).toMatchObject({ answer: "no", sentence: "1 of 2 cannot push; 1 not set up." });
    expect(summarizeFleet([row("a", "not-set-up")]).summary).toMatchObject({
      answer: "no",
      sentence: "Nothing is set up yet: the push user does not exist in this AWS account. The guided Setup creates it, with policy, key and GitHub secrets.",
    });
    expect(summarizeFleet([row("a", "not-set-up"), row("b", "not-set-up")]).summary.sentence).toMatch(/^Nothing is set up yet: the push users do not exist in this AWS account\. The guided Setup creates them/);
  });
});
