// Which `sub` values the ECR workflow's runs will present to AWS, from the workflow file (hostile input) and the
// repository's OIDC sub-claim customisation. Sources: GitHub docs "OpenID Connect reference" (Example subject
// claims: `repo:O/R:environment:E`, `repo:O/R:pull_request`, `repo:O/R:ref:refs/heads/B`, `…:ref:refs/tags/T`;
// a `:` inside a value is sent as `%3A`), "Customizing the subject claims" (include_claim_keys, `repo`/`context`),
// "Workflow syntax" (on.push.branches/tags/…-ignore filters, `*` not matching `/`, `**` matching anything,
// `?`/`+`/`[]`/`!` pattern characters; jobs.<id>.environment; reusable workflows' `jobs.<id>.uses`).

import YAML from "yaml";
import { GITHUB_OIDC_HOST } from "./github-oidc";

/** The repository's sub-claim template, as GET /repos/{o}/{r}/actions/oidc/customization/sub returns it. */
export interface SubClaimTemplate {
  useDefault: boolean;
  /** Claim keys in order when `useDefault` is false. */
  includeClaimKeys: string[];
  /** `repo:OWNER/REPO` (or GitHub's immutable `repo:OWNER@ID/REPO@ID`), from `sub_claim_prefix` when GitHub sends it. */
  prefix: string;
}

export interface PlannedSubject {
  /** The `sub` value (StringEquals) or IAM wildcard pattern (StringLike). */
  value: string;
  operator: "StringEquals" | "StringLike";
  /** Why a run presents it, in the operator's words. */
  because: string;
  /** Set when the pattern admits more than the workflow's own filter (e.g. `feature/*` also admits `feature/a/b`). */
  widerThanWorkflow?: string;
  /** Set for subjects a reviewer should weigh: a pull request's code can push images under this subject. */
  risk?: string;
}

export interface WorkflowSubjects {
  /** The job that configures AWS credentials (the ECR job), when one was found. */
  job: string | null;
  subjects: PlannedSubject[];
  /** Why no subject, or only part of them, could be derived; each names what to change. */
  problems: string[];
  /** Facts worth saying beside the subjects (reusable workflows, triggers that present no token). */
  notes: string[];
}

export interface SubjectInput {
  workflowYaml: string;
  /** `owner/name` */
  repository: string;
  defaultBranch: string;
  template: SubClaimTemplate;
  /** The workflow's path in the repository, for `job_workflow_ref` / `workflow` claims. */
  workflowPath: string;
}

const escapeColons = (v: string) => v.replace(/:/g, "%3A");
const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === "string");

/** One trigger's contexts: the `context` part of the default sub (and the ref, for claims that use it). */
interface RunContext {
  context: string;
  operator: "StringEquals" | "StringLike";
  because: string;
  eventName: string;
  ref: string;
  widerThanWorkflow?: string;
  risk?: string;
}

/**
 * A GitHub filter pattern → an IAM StringLike pattern over the ref's tail. GitHub's `*` stops at `/` but IAM's does
 * not, so `feature/*` is wider in IAM (said). `?`, `+`, `[…]` have no IAM equivalent: the pattern is cut at the
 * first one and ends in `*` (wider, said). Returns null for a negation (`!x`), which a trust policy cannot express.
 */
export function filterToIamPattern(filter: string): { pattern: string; exact: boolean; wider?: string } | null {
  if (filter.startsWith("!")) return null;
  const special = filter.search(/[?+[\]]/);
  if (special >= 0) {
    const pattern = filter.slice(0, special).replace(/\*+$/, "") + "*";
    return { pattern, exact: false, wider: `GitHub's pattern "${filter}" has characters IAM cannot express; "${pattern}" admits more refs` };
  }
  if (!filter.includes("*")) return { pattern: filter, exact: true };
  const pattern = filter.replace(/\*+/g, "*");
  // A lone `*` stops at "/" in GitHub's filter; IAM's `*` does not. `**` means the same in both.
  const wider = /(^|[^*])\*([^*]|$)/.test(filter) ? `GitHub's "*" stops at "/", IAM's does not: "${pattern}" also admits deeper names` : undefined;
  return { pattern, exact: false, wider };
}

