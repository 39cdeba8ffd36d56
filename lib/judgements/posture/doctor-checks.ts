// The guide's Troubleshooting, section by section, as checks over a gathered snapshot. A check fails on
// positive evidence, passes when the data it needs was read and shows no problem, and is "unknown" when a
// call it depends on failed and nothing else decides it.

import { GUIDE_SECTIONS, explainErrorCode, type GuideSectionId } from "../guide-errors";
import { computeEffectiveActions, type EffectiveActions } from "./effective-actions";
import { checkGithubConfig, type GithubConfigReport } from "./github-config";
import { judgeAccessKeys } from "./key-verdicts";
import { findMissingPushActions } from "./policy-drift";
import { findSkippedPushes, scanFailingRuns, sortRunsNewestFirst, type RunLogHit } from "./run-log-signals";
import { correlateSecretKey, isGithubActionsUserAgent, type SecretCorrelation } from "./secret-correlation";
import type { Failure } from "../../failures";
import { SNAPSHOT_CALLS, type PostureSnapshot, type SnapshotField } from "./snapshot";
import { toEpochMs } from "./time-util";

/** One check per Troubleshooting section of the guide, under the section's id. */
export type CheckId = GuideSectionId;

export type CheckStatus = "pass" | "fail" | "unknown";

export interface CheckResult {
  id: CheckId;
  /** The guide's Troubleshooting heading. */
  title: string;
  /** The error text the guide quotes for this section. */
  guideError: string;
  status: CheckStatus;
  summary: string;
  evidence: string[];
  /** Every API call the check relies on. */
  apiCalls: string[];
  /** Calls that failed and left the check without data. */
  failedCalls: Failure[];
  /** The guide's solutions, close to verbatim. */
  fixSteps: string[];
}

const FIX_STEPS: Record<CheckId, string[]> = {
  "credential-error": [
    "Verify secrets are set correctly in GitHub: Settings → Secrets and variables → Actions",
    "Make sure secret names are exactly AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (GitHub ignores letter case in names and stores them upper-case, but a missing underscore or a typo is a different name)",
    "Check that the access key hasn't been deactivated in AWS",
  ],
  "aws-region-not-found": [
    "Verify AWS_REGION is set as a Variable (not a Secret)",
    "Go to Settings → Secrets and variables → Actions → Variables tab",
    "Ensure the variable name is exactly AWS_REGION",
  ],
  "access-denied": [
    "Verify the IAM user has the policy attached: aws iam list-user-policies --user-name github-ecr-push",
    "Verify the policy includes all required permissions: aws iam get-user-policy --user-name github-ecr-push --policy-name ecr-push-policy",
    "If the policy is missing, add it using Step 2",
  ],
  "invalid-access-key": [
    "Verify the Access Key ID is correct in GitHub secrets",
    "Check if the access key was accidentally deleted",
    "Generate a new access key and update the secrets",
  ],
  "secret-access-key-not-found": [
    "Verify the Secret Access Key is correct in GitHub secrets",
    "Make sure you copied it exactly (no extra spaces)",
    "Access key secrets cannot be recovered - generate a new one if lost",
  ],
  "repository-creation-failed": [
    "Verify the IAM policy is attached and includes ecr:CreateRepository",
    "Check your AWS account ECR quota",
    "Verify the region specified in AWS_REGION variable is correct",
  ],
  "image-not-found": [
    "Check the region matches your AWS_REGION variable",
    "Verify the workflow completed without errors in the logs",
    "Check if image push was skipped due to matching digest (this is normal)",
  ],
};

