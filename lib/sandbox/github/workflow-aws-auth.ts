import YAML from "yaml";

/**
 * How a workflow's job authenticates to AWS, read from its configure-aws-credentials step (aws-actions/configure-aws-
 * credentials inputs: aws-access-key-id / aws-secret-access-key, or role-to-assume with an OIDC token when the job may
 * request one) and the job's `permissions` (job-level replaces workflow-level; `id-token: write` or `write-all`
 * grant the token, GitHub docs "Assigning permissions to jobs") and `environment`.
 */
export interface WorkflowAwsAuth {
  jobName: string;
  /** `with:` inputs as written, `${{ secrets.X }}` / `${{ vars.X }}` resolved (other expressions become ""). */
  inputs: Record<string, string>;
  idTokenWrite: boolean;
  environment?: string;
}

type Lookup = (kind: "secrets" | "vars", name: string) => string | undefined;

/** `${{ secrets.NAME }}` and `${{ vars.NAME }}` as Actions evaluates them: a missing one is the empty string. */
export function resolveExpressions(value: string, lookup: Lookup): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    const ref = /^(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    return ref ? (lookup(ref[1] as "secrets" | "vars", ref[2]) ?? "") : "";
  });
}

function grantsIdToken(permissions: unknown): boolean | undefined {
  if (permissions === undefined) return undefined;
  if (permissions === "write-all") return true;
  if (!permissions || typeof permissions !== "object") return false;
  return (permissions as Record<string, unknown>)["id-token"] === "write";
}

/** The first job with a configure-aws-credentials step, or undefined (also for YAML that does not parse). */
export function readWorkflowAwsAuth(workflowYaml: string, lookup: Lookup): WorkflowAwsAuth | undefined {
  let doc: { permissions?: unknown; jobs?: Record<string, { permissions?: unknown; environment?: unknown; steps?: Array<{ uses?: unknown; with?: Record<string, unknown> }> }> };
  try {
    doc = YAML.parse(workflowYaml) ?? {};
  } catch {
    return undefined;
  }
  for (const [jobName, job] of Object.entries(doc.jobs ?? {})) {
    const step = (job?.steps ?? []).find((s) => typeof s?.uses === "string" && s.uses.startsWith("aws-actions/configure-aws-credentials@"));
    if (!step) continue;
    const inputs: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = resolveExpressions(String(v ?? ""), lookup);
    const env = job.environment;
    const environment = typeof env === "string" ? env : env && typeof env === "object" && typeof (env as { name?: unknown }).name === "string" ? (env as { name: string }).name : undefined;
    return { jobName, inputs, idTokenWrite: grantsIdToken(job.permissions) ?? grantsIdToken(doc.permissions) ?? false, environment: environment ? resolveExpressions(environment, lookup) : undefined };
  }
  return undefined;
}