function refContexts(kind: "heads" | "tags", filters: string[], ignores: string[] | null, trigger: string): { out: RunContext[]; notes: string[] } {
  const notes: string[] = [];
  const label = kind === "heads" ? "branch" : "tag";
  if (filters.length === 0) {
    const wider = ignores && ignores.length > 0 ? `the workflow's ${kind === "heads" ? "branches" : "tags"}-ignore (${ignores.join(", ")}) cannot be expressed in a trust policy` : undefined;
    return { out: [{ context: `ref:refs/${kind}/*`, operator: "StringLike", because: `${trigger} runs on every ${label}`, eventName: "push", ref: `refs/${kind}/*`, widerThanWorkflow: wider }], notes };
  }
  const out: RunContext[] = [];
  for (const f of filters) {
    const p = filterToIamPattern(f);
    if (!p) {
      notes.push(`The ${label} filter "${f}" excludes refs; a trust policy admits rather than excludes, so it is left out (runs it excludes do not run anyway).`);
      continue;
    }
    const ref = `refs/${kind}/${p.pattern}`;
    out.push({ context: `ref:${escapeColons(ref)}`, operator: p.exact ? "StringEquals" : "StringLike", because: `${trigger} runs for ${label} "${f}"`, eventName: "push", ref, widerThanWorkflow: p.wider });
  }
  return { out, notes };
}