const META: Record<CheckId, { title: string; guideError: string; fields: SnapshotField[] }> = {
  "credential-error": {
    title: GUIDE_SECTIONS["credential-error"],
    guideError: "InvalidUserID.AccessDenied: User is not authorized to perform...",
    fields: ["secrets", "accessKeys", "runs"],
  },
  "aws-region-not-found": {
    title: GUIDE_SECTIONS["aws-region-not-found"],
    guideError: 'The "aws-region" input is required',
    fields: ["variables", "secrets", "runs"],
  },
  "access-denied": {
    title: GUIDE_SECTIONS["access-denied"],
    guideError: "User: arn:aws:iam::123456789:user/github-ecr-push is not authorized to perform...",
    fields: ["user", "policies", "cloudTrail", "runs"],
  },
  "invalid-access-key": {
    title: GUIDE_SECTIONS["invalid-access-key"],
    guideError: "The AWS Access Key Id you provided does not exist",
    fields: ["accessKeys", "secrets", "cloudTrail", "runs"],
  },
  "secret-access-key-not-found": {
    title: GUIDE_SECTIONS["secret-access-key-not-found"],
    guideError: "The Security Token included in the request is invalid",
    fields: ["secrets", "cloudTrail", "runs"],
  },
  "repository-creation-failed": {
    title: GUIDE_SECTIONS["repository-creation-failed"],
    guideError: "AccessDenied: User is not authorized to perform: ecr:CreateRepository",
    fields: ["policies", "variables", "cloudTrail", "runs"],
  },
  "image-not-found": {
    title: GUIDE_SECTIONS["image-not-found"],
    guideError: "After successful workflow run, images not appearing in ECR",
    fields: ["variables", "ecrRepositories", "runs"],
  },
};

/** Derived views shared by several checks, computed once. */
interface Context {
  snap: PostureSnapshot;
  now: number;
  config: GithubConfigReport | null;
  effective: EffectiveActions | null;
  correlation: SecretCorrelation | null;
}

function failedCallsOf(snap: PostureSnapshot, fields: SnapshotField[]): Failure[] {
  const out: Failure[] = [];
  for (const f of fields) {
    if (f === "ecrRepositories") {
      for (const g of Object.values(snap.ecrRepositories)) if (!g.ok) out.push(g.failure);
    } else {
      const g = snap[f];
      if (!g.ok) out.push(g.failure);
    }
  }
  return out;
}

/**
 * "Could not read X" naming only the reads of `parts` that failed in the snapshot (the secrets, the variables, the
 * push user's access keys), so an unknown check says which call to look at, not "the secrets or the keys".
 */
function couldNotRead(ctx: Context, parts: readonly ("secrets" | "variables" | "keys")[]): string {
  const names = { secrets: "the repository's secrets", variables: "the repository's variables", keys: `${ctx.snap.userName}'s access keys` };
  const failed = parts.filter((p) => !(p === "keys" ? ctx.snap.accessKeys : ctx.snap[p]).ok).map((p) => names[p]);
  return `Could not read ${(failed.length > 0 ? failed : parts.map((p) => names[p])).join(" and ")}`;
}

function hitLine(h: RunLogHit): string {
  return `run #${h.runId} (${h.conclusion ?? "running"}), ${h.job} → ${h.step}: ${h.line}`;
}

function result(id: CheckId, ctx: Context, status: CheckStatus, summary: string, evidence: string[]): CheckResult {
  const meta = META[id];
  const failedCalls = failedCallsOf(ctx.snap, meta.fields);
  const apiCalls = meta.fields.flatMap((f) => [...SNAPSHOT_CALLS[f]]);
  return {
    id,
    title: meta.title,
    guideError: meta.guideError,
    status,
    summary,
    evidence: [...evidence, ...failedCalls.map((f) => f.message)],
    apiCalls: [...new Set(apiCalls)],
    failedCalls,
    fixSteps: FIX_STEPS[id],
  };
}

function runHits(ctx: Context, section: GuideSectionId): RunLogHit[] {
  return ctx.snap.runs.ok ? scanFailingRuns(ctx.snap.runs.data, [section]) : [];
}

function repositoryRegions(snap: PostureSnapshot): string[] | null {
  const entries = Object.entries(snap.ecrRepositories);
  if (entries.length === 0 || entries.some(([, g]) => !g.ok)) return null;
  return entries.filter(([, g]) => g.ok && g.data.length > 0).map(([r]) => r);
}

