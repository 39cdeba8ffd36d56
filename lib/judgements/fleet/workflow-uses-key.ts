// Discovery's test of a repository: does one of its workflows push with the push user's access key? "Uses" means a
// step `uses: aws-actions/configure-aws-credentials@<ref>` whose `with: aws-access-key-id` is the expression
// `${{ secrets.AWS_ACCESS_KEY_ID }}` (the guide's Step 4; configure-aws-credentials README, "Credentials"): the
// repository then holds a key of the push user in that secret. A role (`role-to-assume`, OIDC) or a key under another
// secret name is not the push user's key, so it is not counted.

import YAML, { isMap, isScalar, isSeq } from "yaml";

/** A workflow file larger than this is not read (repository content is hostile; real workflows are a few KB). */
export const MAX_WORKFLOW_BYTES = 256 * 1024;

export type WorkflowKeyUse = { uses: true; job: string } | { uses: false; reason: string };

const KEY_EXPRESSION = /^\$\{\{\s*secrets\.AWS_ACCESS_KEY_ID\s*\}\}$/;

/**
 * Whether the workflow file `text` configures AWS credentials from the AWS_ACCESS_KEY_ID secret, and in which job.
 * Pure; never throws: a file that is too large, not YAML or without jobs answers `uses: false` with the reason.
 */
export function workflowUsesKeySecret(text: string): WorkflowKeyUse {
  if (Buffer.byteLength(text, "utf8") > MAX_WORKFLOW_BYTES) return { uses: false, reason: `the file is larger than ${MAX_WORKFLOW_BYTES / 1024} KB` };
  let doc: unknown;
  try {
    const parsed = YAML.parseDocument(text);
    if (parsed.errors.length > 0) return { uses: false, reason: "the file is not YAML" };
    doc = parsed.contents;
  } catch {
    return { uses: false, reason: "the file is not YAML" };
  }
  const jobs = isMap(doc) ? doc.get("jobs") : null;
  if (!isMap(jobs)) return { uses: false, reason: "the file has no jobs" };
  let withoutKey = false;
  for (const pair of jobs.items) {
    const job = pair.value;
    const steps = isMap(job) ? job.get("steps") : null;
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const uses = step.get("uses");
      if (typeof uses !== "string" || !uses.trim().startsWith("aws-actions/configure-aws-credentials@")) continue;
      const inputs = step.get("with");
      const key = isMap(inputs) ? inputs.get("aws-access-key-id") : null;
      if (typeof key === "string" && KEY_EXPRESSION.test(key.trim())) return { uses: true, job: isScalar(pair.key) ? String(pair.key.value) : String(pair.key) };
      withoutKey = true;
    }
  }
  return { uses: false, reason: withoutKey ? "configure-aws-credentials does not take aws-access-key-id from the AWS_ACCESS_KEY_ID secret" : "no step uses aws-actions/configure-aws-credentials" };
}
