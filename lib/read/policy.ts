// The Policy page (and the Overview's drift card, /api/metrics): the push user's policies as statements,
// what they allow in ECR, drift against the expected policy, AWS's minimal push set and what CloudTrail saw,
// Resource "*" findings, and the diff the operator reviews before applying the expected policy.

import { computeEffectiveActions, describeSource, loadPolicies, type EffectiveActions, type LoadedPolicy, type PolicyLoadError } from "../judgements/posture/effective-actions";
import { buildCloudTrailBaseline, buildExpectedBaseline, buildMinimalPushBaseline, computeDrift, type DriftReport } from "../judgements/posture/policy-drift";
import { findWildcardResourceGrants, scopeExpectedPolicy, type WildcardResourceFinding } from "../judgements/posture/scoped-resources";
import { diffPolicyDocuments, reviewDigest, type PolicyDiffResult } from "../judgements/posture/policy-diff";
import { normalizePolicy, type PolicyParseResult } from "../judgements/posture/normalize-policy";
import type { EcrRepositoryInfo } from "../judgements/posture/types";
import type { AccessKeyInfo } from "../judgements/posture/key-verdicts";
import { toEpochMs } from "../judgements/posture/time-util";
import type { FetchedPolicy } from "../integrations/aws/iam";
import type { CallerIdentity } from "../integrations/aws/sts";
import type { Part } from "../failures";
import { readActivity, readExpectedPolicy, readIdentity, readKeys, readPolicies, readRepositories, type ActivityData, type ExpectedPolicy, type PostureContext } from "./posture";

export interface PolicyStatementsView {
  /** "inline ecr-push-policy", "attached arn:aws:iam::aws:policy/...". */
  name: string;
  source: FetchedPolicy["source"];
  parsed: PolicyParseResult;
}

/** The user's inline and attached policies, each parsed into statements. */
export async function readPolicyStatements(ctx: PostureContext): Promise<Part<{ policies: FetchedPolicy[]; statements: PolicyStatementsView[] }>> {
  const policies = await readPolicies(ctx);
  if (!policies.ok) return policies;
  return { ...policies, data: { policies: policies.data, statements: policies.data.map((p) => ({ name: describeSource(p.source), source: p.source, parsed: normalizePolicy(p.document) })) } };
}

export interface PolicyView {
  loaded: LoadedPolicy[];
  readErrors: PolicyLoadError[];
  effective: EffectiveActions;
  drift: DriftReport[];
  /** Baselines that could not be built, with why (e.g. CloudTrail unavailable). */
  baselineErrors: { label: string; message: string }[];
  wildcardFindings: WildcardResourceFinding[];
  /** What to use instead of Resource "*" grants: the expected policy scoped to the repositories (never the drifted one). */
  scopedProposal: ReturnType<typeof scopeExpectedPolicy>;
  /** Diff of the user's inline policy named like the expected one against the expected document. */
  diff: PolicyDiffResult | null;
  currentInline: FetchedPolicy | null;
}