function checkCredentialError(ctx: Context): CheckResult {
  const id: CheckId = "credential-error";
  const fails: string[] = [];
  const notes: string[] = [];
  if (ctx.config) {
    for (const f of ctx.config.findings) {
      if (f.code === "secret-missing" || f.code === "secret-near-miss") fails.push(f.message);
      if (f.code === "secret-present") notes.push(f.message);
    }
  }
  const keys = ctx.snap.accessKeys;
  if (keys.ok) {
    const j = judgeAccessKeys({ keys: keys.data, now: new Date(ctx.now), rotationInProgress: ctx.snap.rotationInProgress });
    for (const f of j.account) if (f.code === "no-keys" || f.code === "no-active-key") fails.push(f.message);
    const held = ctx.correlation?.flags.find((f) => f.code === "held-key-inactive");
    if (held) fails.push(held.message);
    else notes.push(`${j.keys.filter((k) => k.active).length} active key(s)`);
  }
  const hits = runHits(ctx, "credential-error");
  fails.push(...hits.map(hitLine));
  if (fails.length > 0) return result(id, ctx, "fail", fails[0], fails);
  if (!ctx.config || !keys.ok) return result(id, ctx, "unknown", couldNotRead(ctx, ["secrets", "variables", "keys"]), notes);
  return result(id, ctx, "pass", "Both secrets exist with exact names and an active key exists", notes);
}

function checkRegion(ctx: Context): CheckResult {
  const id: CheckId = "aws-region-not-found";
  const fails: string[] = [];
  const notes: string[] = [];
  if (ctx.config) {
    for (const f of ctx.config.findings) {
      if (!f.code.startsWith("region-") || f.code === "region-mismatch") continue;
      if (f.severity === "fail") fails.push(f.message);
      else notes.push(f.message);
    }
  }
  fails.push(...runHits(ctx, "aws-region-not-found").map(hitLine));
  if (fails.length > 0) return result(id, ctx, "fail", fails[0], fails);
  if (!ctx.config) return result(id, ctx, "unknown", couldNotRead(ctx, ["secrets", "variables"]), notes);
  return result(id, ctx, "pass", `AWS_REGION is set as a variable (${ctx.config.region})`, notes);
}

function recentDeniedEvents(ctx: Context, sinceMs: number) {
  if (!ctx.snap.cloudTrail.ok) return [];
  return ctx.snap.cloudTrail.data.filter((e) => {
    const at = toEpochMs(e.time);
    return at !== null && at >= sinceMs && e.errorCode !== null && explainErrorCode(e.errorCode).section === "access-denied";
  });
}

