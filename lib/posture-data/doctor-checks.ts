// The guide's Troubleshooting, section by section, as live checks over the posture snapshot. Pure: the
// snapshot's Sections in, verdicts out, so the Doctor page, /api/checks and /api/metrics agree.

import { judgeAccessKeys } from "../posture/key-verdicts";
import { checkGithubConfig, SECRET_NAMES } from "../posture/github-config";
import { computeEffectiveActions } from "../posture/effective-actions";
import { findMissingPushActions } from "../posture/policy-drift";
import { correlateSecretKey } from "../posture/secret-correlation";
import { GUIDE_SECTIONS } from "../posture/cloudtrail-summary";
import { toEpochMs } from "../posture/time-util";
import type { PostureSnapshot } from "./load-posture";
import type { Section } from "./section";
import type { WorkflowRunInfo } from "../posture/types";

export type CheckStatus = "pass" | "fail" | "unknown";

export interface DoctorCheck {
  id: string;
  /** The guide's Troubleshooting heading. */
  title: string;
  /** The error text the guide quotes for it. */
  error: string;
  status: CheckStatus;
  summary: string;
  evidence: string[];
  /** The API calls the check's data came from. */
  calls: string[];
  /** The guide's solutions, verbatim. */
  fix: string[];
}

export type DoctorInput = Pick<PostureSnapshot, "keys" | "policies" | "activity" | "secrets" | "variables" | "runs" | "repositories"> & {
  now: string | Date;
  /** Region Deckhand reads the ECR repositories in. */
  region: string;
};

const FIX = {
  credential: [
    "Verify secrets are set correctly in GitHub: Settings → Secrets and variables → Actions",
    "Make sure secret names are exactly AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (case-sensitive)",
    "Check that access key hasn't been deactivated in AWS",
  ],
  region: [
    "Verify AWS_REGION is set as a Variable (not a Secret)",
    "Go to Settings → Secrets and variables → Actions → Variables tab",
    "Ensure the variable name is exactly AWS_REGION",
  ],
  accessDenied: [
    "Verify the IAM user has the policy attached: aws iam list-user-policies --user-name github-ecr-push",
    "Verify the policy includes all required permissions: aws iam get-user-policy --user-name github-ecr-push --policy-name ecr-push-policy",
    "If the policy is missing, add it using Step 2",
  ],
  invalidKey: [
    "Verify the Access Key ID is correct in GitHub secrets",
    "Check if the access key was accidentally deleted",
    "Generate a new access key and update the secrets",
  ],
  token: [
    "Verify the Secret Access Key is correct in GitHub secrets",
    "Make sure you copied it exactly (no extra spaces)",
    "Access key secrets cannot be recovered - generate a new one if lost",
  ],
  repoCreation: [
    "Verify the IAM policy is attached and includes ecr:CreateRepository",
    "Check your AWS account ECR quota",
    "Verify the region specified in AWS_REGION variable is correct",
  ],
  imageNotFound: [
    "Check the region matches your AWS_REGION variable",
    "Verify the workflow completed without errors in the logs",
    "Check if image push was skipped due to matching digest (this is normal)",
  ],
};

export const LOG_PATTERNS = {
  credential: /InvalidUserID\.AccessDenied|Credentials could not be loaded|Could not load credentials/i,
  region: /"aws-region" input is required|not supplied: aws-region/i,
  accessDenied: /is not authorized to perform: ?(ecr:[A-Za-z]+)/i,
  invalidKey: /Access Key Id you provided does not exist|InvalidClientTokenId/i,
  token: /security token included in the request is invalid/i,
  repoCreation: /not authorized to perform: ?ecr:CreateRepository/i,
};

const failedCalls = (...sections: Section<unknown>[]) => sections.filter((s) => !s.ok).map((s) => (s.ok ? "" : s.error.message));
const callsOf = (...sections: Section<unknown>[]) => [...new Set(sections.flatMap((s) => s.calls))];

