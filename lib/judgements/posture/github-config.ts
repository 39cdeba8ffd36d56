// The guide's Step 4 as checks: two secrets with exactly these names, AWS_REGION as a variable (not a
// secret) naming a real region where the repositories are. Near-misses get named, because "the secret is
// there" is what people believe when the workflow says credentials are missing.

import type { GithubSecretInfo, GithubVariableInfo } from "./types";
import type { Severity } from "./key-verdicts";

export const SECRET_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
export const REGION_VARIABLE = "AWS_REGION";

const ALIASES: Record<string, string[]> = {
  AWS_ACCESS_KEY_ID: ["AWS_ACCESS_KEY", "AWS_KEY_ID", "AWS_ACCESS_ID", "ACCESS_KEY_ID", "AWS_ACCESSKEY_ID", "AWS_ACCESS_KEY_IDS"],
  AWS_SECRET_ACCESS_KEY: ["AWS_SECRET_KEY", "AWS_SECRET", "AWS_SECRET_KEY_ID", "SECRET_ACCESS_KEY", "AWS_ACCESS_SECRET", "AWS_SECRET_ACCESS", "AWS_SECRET_ACCESS_KEY_ID"],
  AWS_REGION: ["AWS_DEFAULT_REGION", "REGION", "AWS_REGION_NAME", "ECR_REGION", "AWS_ECR_REGION"],
};

// Region codes: partition prefix, optional isolated/gov marker, direction, number ("us-gov-west-1").
const REGION_RE = /^[a-z]{2}(-(gov|iso|isob|isoe|isof))?-[a-z]+-\d{1,2}$/;

export function isValidRegionCode(value: string): boolean {
  return REGION_RE.test(value);
}

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Why `name` looks like a botched `target`, or null when it does not. */
export function describeNearMiss(name: string, target: string): string | null {
  if (name === target) return null;
  const upper = name.toUpperCase();
  if (name.trim() !== name && name.trim().toUpperCase() === target) return "has surrounding whitespace";
  if (upper === target) return "differs only in letter case";
  const squash = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (squash(name) === squash(target)) return "differs in separators";
  if (ALIASES[target]?.includes(upper.trim())) return "is a common alternative name";
  if (levenshtein(upper.trim(), target) <= 2) return "is a likely typo";
  return null;
}

export interface ConfigFinding {
  code:
    | "secret-present"
    | "secret-missing"
    | "secret-near-miss"
    | "secret-not-repository"
    | "secret-unverified"
    | "region-ok"
    | "region-variable-missing"
    | "region-unverified"
    | "region-is-secret"
    | "region-near-miss"
    | "region-invalid"
    | "region-mismatch"
    | "region-no-repositories";
  severity: Severity;
  name: string;
  message: string;
}

export interface GithubConfigReport {
  ok: boolean;
  findings: ConfigFinding[];
  /** The AWS_REGION variable's value when it is a valid region code. */
  region: string | null;
}

function closestTarget(name: string, targets: readonly string[]): { target: string; why: string } | null {
  let best: { target: string; why: string; d: number } | null = null;
  for (const target of targets) {
    const why = describeNearMiss(name, target);
    if (!why) continue;
    const d = levenshtein(name.trim().toUpperCase(), target);
    if (!best || d < best.d) best = { target, why, d };
  }
  return best;
}

/**
 * Check the repository's Actions configuration. `repositoryRegions` lists the regions that hold the ECR
 * repositories (null when unknown, e.g. DescribeRepositories failed).
 */