function checkAccessDenied(ctx: Context): CheckResult {
  const id: CheckId = "access-denied";
  const evidence: string[] = [];
  if (ctx.snap.user.ok && ctx.snap.user.data === null) {
    return result(id, ctx, "fail", `IAM user ${ctx.snap.userName} does not exist`, [`iam:GetUser says ${ctx.snap.userName} does not exist (NoSuchEntity): create it (guide Step 1)`]);
  }
  const hits = runHits(ctx, "access-denied");
  const denied = recentDeniedEvents(ctx, ctx.now - 7 * 86_400_000);
  for (const e of denied.slice(0, 5)) evidence.push(`CloudTrail ${e.time}: ${e.eventName} → ${e.errorCode}${e.errorMessage ? ` (${e.errorMessage})` : ""}`);

  if (ctx.effective) {
    const missing = findMissingPushActions(ctx.effective);
    if (ctx.effective.errors.length > 0) {
      evidence.push(...ctx.effective.errors.map((e) => `Could not read ${e.source.policyName}: ${e.error.message}`));
    }
    const definite = missing.filter((m) => m.status === "not-allowed" || m.status === "denied");
    if (definite.length > 0) {
      const lines = missing.map((m) => m.reason);
      const names = definite.map((m) => m.action).join(", ");
      // An unreadable document might hold the missing grant; an explicit Deny cannot be undone by one.
      const status: CheckStatus = ctx.effective.errors.length > 0 && definite.every((m) => m.status === "not-allowed") ? "unknown" : "fail";
      return result(id, ctx, status, `The policy does not allow ${names}: pushes fail`, [...lines, ...hits.map(hitLine), ...evidence]);
    }
    if (missing.length > 0) {
      const names = missing.map((m) => m.action).join(", ");
      return result(id, ctx, hits.length > 0 ? "fail" : "unknown", `${names} allowed only under conditions: pushes fail when they do not hold`, [
        ...missing.map((m) => m.reason),
        ...hits.map(hitLine),
        ...evidence,
      ]);
    }
    const stillDenied = hits.filter((h) => h.action && !ctx.effective!.allowed.includes(h.action));
    if (stillDenied.length > 0) {
      return result(id, ctx, "fail", `A recent run was denied ${stillDenied[0].action}`, [...stillDenied.map(hitLine), ...evidence]);
    }
    const note = hits.length > 0 || denied.length > 0 ? ["Earlier denials are no longer explained by the policy: it now allows every action pushes need"] : [];
    return result(id, ctx, "pass", "The policy allows every action the workflow needs", [...note, ...evidence]);
  }
  if (hits.length > 0) {
    return result(id, ctx, "fail", `A recent run was denied ${hits[0].action ?? "an action"}`, [...hits.map(hitLine), ...evidence]);
  }
  return result(id, ctx, "unknown", "Could not read the user's policies", evidence);
}

function checkInvalidAccessKey(ctx: Context): CheckResult {
  const id: CheckId = "invalid-access-key";
  const fails: string[] = [];
  const notes: string[] = [];
  const c = ctx.correlation;
  if (c) {
    for (const f of c.flags) if ((f.code === "deleted-key" || f.code === "no-consistent-key") && f.severity === "fail") fails.push(f.message);
    if (c.mostLikely && c.mostLikely.inIam) {
      notes.push(`GitHub most likely holds ${c.mostLikely.accessKeyId} (${c.mostLikely.level} confidence), which exists`);
      notes.push(...c.mostLikely.evidence);
    }
  }
  if (ctx.snap.accessKeys.ok && ctx.snap.accessKeys.data.length === 0) fails.push(`${ctx.snap.userName} has no access keys at all`);
  fails.push(...runHits(ctx, "invalid-access-key").map(hitLine));
  if (fails.length > 0) return result(id, ctx, "fail", fails[0], [...fails, ...notes]);
  if (!c || !ctx.snap.accessKeys.ok) return result(id, ctx, "unknown", couldNotRead(ctx, ["secrets", "keys"]), notes);
  return result(id, ctx, "pass", "The key GitHub holds exists in IAM", notes);
}

function checkSecretKey(ctx: Context): CheckResult {
  const id: CheckId = "secret-access-key-not-found";
  const fails: string[] = [];
  const notes: string[] = [];
  const mismatch = ctx.correlation?.flags.find((f) => f.code === "secret-pair-mismatch");
  if (mismatch) fails.push(mismatch.message);
  fails.push(...runHits(ctx, "secret-access-key-not-found").map(hitLine));
  if (ctx.snap.cloudTrail.ok) {
    const written = toEpochMs(ctx.correlation?.secretWrittenAt ?? null) ?? 0;
    const sig = ctx.snap.cloudTrail.data.filter((e) => {
      const at = toEpochMs(e.time);
      return at !== null && at >= written && e.errorCode !== null && explainErrorCode(e.errorCode).section === "secret-access-key-not-found" && isGithubActionsUserAgent(e.userAgent);
    });
    if (sig.length > 0) fails.push(`${sig.length} call(s) from GitHub Actions with a wrong signature (${sig[0].errorCode}) since the secrets were written, last ${sig[sig.length - 1].time}`);
  }
  if (fails.length > 0) return result(id, ctx, "fail", fails[0], fails);
  if (!ctx.snap.secrets.ok) return result(id, ctx, "unknown", couldNotRead(ctx, ["secrets"]), notes);
  notes.push("GitHub never returns secret values; both secrets were written together and no signature errors were seen");
  return result(id, ctx, "pass", "No sign of a secret access key that does not match its key", notes);
}