/** The newest finished run that was not cancelled: what "the workflow fails now" means. */
export function latestDecisiveRun(runs: readonly WorkflowRunInfo[]): WorkflowRunInfo | null {
  return (
    [...runs]
      .filter((r) => r.status === "completed" && (r.conclusion === "success" || r.conclusion === "failure"))
      .sort((a, b) => (toEpochMs(b.createdAt) ?? 0) - (toEpochMs(a.createdAt) ?? 0))[0] ?? null
  );
}

function runMatching(run: WorkflowRunInfo | null, re: RegExp): { run: WorkflowRunInfo; step: string; line: string } | null {
  if (!run || run.conclusion !== "failure") return null;
  for (const s of run.failingSteps ?? []) {
    const line = s.log.split("\n").find((l) => re.test(l));
    if (line) return { run, step: s.step, line: line.replace(/^\S+Z\s+/, "").trim().slice(0, 300) };
  }
  return null;
}

function olderRunsMatching(runs: readonly WorkflowRunInfo[], re: RegExp, latest: WorkflowRunInfo | null): string[] {
  return runs
    .filter((r) => r !== latest && r.conclusion === "failure" && (r.failingSteps ?? []).some((s) => re.test(s.log)))
    .slice(0, 3)
    .map((r) => `Earlier run #${r.id} (${String(r.createdAt)}) failed with this error; later runs got past it`);
}

function check(base: Omit<DoctorCheck, "status" | "summary" | "evidence">, status: CheckStatus, summary: string, evidence: string[]): DoctorCheck {
  return { ...base, status, summary, evidence };
}