/** Drift, Resource "*" findings and the apply diff, over already-read parts (pure). */
export function buildPolicyView(input: {
  policies: FetchedPolicy[];
  expected: Part<ExpectedPolicy>;
  activity: Part<ActivityData>;
  identity: Part<CallerIdentity>;
  repositories: Part<EcrRepositoryInfo[]>;
  region: string;
  policyName: string;
  /** The user's keys: how far back their CloudTrail history goes (a key days old says nothing about unused actions). */
  keys?: Part<AccessKeyInfo[]>;
  now?: Date;
}): PolicyView {
  const { policies: loaded, errors: readErrors } = loadPolicies(input.policies);
  const effective = computeEffectiveActions(input.policies);
  const drift: DriftReport[] = [];
  const baselineErrors: PolicyView["baselineErrors"] = [];
  if (input.expected.ok) {
    const b = buildExpectedBaseline(input.expected.data.document, input.expected.data.origin === "file" ? input.expected.data.label : undefined);
    if (b.ok) drift.push(computeDrift(effective, b.baseline));
    else baselineErrors.push({ label: "expected policy", message: b.error.message });
  } else baselineErrors.push({ label: "expected policy", message: input.expected.failure.message });
  drift.push(computeDrift(effective, buildMinimalPushBaseline()));
  if (input.activity.ok) {
    const created = input.keys?.ok ? input.keys.data.map((k) => toEpochMs(k.createDate)).filter((t): t is number => t !== null) : [];
    const observedSince = created.length ? new Date(Math.min(...created)) : undefined;
    drift.push(computeDrift(effective, buildCloudTrailBaseline(input.activity.data.events, input.activity.data.windowDays, input.now ?? new Date(), observedSince)));
  }
  else baselineErrors.push({ label: "actions seen in CloudTrail", message: input.activity.failure.message });

  let wildcardFindings: WildcardResourceFinding[] = [];
  let scopedProposal: PolicyView["scopedProposal"] = null;
  if (input.identity.ok && input.repositories.ok) {
    const target = { region: input.region, accountId: input.identity.data.account, repositoryNames: input.repositories.data.map((r) => r.name) };
    wildcardFindings = findWildcardResourceGrants(loaded, target);
    if (wildcardFindings.length > 0 && input.expected.ok) scopedProposal = scopeExpectedPolicy(input.expected.data.document, target);
  }
  const currentInline = input.policies.find((p) => p.source.kind === "inline" && p.source.policyName === input.policyName) ?? null;
  const diff = input.expected.ok ? diffPolicyDocuments(currentInline?.document ?? null, input.expected.data.document) : null;
  return { loaded, readErrors, effective, drift, baselineErrors, wildcardFindings, scopedProposal, diff, currentInline };
}

export interface PolicyPageView {
  view: PolicyView;
  expected: Part<ExpectedPolicy>;
  activity: Part<ActivityData>;
  identity: Part<CallerIdentity>;
  repositories: Part<EcrRepositoryInfo[]>;
  /** What the operator confirms with "apply": the digest of the current inline document and the expected one. */
  reviewed: string | null;
}

/** Everything below the statements: the baselines need other services, and each degrades on its own. */
export async function readPolicyView(ctx: PostureContext, policies: FetchedPolicy[]): Promise<PolicyPageView> {
  const [expected, activity, identity, repositories, keys] = await Promise.all([readExpectedPolicy(ctx), readActivity(ctx), readIdentity(ctx), readRepositories(ctx), readKeys(ctx)]);
  const view = buildPolicyView({ policies, expected, activity, identity, repositories, keys, now: ctx.now?.(), region: ctx.clients.aws.region, policyName: ctx.policyName });
  const reviewed = expected.ok ? reviewDigest(view.currentInline?.document ?? null, expected.data.document) : null;
  return { view, expected, activity, identity, repositories, reviewed };
}

export interface DriftSummary {
  label: string;
  clean: boolean;
  missing: string[];
  extra: string[];
  uncertain: number;
  /** A missing action the push needs: pushes fail. */
  breaksPush: boolean;
}

/** The Overview's drift card: drift against the expected policy only. */
export async function readDriftSummary(ctx: PostureContext): Promise<Part<DriftSummary>> {
  const [policies, expected] = await Promise.all([readPolicies(ctx), readExpectedPolicy(ctx)]);
  const calls = [...policies.calls, ...expected.calls];
  if (!policies.ok) return { ...policies, calls };
  if (!expected.ok) return { ...expected, calls };
  const baseline = buildExpectedBaseline(expected.data.document, expected.data.origin === "file" ? expected.data.label : undefined);
  if (!baseline.ok) return { ok: false, calls, failure: { service: "deckhand", call: "expected policy", kind: "bad-data", message: baseline.error.message } };
  const drift = computeDrift(computeEffectiveActions(policies.data), baseline.baseline);
  return {
    ok: true,
    calls,
    asOf: policies.asOf,
    data: {
      label: drift.label,
      clean: drift.clean,
      missing: drift.missing.map((m) => m.action),
      extra: drift.extra.map((m) => m.action),
      uncertain: drift.uncertain.length,
      breaksPush: drift.missing.some((m) => m.breaksPush),
    },
  };
}