function checkRepositoryCreation(ctx: Context): CheckResult {
  const id: CheckId = "repository-creation-failed";
  const fails: string[] = [];
  const notes: string[] = [];
  let createAllowed = false;
  // Allowed only on some repository ARNs: it creates those names and no others.
  let scopedTo: string[] | null = null;
  if (ctx.effective) {
    const v = ctx.effective.byAction["ecr:CreateRepository"];
    createAllowed = v.status === "allowed" || v.status === "allowed-scoped";
    if (v.status === "allowed-scoped") scopedTo = [...new Set(v.grants.filter((g) => g.condition === null && g.effect === "Allow").flatMap((g) => (g.resourceMode === "Resource" ? g.resources : [`anything but ${g.resources.join(", ")}`])))];
    if (createAllowed) notes.push(`ecr:CreateRepository: ${v.reason}`);
    else if (v.status === "not-allowed" || v.status === "denied") fails.push(`ecr:CreateRepository is not allowed: ${v.reason}`);
    else notes.push(`ecr:CreateRepository: ${v.reason}`);
  }
  fails.push(...runHits(ctx, "repository-creation-failed").map(hitLine));
  if (ctx.snap.cloudTrail.ok) {
    const bad = ctx.snap.cloudTrail.data.filter((e) => e.eventName === "CreateRepository" && e.errorCode !== null && !explainErrorCode(e.errorCode).benign);
    const newest = bad.sort((a, b) => (toEpochMs(b.time) ?? 0) - (toEpochMs(a.time) ?? 0))[0];
    if (newest) {
      const line = `CloudTrail ${newest.time}: CreateRepository → ${newest.errorCode}: ${explainErrorCode(newest.errorCode!).explanation}`;
      // A denial the current policy no longer explains is history, not the present state.
      if (createAllowed && explainErrorCode(newest.errorCode!).section === "access-denied") notes.push(`${line} (the policy allows it now)`);
      else fails.push(line);
    }
  }
  if (fails.length > 0) return result(id, ctx, "fail", fails[0], [...fails, ...notes]);
  // An unusable AWS_REGION is one cause with its own check: here it only means creation cannot be judged (where would
  // the workflow create?), not a second red finding for the same fix.
  const region = ctx.config?.findings.find((f) => f.code === "region-invalid" || f.code === "region-variable-missing" || f.code === "region-is-secret");
  if (region && region.severity === "fail") return result(id, ctx, "unknown", `Depends on AWS_REGION, which is not usable: fix AWS_REGION Not Found first (${region.message})`, notes);
  // Nor when AWS_REGION could not be read at all: a pass would vouch for a region nobody saw.
  if (!ctx.config) return result(id, ctx, "unknown", "Depends on AWS_REGION, which could not be read (the repository's variables and secrets)", notes);
  if (!ctx.effective) return result(id, ctx, "unknown", "Could not read the user's policies", notes);
  if (scopedTo) return result(id, ctx, "pass", `The workflow can create missing repositories only where ecr:CreateRepository is granted: ${scopedTo.join(", ")}; any other name fails with AccessDenied`, notes);
  return result(id, ctx, "pass", "The workflow can create missing repositories", notes);
}