/** The `on:` block as a map of event → config (GitHub accepts a string, a list or a map). */
function triggersOf(on: unknown): Map<string, Record<string, unknown>> | null {
  const map = new Map<string, Record<string, unknown>>();
  if (typeof on === "string") map.set(on, {});
  else if (Array.isArray(on)) {
    for (const e of on) if (typeof e === "string") map.set(e, {});
  } else if (on && typeof on === "object") {
    for (const [k, v] of Object.entries(on)) map.set(k, v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  } else return null;
  return map;
}

function contextsFor(triggers: Map<string, Record<string, unknown>>, defaultBranch: string): { contexts: RunContext[]; notes: string[]; problems: string[] } {
  const contexts: RunContext[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const defaultRef = `refs/heads/${defaultBranch}`;
  for (const [event, cfg] of triggers) {
    if (event === "push") {
      const branches = strings(cfg.branches);
      const tags = strings(cfg.tags);
      const branchIgnores = strings(cfg["branches-ignore"]);
      const tagIgnores = strings(cfg["tags-ignore"]);
      const hasBranchFilter = cfg.branches !== undefined || cfg["branches-ignore"] !== undefined;
      const hasTagFilter = cfg.tags !== undefined || cfg["tags-ignore"] !== undefined;
      // Only tag filters: no branch runs; only branch filters: no tag runs; neither: both (Workflow syntax, on.push).
      if (hasBranchFilter || !hasTagFilter) {
        const r = refContexts("heads", branches, cfg["branches-ignore"] !== undefined ? branchIgnores : null, "A push");
        contexts.push(...r.out);
        notes.push(...r.notes);
      }
      if (hasTagFilter || !hasBranchFilter) {
        const r = refContexts("tags", tags, cfg["tags-ignore"] !== undefined ? tagIgnores : null, "A tag push");
        contexts.push(...r.out);
        notes.push(...r.notes);
      }
    } else if (event === "pull_request") {
      contexts.push({
        context: "pull_request",
        operator: "StringEquals",
        because: "A pull_request run presents the subject without a branch, whatever the branch",
        eventName: "pull_request",
        ref: "refs/pull/*/merge",
        risk: "any pull request from a branch of this repository could push images with this role (pull requests from forks get no ID token)",
      });
    } else if (event === "workflow_dispatch" || event === "schedule") {
      contexts.push({
        context: `ref:${escapeColons(defaultRef)}`,
        operator: "StringEquals",
        because: event === "schedule" ? "Scheduled runs run on the default branch" : `Manual runs are trusted from the default branch only (${defaultBranch}); a manual run from another branch will be refused, on purpose`,
        eventName: event,
        ref: defaultRef,
      });
    } else if (event === "release") {
      contexts.push({ context: "ref:refs/tags/*", operator: "StringLike", because: "A release run presents its tag's ref", eventName: "release", ref: "refs/tags/*" });
    } else if (event === "workflow_call") {
      notes.push("This workflow is reusable (workflow_call): when another workflow calls it, the runs present the caller's subject, derived from the caller's triggers.");
    } else if (event === "pull_request_target" || event === "workflow_run" || event === "merge_group") {
      problems.push(`The trigger "${event}" is not planned for: its runs execute with this repository's privileges on behalf of other code; trust it by hand if you must, after review.`);
    } else {
      notes.push(`The trigger "${event}" is not planned for; its runs will be refused by the role.`);
    }
  }
  return { contexts, notes, problems };
}

interface JobInfo {
  job: string;
  environment: { kind: "none" } | { kind: "named"; name: string } | { kind: "dynamic"; expression: string };
  reusable?: string;
}

function ecrJob(jobs: Record<string, unknown>): JobInfo | null {
  let reusable: JobInfo | null = null;
  for (const [job, def] of Object.entries(jobs)) {
    const d = (def ?? {}) as { steps?: unknown; environment?: unknown; uses?: unknown };
    const steps = Array.isArray(d.steps) ? d.steps : [];
    const configures = steps.some((s) => typeof (s as { uses?: unknown })?.uses === "string" && (s as { uses: string }).uses.startsWith("aws-actions/configure-aws-credentials@"));
    if (!configures) {
      if (typeof d.uses === "string" && !reusable) reusable = { job, environment: { kind: "none" }, reusable: d.uses };
      continue;
    }
    const env = d.environment;
    const name = typeof env === "string" ? env : env && typeof env === "object" && typeof (env as { name?: unknown }).name === "string" ? (env as { name: string }).name : "";
    if (name.trim() === "") return { job, environment: { kind: "none" } };
    if (name.includes("${{")) return { job, environment: { kind: "dynamic", expression: name } };
    return { job, environment: { kind: "named", name: name.trim() } };
  }
  return reusable;
}

/** Claim values a run will carry that are known from the file; others are unknown (wildcarded). */
function claimValue(key: string, input: SubjectInput, ctx: RunContext, workflowName: string, environment: string | null): string | null {
  const [owner] = input.repository.split("/");
  switch (key) {
    case "repository":
      return input.repository;
    case "repository_owner":
      return owner;
    case "event_name":
      return ctx.eventName;
    case "ref":
      return ctx.ref;
    case "ref_type":
      return ctx.ref.startsWith("refs/tags/") ? "tag" : ctx.ref.startsWith("refs/heads/") ? "branch" : null;
    case "workflow":
      return workflowName;
    case "job_workflow_ref":
    case "workflow_ref":
      return `${input.repository}/${input.workflowPath}@${ctx.ref}`;
    case "environment":
      return environment ?? "";
    default:
      return null;
  }
}

/** Does a StringLike pattern pin the repository, i.e. can no sub of another repository match it? */
export function pinsRepository(pattern: string, repoPart: string): boolean {
  const at = pattern.indexOf(repoPart);
  if (at < 0) return false;
  const before = pattern.slice(0, at);
  const after = pattern.slice(at + repoPart.length);
  // The repo part must be a whole claim: delimited by ":" (or the ends), so `repo:o/r` does not also admit `repo:o/r-fork`.
  const leftOk = before === "" || before.endsWith(":");
  const rightOk = after === "" || after.startsWith(":");
  // A wildcard elsewhere cannot stand in for the repo claim: claim values carry no ":" (GitHub sends %3A) and claim
  // keys no "/", so ":repo:o/r:" can only be this repository's own repo claim.
  return leftOk && rightOk;
}

/**
 * The `sub` values the ECR job's runs present. Default template: `PREFIX:CONTEXT`, CONTEXT from the job's
 * environment (which wins over the event), else `pull_request`, else the ref. A customised template: its claims
 * in order, `repo` → the prefix, `context` → CONTEXT, other claims from the file when knowable, else `*`.
 * Never returns a subject that fails `pinsRepository` (a template without `repo` is a problem, not a wildcard).
 */
export function deriveWorkflowSubjects(input: SubjectInput): WorkflowSubjects {
  let doc: unknown;
  try {
    doc = YAML.parse(input.workflowYaml);
  } catch (err) {
    return { job: null, subjects: [], problems: [`The workflow file is not valid YAML (${err instanceof Error ? err.message.split("\n")[0] : "parse error"}).`], notes: [] };
  }
  const d = doc && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
  const jobs = d.jobs && typeof d.jobs === "object" ? (d.jobs as Record<string, unknown>) : null;
  const triggers = triggersOf(d.on ?? d.true);
  if (!jobs || !triggers) return { job: null, subjects: [], problems: ["The workflow file has no `on:` or no `jobs:` block."], notes: [] };
  const job = ecrJob(jobs);
  if (!job) return { job: null, subjects: [], problems: ["No job uses aws-actions/configure-aws-credentials: there is no ECR job to trust."], notes: [] };
  const notes: string[] = [];
  const problems: string[] = [];
  if (job.reusable) notes.push(`Job "${job.job}" calls the reusable workflow ${job.reusable}; its runs present this workflow's subject (the caller's), derived below.`);
  if (job.environment.kind === "dynamic") {
    return { job: job.job, subjects: [], problems: [`Job "${job.job}" picks its environment at run time (${job.environment.expression}); name the environments it can take before trusting them.`], notes };
  }
  const environment = job.environment.kind === "named" ? job.environment.name : null;
  const derived = contextsFor(triggers, input.defaultBranch);
  notes.push(...derived.notes);
  problems.push(...derived.problems);
  let contexts = derived.contexts;
  if (environment !== null && contexts.length > 0) {
    // The environment replaces the event's context in the default subject, whatever triggered the run.
    contexts = [{ context: `environment:${escapeColons(environment)}`, operator: "StringEquals", because: `Job "${job.job}" runs in the environment "${environment}", which every run's subject names instead of the branch`, eventName: contexts[0].eventName, ref: contexts[0].ref }];
  }
  const workflowName = typeof d.name === "string" ? d.name : input.workflowPath;
  const repoPart = input.template.prefix;
  const subjects: PlannedSubject[] = [];
  if (!input.template.useDefault) {
    const keys = input.template.includeClaimKeys;
    if (!keys.includes("repo") && !keys.includes("repository")) {
      problems.push(`The repository's sub-claim customisation (${keys.join(", ")}) does not include "repo": every repository of the owner presents the same subject, so no trust policy can pin this one. Add "repo" to include_claim_keys.`);
      return { job: job.job, subjects: [], problems, notes };
    }
  }
  for (const c of contexts) {
    let value: string;
    let operator = c.operator;
    let wider = c.widerThanWorkflow;
    if (input.template.useDefault) value = `${repoPart}:${c.context}`;
    else {
      const parts = input.template.includeClaimKeys.map((k) => {
        if (k === "repo") return repoPart;
        if (k === "context") return c.context;
        const v = k === "environment" ? environment : claimValue(k, input, c, workflowName, environment);
        if (v === null) {
          operator = "StringLike";
          wider = `the claim "${k}" is not known before the run, so it is a wildcard`;
          return `${k}:*`;
        }
        // A known value that itself carries a wildcard (a ref pattern) keeps the StringLike.
        return `${k}:${escapeColons(v)}`;
      });
      value = parts.join(":");
      if (/[*?]/.test(value)) operator = "StringLike";
    }
    const pinned = input.template.useDefault || keysPin(input.template.includeClaimKeys) ? pinsRepository(value, input.template.includeClaimKeys.includes("repo") || input.template.useDefault ? repoPart : `repository:${input.repository}`) : false;
    if (!pinned) {
      problems.push(`The subject "${value}" would admit other repositories; it is left out.`);
      continue;
    }
    if (subjects.some((s) => s.value === value)) continue;
    subjects.push({ value, operator, because: c.because, ...(wider ? { widerThanWorkflow: wider } : {}), ...(c.risk ? { risk: c.risk } : {}) });
  }
  if (subjects.length === 0 && problems.length === 0) problems.push("None of the workflow's triggers presents an ID token the role could trust.");
  return { job: job.job, subjects, problems, notes };
}

const keysPin = (keys: string[]) => keys.includes("repo") || keys.includes("repository");

/** The condition key for the subject (GitHub's issuer host + `:sub`). */
export const SUB_KEY = `${GITHUB_OIDC_HOST}:sub`;