export function checkGithubConfig(input: {
  secrets: readonly GithubSecretInfo[];
  variables: readonly GithubVariableInfo[];
  repositoryRegions: readonly string[] | null;
  /**
   * Scopes whose lists could not be read (resolveScopes' `unreadable`): a name missing from what was read may be
   * set there, so it is "not verified" (warn), not "missing" (fail).
   */
  unreadable?: ReadonlyArray<{ scope: string; kind: "secret" | "variable"; reason: string }>;
}): GithubConfigReport {
  const unreadable = (kind: "secret" | "variable") => (input.unreadable ?? []).filter((u) => u.kind === kind);
  const unverified = (kind: "secret" | "variable") => unreadable(kind).map((u) => `the ${u.scope} ${kind}s could not be read (${u.reason})`).join("; ");
  const findings: ConfigFinding[] = [];
  const secretNames = input.secrets.map((s) => s.name);

  for (const target of SECRET_NAMES) {
    // GitHub treats secret and variable names case-insensitively and stores them upper-case
    // (docs.github.com, "Naming your secrets"): a lower-case spelling is the same name.
    const exact = input.secrets.find((s) => s.name.toUpperCase() === target);
    if (exact) {
      if (exact.scope && exact.scope !== "repository") {
        const where = exact.scope === "environment" && exact.environment ? `the ${exact.environment} environment's` : `an ${exact.scope}`;
        findings.push({ code: "secret-not-repository", severity: "info", name: target, message: `${target} is ${where} secret, not a repository secret; it works only where that scope reaches` });
      }
      findings.push({ code: "secret-present", severity: "ok", name: target, message: `${target} exists as a secret` });
      continue;
    }
    const near = secretNames
      .filter((n) => closestTarget(n, [...SECRET_NAMES, REGION_VARIABLE])?.target === target)
      .map((n) => `"${n}" (${describeNearMiss(n, target)})`);
    if (near.length === 0 && unreadable("secret").length > 0) {
      findings.push({ code: "secret-unverified", severity: "warn", name: target, message: `${target} is not a repository or environment secret, and ${unverified("secret")}: it may be set there` });
      continue;
    }
    findings.push(
      near.length > 0
        ? { code: "secret-near-miss", severity: "fail", name: target, message: `${target} is missing, but ${near.join(", ")} exists: rename it to exactly ${target}` }
        : { code: "secret-missing", severity: "fail", name: target, message: `Secret ${target} is missing: add it under Settings → Secrets and variables → Actions` },
    );
  }

  let region: string | null = null;
  const variable = input.variables.find((v) => v.name.toUpperCase() === REGION_VARIABLE);
  const asSecret = input.secrets.find((s) => s.name === REGION_VARIABLE || describeNearMiss(s.name, REGION_VARIABLE) === "differs only in letter case");
  if (asSecret) {
    findings.push({
      code: "region-is-secret",
      severity: variable ? "warn" : "fail",
      name: REGION_VARIABLE,
      message: variable
        ? `${REGION_VARIABLE} is set both as a variable and as a secret "${asSecret.name}"; the workflow reads the variable, delete the secret`
        : `${REGION_VARIABLE} is set as a Secret, not a Variable: the workflow reads vars.${REGION_VARIABLE} and gets nothing ("The "aws-region" input is required")`,
    });
  }
  if (!variable) {
    const near = input.variables.filter((v) => describeNearMiss(v.name, REGION_VARIABLE));
    if (near.length > 0) {
      findings.push({
        code: "region-near-miss",
        severity: "fail",
        name: REGION_VARIABLE,
        message: `Variable ${REGION_VARIABLE} is missing, but ${near.map((v) => `"${v.name}" (${describeNearMiss(v.name, REGION_VARIABLE)})`).join(", ")} exists: rename it to exactly ${REGION_VARIABLE}`,
      });
    } else if (!asSecret && unreadable("variable").length > 0) {
      findings.push({ code: "region-unverified", severity: "warn", name: REGION_VARIABLE, message: `Variable ${REGION_VARIABLE} is not a repository or environment variable, and ${unverified("variable")}: it may be set there` });
    } else if (!asSecret) {
      findings.push({ code: "region-variable-missing", severity: "fail", name: REGION_VARIABLE, message: `Variable ${REGION_VARIABLE} is missing: add it under Settings → Secrets and variables → Actions → Variables` });
    }
  } else if (!isValidRegionCode(variable.value)) {
    const trimmed = variable.value.trim().toLowerCase();
    const hint = isValidRegionCode(trimmed) ? ` (did you mean "${trimmed}"?)` : "";
    findings.push({
      code: "region-invalid",
      severity: "fail",
      name: REGION_VARIABLE,
      message: `${REGION_VARIABLE} is ${JSON.stringify(variable.value)}, which is not a region code like us-east-1${hint}`,
    });
  } else {
    region = variable.value;
    const regions = input.repositoryRegions;
    if (regions === null) {
      findings.push({ code: "region-ok", severity: "ok", name: REGION_VARIABLE, message: `${REGION_VARIABLE} is ${region} (could not check where the repositories are)` });
    } else if (regions.length === 0) {
      findings.push({ code: "region-no-repositories", severity: "info", name: REGION_VARIABLE, message: `${REGION_VARIABLE} is ${region}; no ECR repositories exist yet in any checked region (the workflow creates them)` });
    } else if (regions.includes(region)) {
      findings.push({ code: "region-ok", severity: "ok", name: REGION_VARIABLE, message: `${REGION_VARIABLE} is ${region}, where the ECR repositories are` });
    } else {
      findings.push({
        code: "region-mismatch",
        severity: "fail",
        name: REGION_VARIABLE,
        message: `${REGION_VARIABLE} is ${region}, but the ECR repositories are in ${[...regions].sort().join(", ")}: images go to ${region}, where nobody looks`,
      });
    }
  }
  return { ok: findings.every((f) => f.severity !== "fail"), findings, region };
}