function checkImageNotFound(ctx: Context): CheckResult {
  const id: CheckId = "image-not-found";
  const region = ctx.config?.region ?? null;
  const evidence: string[] = [];
  if (!ctx.config) return result(id, ctx, "unknown", "Could not read AWS_REGION", evidence);
  // One cause, one red finding: AWS_REGION Not Found fails for it; where images go cannot be judged until it is fixed.
  if (!region) return result(id, ctx, "unknown", "AWS_REGION is not a usable region, so where images go cannot be judged: fix AWS_REGION Not Found first", evidence);

  const runs = ctx.snap.runs.ok ? sortRunsNewestFirst(ctx.snap.runs.data) : [];
  const latest = runs.find((r) => r.conclusion !== null);
  if (latest && latest.conclusion !== "success") {
    evidence.push(`The latest workflow run #${latest.id} ended ${latest.conclusion}: images from it were not pushed`);
  }
  const lastSuccess = runs.find((r) => r.conclusion === "success");
  if (lastSuccess) {
    const skipped = findSkippedPushes(lastSuccess);
    if (skipped.length > 0) evidence.push(`Run #${lastSuccess.id} skipped the push because the digest matched \`latest\` (this is normal): ${skipped[0].line}`);
  }

  const here = ctx.snap.ecrRepositories[region];
  if (!here || !here.ok) {
    return result(id, ctx, "unknown", here ? `Could not list ECR repositories in ${region}` : `ECR repositories in ${region} were not listed`, evidence);
  }
  const others = Object.entries(ctx.snap.ecrRepositories).filter(([r, g]) => r !== region && g.ok && g.data.length > 0).map(([r]) => r);
  const withImages = here.data.filter((r) => r.hasImages);
  if (withImages.length > 0) {
    const pushes = withImages.map((r) => toEpochMs(r.latestPushedAt ?? null)).filter((x): x is number => x !== null);
    const lastPush = pushes.length ? new Date(Math.max(...pushes)).toISOString() : null;
    evidence.unshift(`${withImages.length} of ${here.data.length} repositories in ${region} hold images${lastPush ? `, latest push ${lastPush}` : ""}`);
    if (others.length > 0) evidence.push(`Repositories also exist in ${others.join(", ")}`);
    return result(id, ctx, "pass", `Images are in ${region}, the region AWS_REGION names`, evidence);
  }
  if (others.length > 0) {
    return result(id, ctx, "fail", `No images in ${region} (AWS_REGION), but repositories exist in ${others.join(", ")}: the regions do not match`, evidence);
  }
  if (lastSuccess) {
    return result(id, ctx, "fail", `Run #${lastSuccess.id} succeeded but ${region} has no images`, evidence);
  }
  return result(id, ctx, "unknown", `No images in ${region} yet and no successful run to expect them from`, evidence);
}

/** Run every Troubleshooting check over one snapshot. */
export function runDoctorChecks(snap: PostureSnapshot): CheckResult[] {
  const now = toEpochMs(snap.now);
  if (now === null) throw new TypeError("runDoctorChecks: snapshot.now is not a valid time");
  const config =
    snap.secrets.ok && snap.variables.ok
      ? checkGithubConfig({ secrets: snap.secrets.data, variables: snap.variables.data, repositoryRegions: repositoryRegions(snap) })
      : null;
  const effective = snap.policies.ok ? computeEffectiveActions(snap.policies.data) : null;
  const correlation =
    snap.secrets.ok && snap.accessKeys.ok
      ? correlateSecretKey({
          secrets: snap.secrets.data,
          keys: snap.accessKeys.data,
          events: snap.cloudTrail.ok ? snap.cloudTrail.data : [],
          runs: snap.runs.ok ? snap.runs.data : [],
          now: new Date(now),
          ownUses: snap.ownKeyActivity?.uses,
          ownWrites: snap.ownKeyActivity?.writes,
        })
      : null;
  const ctx: Context = { snap, now, config, effective, correlation };
  return [
    checkCredentialError(ctx),
    checkRegion(ctx),
    checkAccessDenied(ctx),
    checkInvalidAccessKey(ctx),
    checkSecretKey(ctx),
    checkRepositoryCreation(ctx),
    checkImageNotFound(ctx),
  ];
}
