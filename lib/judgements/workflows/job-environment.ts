// Which deployment environment the ECR job runs in, from the workflow file: the job with the
// aws-actions/configure-aws-credentials step, its `environment:` (a name, or `{ name, url }`). GitHub docs,
// "Workflow syntax: jobs.<job_id>.environment". The environment's secrets and variables are what that job sees first.

import YAML from "yaml";

export type JobEnvironment =
  | { kind: "none" }
  | { kind: "named"; name: string; job: string }
  /** An expression (`${{ inputs.env }}`): which environment depends on the run. */
  | { kind: "dynamic"; expression: string; job: string }
  | { kind: "unparsable" };

export function ecrJobEnvironment(workflowYaml: string): JobEnvironment {
  let doc: unknown;
  try {
    doc = YAML.parse(workflowYaml);
  } catch {
    return { kind: "unparsable" };
  }
  const jobs = doc && typeof doc === "object" ? (doc as { jobs?: unknown }).jobs : undefined;
  if (!jobs || typeof jobs !== "object") return { kind: "unparsable" };
  for (const [job, def] of Object.entries(jobs as Record<string, unknown>)) {
    const d = (def ?? {}) as { steps?: unknown; environment?: unknown };
    const steps = Array.isArray(d.steps) ? d.steps : [];
    const configures = steps.some((s) => typeof (s as { uses?: unknown })?.uses === "string" && (s as { uses: string }).uses.startsWith("aws-actions/configure-aws-credentials@"));
    if (!configures) continue;
    const env = d.environment;
    const name = typeof env === "string" ? env : env && typeof env === "object" && typeof (env as { name?: unknown }).name === "string" ? (env as { name: string }).name : null;
    if (name === null || name.trim() === "") return { kind: "none" };
    if (name.includes("${{")) return { kind: "dynamic", expression: name, job };
    return { kind: "named", name: name.trim(), job };
  }
  return { kind: "none" };
}