export function runDoctorChecks(input: DoctorInput): DoctorCheck[] {
  const { keys, policies, activity, secrets, variables, runs, repositories } = input;
  const runList = runs.ok ? runs.data : [];
  const latest = latestDecisiveRun(runList);
  const events = activity.ok ? activity.data.events : [];
  const runNote = runs.ok ? (latest ? [`Latest finished run: #${latest.id} (${latest.conclusion}, ${String(latest.createdAt)})`] : ["No finished workflow runs"]) : failedCalls(runs);
  const repoRegions = repositories.ok ? (repositories.data.length > 0 ? [input.region] : []) : null;
  const config = secrets.ok && variables.ok ? checkGithubConfig({ secrets: secrets.data, variables: variables.data, repositoryRegions: repoRegions }) : null;
  const correlation =
    secrets.ok && keys.ok ? correlateSecretKey({ secrets: secrets.data, keys: keys.data, events, runs: runList, now: input.now }) : null;
  const effective = policies.ok ? computeEffectiveActions(policies.data) : null;
  const out: DoctorCheck[] = [];

  // Credential Error in Workflow
  {
    const base = { id: "credential-error", title: GUIDE_SECTIONS.credentialError, error: "InvalidUserID.AccessDenied: User is not authorized to perform...", calls: callsOf(secrets, keys, runs), fix: FIX.credential };
    if (!secrets.ok || !keys.ok) out.push(check(base, "unknown", "Could not read the secrets or the keys", failedCalls(secrets, keys)));
    else {
      const findings = checkGithubConfig({ secrets: secrets.data, variables: [], repositoryRegions: null }).findings.filter((f) => (SECRET_NAMES as readonly string[]).includes(f.name));
      const bad = findings.filter((f) => f.severity === "fail");
      const judged = judgeAccessKeys({ keys: keys.data, now: input.now });
      const noActive = judged.account.find((a) => a.code === "no-active-key" || a.code === "no-keys");
      const inactive = correlation?.flags.find((f) => f.code === "held-key-inactive");
      const fromRun = runMatching(latest, LOG_PATTERNS.credential);
      const evidence = [...findings.map((f) => f.message), ...keys.data.map((k) => `${k.accessKeyId} is ${k.status}`), ...runNote];
      if (fromRun) evidence.push(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      if (bad.length || noActive || inactive || fromRun) {
        out.push(check(base, "fail", bad[0]?.message ?? noActive?.message ?? inactive?.message ?? `The latest run failed with a credential error`, [...(inactive ? [inactive.message] : []), ...evidence]));
      } else out.push(check(base, "pass", "Both secrets exist with the exact names and an active key exists", evidence));
    }
  }

  // AWS_REGION Not Found
  {
    const base = { id: "region-not-found", title: GUIDE_SECTIONS.regionNotFound, error: 'The "aws-region" input is required', calls: callsOf(secrets, variables, runs), fix: FIX.region };
    if (!config) out.push(check(base, "unknown", "Could not read the repository's secrets and variables", failedCalls(secrets, variables)));
    else {
      const regionFindings = config.findings.filter((f) => f.code.startsWith("region-") && f.code !== "region-mismatch" && f.code !== "region-no-repositories");
      const bad = regionFindings.filter((f) => f.severity === "fail");
      const fromRun = runMatching(latest, LOG_PATTERNS.region);
      const evidence = [...regionFindings.map((f) => f.message), ...runNote, ...olderRunsMatching(runList, LOG_PATTERNS.region, latest)];
      if (fromRun) evidence.push(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      if (bad.length || fromRun) out.push(check(base, "fail", bad[0]?.message ?? "The latest run failed because aws-region was empty", evidence));
      else out.push(check(base, "pass", `AWS_REGION is a variable (${config.region})`, evidence));
    }
  }

  // Access Denied / Permission Error
  {
    const base = { id: "access-denied", title: GUIDE_SECTIONS.accessDenied, error: "User: arn:aws:iam::123456789:user/github-ecr-push is not authorized to perform...", calls: callsOf(policies, activity, runs), fix: FIX.accessDenied };
    if (!effective) out.push(check(base, "unknown", "Could not read the user's policies", failedCalls(policies)));
    else {
      const missing = findMissingPushActions(effective);
      const denied = events.filter((e) => e.errorCode && /AccessDenied/i.test(e.errorCode));
      const evidence: string[] = [];
      if (effective.errors.length) evidence.push(`Could not read ${effective.errors.map((e) => e.source.policyName).join(", ")}: the policy view is a lower bound`);
      if (policies.ok) evidence.push(`Policies read: ${policies.data.map((p) => `${p.source.kind} ${p.source.policyName}`).join(", ") || "none"}`);
      if (denied.length) {
        const byAction = [...new Set(denied.map((e) => e.eventName))].join(", ");
        evidence.push(`CloudTrail: ${denied.length} AccessDenied call(s) over ${activity.ok ? activity.data.windowDays : 90} days (${byAction}), last ${String(denied[0].time)}`);
      }
      const fromRun = runMatching(latest, LOG_PATTERNS.accessDenied);
      if (fromRun) evidence.push(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      evidence.push(...runNote);
      if (missing.length) {
        const names = missing.map((m) => m.action);
        out.push(check(base, "fail", `Pushes fail because the policy does not allow ${names.join(", ")}`, [...missing.map((m) => m.reason), ...evidence]));
      } else out.push(check(base, "pass", "The user's policies allow every action the guide's workflow needs", evidence));
    }
  }

  // Invalid Access Key
  {
    const base = { id: "invalid-access-key", title: GUIDE_SECTIONS.invalidAccessKey, error: "The AWS Access Key Id you provided does not exist", calls: callsOf(keys, secrets, activity, runs), fix: FIX.invalidKey };
    if (!correlation) out.push(check(base, "unknown", "Could not read the keys or the secrets", failedCalls(keys, secrets)));
    else {
      const flag = correlation.flags.find((f) => f.code === "deleted-key" || f.code === "no-consistent-key");
      const fromRun = runMatching(latest, LOG_PATTERNS.invalidKey);
      const evidence = [
        correlation.mostLikely ? `GitHub most likely holds ${correlation.mostLikely.accessKeyId} (${correlation.mostLikely.level} confidence): ${correlation.mostLikely.evidence.join("; ")}` : "Could not tell which key the secret holds",
        ...runNote,
      ];
      if (fromRun) evidence.push(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      if (flag || fromRun) out.push(check(base, "fail", flag?.message ?? "The latest run failed: the key in GitHub does not exist", evidence));
      else if (correlation.flags.some((f) => f.code === "missing-secret")) out.push(check(base, "fail", "AWS_ACCESS_KEY_ID is not set", evidence));
      else out.push(check(base, "pass", correlation.mostLikely ? `The key GitHub most likely holds (${correlation.mostLikely.accessKeyId}) exists` : "No sign that GitHub holds a deleted key", evidence));
    }
  }

  // Secret Access Key Not Found (security token invalid)
  {
    const base = { id: "security-token-invalid", title: GUIDE_SECTIONS.secretKeyNotFound, error: "The Security Token included in the request is invalid", calls: callsOf(secrets, runs), fix: FIX.token };
    if (!secrets.ok && !runs.ok) out.push(check(base, "unknown", "Could not read the secrets or the workflow runs", failedCalls(secrets, runs)));
    else {
      const mismatch = correlation?.flags.find((f) => f.code === "secret-pair-mismatch");
      const fromRun = runMatching(latest, LOG_PATTERNS.token);
      const evidence = [...(mismatch ? [mismatch.message] : []), ...runNote, ...olderRunsMatching(runList, LOG_PATTERNS.token, latest), ...failedCalls(secrets)];
      if (fromRun) evidence.unshift(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      if (fromRun) out.push(check(base, "fail", "The latest run failed with an invalid security token: AWS_SECRET_ACCESS_KEY does not match the key ID", evidence));
      else if (mismatch) out.push(check(base, "fail", "The two secrets were written at different times: one was changed without the other", evidence));
      else out.push(check(base, runs.ok && secrets.ok ? "pass" : "unknown", "The secrets were written together and the latest run did not fail with this error", evidence));
    }
  }

  // ECR Repository Creation Failed
  {
    const base = { id: "repository-creation-failed", title: GUIDE_SECTIONS.repositoryCreationFailed, error: "AccessDenied: User is not authorized to perform: ecr:CreateRepository", calls: callsOf(policies, activity, runs), fix: FIX.repoCreation };
    if (!effective) out.push(check(base, "unknown", "Could not read the user's policies", failedCalls(policies)));
    else {
      const v = effective.byAction["ecr:CreateRepository"];
      const failures = events.filter((e) => e.eventName === "CreateRepository" && e.errorCode);
      const quota = failures.find((e) => /LimitExceeded/i.test(e.errorCode ?? ""));
      const evidence = [`ecr:CreateRepository: ${v.reason}`, ...failures.slice(0, 3).map((e) => `CloudTrail ${String(e.time)}: CreateRepository failed with ${e.errorCode}`)];
      const fromRun = runMatching(latest, LOG_PATTERNS.repoCreation);
      if (fromRun) evidence.push(`Run #${fromRun.run.id}, step "${fromRun.step}": ${fromRun.line}`);
      const allowed = v.status === "allowed" || v.status === "allowed-scoped";
      if (!allowed) out.push(check(base, "fail", "The policy does not allow ecr:CreateRepository: the workflow cannot create a missing repository", evidence));
      else if (quota) out.push(check(base, "fail", "CreateRepository hit the account's ECR repository quota", evidence));
      else if (fromRun) out.push(check(base, "fail", "The latest run failed creating a repository", evidence));
      else out.push(check(base, "pass", "The policy allows ecr:CreateRepository", evidence));
    }
  }

  // Image Not Found in ECR
  {
    const base = { id: "image-not-found", title: GUIDE_SECTIONS.imageNotFound, error: "After successful workflow run, images not appearing in ECR", calls: callsOf(variables, repositories, runs), fix: FIX.imageNotFound };
    if (!config || !repositories.ok) out.push(check(base, "unknown", "Could not read the AWS_REGION variable or the ECR repositories", failedCalls(variables, secrets, repositories)));
    else {
      const mismatch = config.findings.find((f) => f.code === "region-mismatch");
      const evidence = [
        `ECR repositories in ${input.region}: ${repositories.data.map((r) => r.name).join(", ") || "none"}`,
        ...config.findings.filter((f) => f.code.startsWith("region-")).map((f) => f.message),
        ...runNote,
      ];
      if (mismatch) out.push(check(base, "fail", mismatch.message, evidence));
      else if (latest && latest.conclusion === "failure") out.push(check(base, "fail", `The latest run #${latest.id} failed, so its images were not pushed`, evidence));
      else out.push(check(base, "pass", `AWS_REGION (${config.region ?? "unset"}) is where the repositories are; an unchanged image is skipped on equal digest, which is normal`, evidence));
    }
  }
  return out;
}
