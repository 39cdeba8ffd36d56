// What each page shows, derived from the snapshot with lib/judgements/posture's judgements. Pure and synchronous:
// the pages, the API and the tests call the same functions.

import { judgeAccessKeys, type KeyJudgement, type KeyThresholds } from "../judgements/posture/key-verdicts";
import { checkGithubConfig, type GithubConfigReport } from "../judgements/posture/github-config";
import { correlateSecretKey, type SecretCorrelation } from "../judgements/posture/secret-correlation";
import { computeEffectiveActions, loadPolicies, type EffectiveActions, type LoadedPolicy, type PolicyLoadError } from "../judgements/posture/effective-actions";
import { buildCloudTrailBaseline, buildExpectedBaseline, buildMinimalPushBaseline, computeDrift, type DriftReport } from "../judgements/posture/policy-drift";
import { findWildcardResourceGrants, type WildcardResourceFinding } from "../judgements/posture/scoped-resources";
import { diffPolicyDocuments, type PolicyDiffResult } from "../judgements/posture/policy-diff";
import type { AccessKeyInfo } from "../judgements/posture/key-verdicts";
import type { GithubSecretInfo, GithubVariableInfo, WorkflowRunInfo } from "../judgements/posture/types";
import type { FetchedPolicy } from "../integrations/aws/iam";
import type { CallerIdentity } from "../integrations/aws/sts";
import type { ActivityData, ExpectedPolicy } from "./load-posture";
import type { EcrRepositoryInfo } from "../judgements/posture/types";
import type { Section } from "../failures";

export function judgeKeysSection(keys: AccessKeyInfo[], now: string | Date, thresholds: Partial<KeyThresholds>): KeyJudgement {
  return judgeAccessKeys({ keys, now, thresholds });
}

export function correlateSection(input: {
  secrets: Section<GithubSecretInfo[]>;
  keys: Section<AccessKeyInfo[]>;
  activity: Section<ActivityData>;
  runs: Section<WorkflowRunInfo[]>;
  now: string | Date;
}): { correlation: SecretCorrelation; caveats: string[] } | null {
  if (!input.secrets.ok || !input.keys.ok) return null;
  const caveats: string[] = [];
  if (!input.activity.ok) caveats.push(`Without CloudTrail (${input.activity.error.message}) the evidence is weaker`);
  if (!input.runs.ok) caveats.push(`Without workflow runs (${input.runs.error.message}) the evidence is weaker`);
  return {
    correlation: correlateSecretKey({
      secrets: input.secrets.data,
      keys: input.keys.data,
      events: input.activity.ok ? input.activity.data.events : [],
      runs: input.runs.ok ? input.runs.data : [],
      now: input.now,
    }),
    caveats,
  };
}

export function githubConfigSection(input: {
  secrets: GithubSecretInfo[];
  variables: GithubVariableInfo[];
  repositories: Section<EcrRepositoryInfo[]>;
  region: string;
}): GithubConfigReport {
  const repositoryRegions = input.repositories.ok ? (input.repositories.data.length ? [input.region] : []) : null;
  return checkGithubConfig({ secrets: input.secrets, variables: input.variables, repositoryRegions });
}

export interface PolicyView {
  loaded: LoadedPolicy[];
  readErrors: PolicyLoadError[];
  effective: EffectiveActions;
  drift: DriftReport[];
  /** Baselines that could not be built, with why (e.g. CloudTrail unavailable). */
  baselineErrors: { label: string; message: string }[];
  wildcardFindings: WildcardResourceFinding[];
  /** Diff of the user's inline policy named like the expected one against the expected document. */
  diff: PolicyDiffResult | null;
  currentInline: FetchedPolicy | null;
}

export function buildPolicyView(input: {
  policies: FetchedPolicy[];
  expected: Section<ExpectedPolicy>;
  activity: Section<ActivityData>;
  identity: Section<CallerIdentity>;
  repositories: Section<EcrRepositoryInfo[]>;
  region: string;
  policyName: string;
}): PolicyView {
  const { policies: loaded, errors: readErrors } = loadPolicies(input.policies);
  const effective = computeEffectiveActions(input.policies);
  const drift: DriftReport[] = [];
  const baselineErrors: PolicyView["baselineErrors"] = [];
  if (input.expected.ok) {
    const b = buildExpectedBaseline(input.expected.data.document, input.expected.data.origin === "file" ? input.expected.data.label : undefined);
    if (b.ok) drift.push(computeDrift(effective, b.baseline));
    else baselineErrors.push({ label: "expected policy", message: b.error.message });
  } else baselineErrors.push({ label: "expected policy", message: input.expected.error.message });
  drift.push(computeDrift(effective, buildMinimalPushBaseline()));
  if (input.activity.ok) drift.push(computeDrift(effective, buildCloudTrailBaseline(input.activity.data.events, input.activity.data.windowDays)));
  else baselineErrors.push({ label: "actions seen in CloudTrail", message: input.activity.error.message });

  let wildcardFindings: WildcardResourceFinding[] = [];
  if (input.identity.ok && input.repositories.ok) {
    wildcardFindings = findWildcardResourceGrants(loaded, {
      region: input.region,
      accountId: input.identity.data.account,
      repositoryNames: input.repositories.data.map((r) => r.name),
    });
  }
  const currentInline = input.policies.find((p) => p.source.kind === "inline" && p.source.policyName === input.policyName) ?? null;
  const diff = input.expected.ok ? diffPolicyDocuments(currentInline?.document ?? null, input.expected.data.document) : null;
  return { loaded, readErrors, effective, drift, baselineErrors, wildcardFindings, diff, currentInline };
}
