// How the ECR workflow signs in to AWS, read from its aws-actions/configure-aws-credentials step (README, "Options":
// `aws-access-key-id`/`aws-secret-access-key`, or `role-to-assume` with GitHub's ID token, `audience` defaulting to
// sts.amazonaws.com) and the job's permissions (GitHub docs, "Assigning permissions to jobs": job-level permissions
// replace the workflow's; a job gets an ID token only with `id-token: write`, which `write-all` includes). The action
// uses OIDC only when role-to-assume is set and no access key input is (src/index.ts, useGitHubOIDCProvider).
// Repository content is hostile: size-capped, never throws.

import YAML, { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import { STS_AUDIENCE } from "./github-oidc";

const MAX_BYTES = 256 * 1024;

export type WorkflowCredentials =
  | {
      kind: "role";
      job: string;
      /** As written (may be an expression such as `${{ secrets.ROLE_ARN }}`). */
      roleToAssume: string;
      /** The audience the action asks GitHub for. */
      audience: string;
      /** The job may request an ID token (job permissions, else the workflow's). */
      idTokenWrite: boolean;
      /** Where the permissions that decide it are written, in words ("job build: contents: read"). */
      permissions: string;
    }
  | { kind: "key"; job: string }
  | { kind: "none"; reason: string };

function describePermissions(p: unknown): string {
  if (p === undefined || p === null) return "none written (the repository's default token permissions, which never include id-token: write)";
  if (isScalar(p)) return String(p.value);
  if (isMap(p)) return p.items.map((i) => `${isScalar(i.key) ? String(i.key.value) : "?"}: ${isScalar(i.value) ? String(i.value.value) : "?"}`).join(", ") || "{} (none)";
  return "unreadable";
}

function grantsIdToken(p: unknown): boolean {
  if (isScalar(p)) return p.value === "write-all";
  return isMap(p) && p.get("id-token") === "write";
}

/** Texts classified, kept by text (bounded; oldest dropped first). */
const classified = new Map<string, Readonly<WorkflowCredentials>>();
const CLASSIFIED_MAX = 200;
/** Larger texts are classified each time rather than kept (200 kept texts stay within a few MB). */
const CLASSIFIED_TEXT_MAX = 16 * 1024;

/**
 * The first job with a configure-aws-credentials step, classified. Pure; never throws. Once per distinct text: a
 * fleet's repositories mostly hold the same workflow (one template copied), and parsing its YAML again for each of 200
 * repositories was a tenth of a cold Fleet read's CPU. The answer is frozen, as it is shared.
 */
export function readWorkflowCredentials(text: string): WorkflowCredentials {
  if (text.length > CLASSIFIED_TEXT_MAX) return classify(text);
  const known = classified.get(text);
  if (known) return known;
  const answer = Object.freeze(classify(text));
  if (classified.size >= CLASSIFIED_MAX) classified.delete(classified.keys().next().value!);
  classified.set(text, answer);
  return answer;
}

function classify(text: string): WorkflowCredentials {
  if (Buffer.byteLength(text, "utf8") > MAX_BYTES) return { kind: "none", reason: `the workflow file is larger than ${MAX_BYTES / 1024} KB` };
  let doc: YAML.Document;
  try {
    doc = YAML.parseDocument(text);
  } catch {
    return { kind: "none", reason: "the workflow file is not YAML" };
  }
  if (doc.errors.length > 0) return { kind: "none", reason: "the workflow file is not YAML" };
  const jobs = doc.get("jobs");
  if (!isMap(jobs)) return { kind: "none", reason: "the workflow file has no jobs" };
  for (const pair of jobs.items) {
    const job = pair.value;
    if (!isMap(job)) continue;
    const steps = job.get("steps");
    if (!isSeq(steps)) continue;
    const step = steps.items.find((s): s is YAMLMap => isMap(s) && typeof s.get("uses") === "string" && String(s.get("uses")).trim().startsWith("aws-actions/configure-aws-credentials@"));
    if (!step) continue;
    const jobName = isScalar(pair.key) ? String(pair.key.value) : "job";
    const inputs = step.get("with");
    const input = (k: string) => (isMap(inputs) && inputs.get(k) !== undefined && inputs.get(k) !== null ? String(inputs.get(k)).trim() : "");
    const role = input("role-to-assume");
    if (!role || input("aws-access-key-id")) return { kind: "key", job: jobName };
    const jobPermissions = job.get("permissions", true);
    const decides = jobPermissions !== undefined ? jobPermissions : doc.get("permissions", true);
    const where = jobPermissions !== undefined ? `job ${jobName}` : "the workflow";
    return { kind: "role", job: jobName, roleToAssume: role, audience: input("audience") || STS_AUDIENCE, idTokenWrite: grantsIdToken(decides), permissions: `${where}: ${describePermissions(decides)}` };
  }
  return { kind: "none", reason: "no step uses aws-actions/configure-aws-credentials" };
}

/**
 * The role name `role-to-assume` names, when it is written literally: a role ARN (`arn:aws:iam::123456789012:role/
 * path/NAME`, any partition) or a bare role name (the action then builds the ARN in the caller's account). Null for an
 * expression (`${{ secrets.ROLE }}`: its value is not in the file) or anything that is not a valid IAM role name
 * (IAM API reference, CreateRole: RoleName `[\w+=,.@-]+`, 1–64 characters).
 */
export function namedRoleName(roleToAssume: string): string | null {
  const v = roleToAssume.trim();
  if (v.includes("${{")) return null;
  const arn = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(v);
  if (arn) return arn[1];
  return /^[\w+=,.@-]{1,64}$/.test(v) ? v : null;
}
