// The ECR workflow's change from the access key to the role: in the job that configures AWS credentials,
// `permissions: id-token: write` (GitHub docs, "Adding permissions settings": a job without it gets no ID token;
// setting job permissions drops the unlisted ones to none, so `contents: read` is kept for actions/checkout), and on
// the aws-actions/configure-aws-credentials step `role-to-assume` in place of the two secrets, the region from the
// AWS_REGION variable (configure-aws-credentials README, "OIDC"). Comments and layout elsewhere are kept (yaml's
// Document API edits the parsed tree in place).

import YAML, { isMap, isScalar, isSeq, type Document, type YAMLMap } from "yaml";

export interface WorkflowChange {
  ok: true;
  text: string;
  /** What changed, in the operator's words, one per edit. */
  changes: string[];
  diff: DiffLine[];
}

export type WorkflowChangeResult = WorkflowChange | { ok: false; reason: string };

export interface DiffLine {
  kind: "same" | "add" | "remove";
  text: string;
}

const KEY_INPUTS = ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"];

function configureStep(job: YAMLMap): YAMLMap | null {
  const steps = job.get("steps");
  if (!isSeq(steps)) return null;
  for (const s of steps.items) {
    if (!isMap(s)) continue;
    const uses = s.get("uses");
    if (typeof uses === "string" && uses.startsWith("aws-actions/configure-aws-credentials@")) return s;
  }
  return null;
}

/**
 * Rewrite the workflow for `roleArn`. Refuses (ok: false, with the reason) when the file is not YAML or has no job
 * configuring AWS credentials. Idempotent: a workflow already on the role comes back unchanged with no changes.
 */
export function planWorkflowChange(workflowYaml: string, roleArn: string): WorkflowChangeResult {
  // Hostile content: a huge file would make the line diff quadratic; no real workflow is this large.
  if (workflowYaml.length > 100_000 || workflowYaml.split("\n").length > 3000) return { ok: false, reason: "The workflow file is too large to rewrite (over 100 kB or 3000 lines)." };
  let doc: Document;
  try {
    doc = YAML.parseDocument(workflowYaml);
  } catch {
    return { ok: false, reason: "The workflow file is not valid YAML." };
  }
  if (doc.errors.length > 0) return { ok: false, reason: `The workflow file is not valid YAML (${doc.errors[0].message.split("\n")[0]}).` };
  const jobs = doc.get("jobs");
  if (!isMap(jobs)) return { ok: false, reason: "The workflow file has no jobs." };
  const changes: string[] = [];
  let found = false;
  for (const pair of jobs.items) {
    const job = pair.value;
    if (!isMap(job)) continue;
    const step = configureStep(job);
    if (!step) continue;
    found = true;
    const jobName = isScalar(pair.key) ? String(pair.key.value) : "job";
    const permissions: unknown = job.get("permissions", true);
    if (isScalar(permissions) || permissions === undefined) {
      const was = isScalar(permissions) ? String(permissions.value) : null;
      job.set("permissions", doc.createNode({ contents: "read", "id-token": "write" }));
      changes.push(was ? `Job "${jobName}": permissions "${was}" replaced by contents: read and id-token: write (a job needs id-token: write to ask GitHub for an ID token).` : `Job "${jobName}": permissions contents: read and id-token: write (id-token: write lets the job ask GitHub for an ID token; listing permissions drops the others, so contents: read keeps actions/checkout working).`);
    } else if (isMap(permissions) && permissions.get("id-token") !== "write") {
      permissions.set("id-token", "write");
      changes.push(`Job "${jobName}": id-token: write added to its permissions (without it the job cannot ask GitHub for an ID token).`);
    }
    let withMap: unknown = step.get("with", true);
    if (!isMap(withMap)) {
      step.set("with", doc.createNode({}));
      withMap = step.get("with", true);
    }
    const w = withMap as YAMLMap;
    for (const k of KEY_INPUTS) {
      if (w.has(k)) {
        w.delete(k);
        changes.push(`Step "configure-aws-credentials": ${k} removed (the key's secret is no longer used).`);
      }
    }
    if (w.get("role-to-assume") !== roleArn) {
      w.delete("role-to-assume");
      w.items.unshift(doc.createPair("role-to-assume", roleArn));
      changes.push(`Step "configure-aws-credentials": role-to-assume ${roleArn} (the action exchanges the run's ID token for the role's temporary credentials).`);
    }
    if (w.get("aws-region") !== "${{ vars.AWS_REGION }}") {
      w.set("aws-region", "${{ vars.AWS_REGION }}");
      changes.push('Step "configure-aws-credentials": aws-region from the AWS_REGION variable.');
    }
  }
  if (!found) return { ok: false, reason: "No job uses aws-actions/configure-aws-credentials." };
  const text = changes.length === 0 ? workflowYaml : doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return { ok: true, text, changes, diff: lineDiff(workflowYaml, text) };
}

/** A line diff (longest common subsequence), enough for a workflow file of a few hundred lines. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: "remove", text: a[i++] });
    else out.push({ kind: "add", text: b[j++] });
  }
  while (i < n) out.push({ kind: "remove", text: a[i++] });
  while (j < m) out.push({ kind: "add", text: b[j++] });
  return out;
}
