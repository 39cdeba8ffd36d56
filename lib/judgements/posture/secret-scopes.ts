// Where a run's secrets and variables come from. GitHub Actions gives a job, per name, the value of the most
// specific scope that defines it: the job's environment, then the repository, then the organization (only when
// the organization secret's visibility reaches the repository). GitHub docs, "Using secrets in GitHub Actions":
// "If a secret with the same name exists at multiple levels, the secret at the lowest level takes precedence."
// Copies at the other scopes are shadowed: harmless while they hold the same value, a trap when they don't
// (a rotation that updates one of them leaves the run on the other).

import { REGION_VARIABLE, SECRET_NAMES } from "./github-config";
import type { Severity } from "./key-verdicts";
import type { GithubSecretInfo, GithubVariableInfo } from "./types";
import { toEpochMs, type TimeInput } from "./time-util";

export type Visibility = "all" | "private" | "selected";

/** One scope's list, or why it could not be read (a missing permission is not an empty list). */
export type ScopeRead<T> = { readable: true; items: readonly T[] } | { readable: false; reason: string };

export interface ScopesInput {
  repository: { secrets: readonly GithubSecretInfo[]; variables: readonly GithubVariableInfo[] };
  /** What the organization gives this repository (`GET …/actions/organization-secrets` / `-variables`). */
  organization: {
    secrets: ScopeRead<GithubSecretInfo>;
    variables: ScopeRead<GithubVariableInfo>;
    /** Visibility per name from the organization's own lists; null when they could not be read (owners only). */
    secretVisibility: Readonly<Record<string, Visibility>> | null;
    variableVisibility: Readonly<Record<string, Visibility>> | null;
  } | null;
  /** The ECR job's environment (from the workflow file), its secrets and variables; null when the job has none. */
  environment: { name: string; secrets: ScopeRead<GithubSecretInfo>; variables: ScopeRead<GithubVariableInfo> } | null;
  /** Why the workflow file's environment is unknown (it could not be read), when it is. */
  environmentUnknown?: string | null;
}

/** Where one copy of a name lives. */
export interface ScopeCopy {
  scope: "repository" | "organization" | "environment";
  /** The environment's name (environment scope). */
  environment?: string;
  /** The organization secret's visibility (organization scope), null when unknown. */
  visibility?: Visibility | null;
  createdAt: TimeInput | null;
  updatedAt: TimeInput | null;
  /** Variables only: the value. */
  value?: string;
}

export interface ResolvedName {
  name: string;
  kind: "secret" | "variable";
  /** The copy a run gets. */
  source: ScopeCopy;
  /** Copies at less specific scopes, never used while the source exists. */
  shadowed: ScopeCopy[];
}

export interface ScopeFinding {
  code: "shadowed-copy" | "scope-unreadable";
  severity: Severity;
  name: string;
  message: string;
  /** What to do about it. */
  fix: string;
}

export interface ScopeResolution {
  secrets: ResolvedName[];
  variables: ResolvedName[];
  findings: ScopeFinding[];
  /** Scopes whose secrets or variables could not be read, in words ("organization secrets: …"). */
  unreadable: Array<{ scope: "organization" | "environment"; kind: "secret" | "variable"; reason: string }>;
  /** The effective lists, each entry tagged with the scope it comes from: what the guide's checks judge. */
  effectiveSecrets: GithubSecretInfo[];
  effectiveVariables: GithubVariableInfo[];
}

/** "organization secret (selected repositories)", "environment secret (production)", "repository variable". */
export function describeCopy(copy: ScopeCopy, kind: "secret" | "variable"): string {
  if (copy.scope === "environment") return `environment ${kind} (${copy.environment})`;
  if (copy.scope === "organization") {
    const reach = copy.visibility === "selected" ? "selected repositories" : copy.visibility === "private" ? "private repositories" : copy.visibility === "all" ? "all repositories" : "visibility unknown";
    return `organization ${kind} (${reach})`;
  }
  return `repository ${kind}`;
}

const GUIDE_NAMES = new Set<string>([...SECRET_NAMES, REGION_VARIABLE]);
const TEN_MINUTES = 10 * 60_000;

type Entry = GithubSecretInfo | GithubVariableInfo;
type Lists = { secrets: ScopeRead<GithubSecretInfo> | readonly GithubSecretInfo[]; variables: ScopeRead<GithubVariableInfo> | readonly GithubVariableInfo[] };

function itemsOf(lists: Lists, kind: "secret" | "variable"): readonly Entry[] {
  const x: ScopeRead<Entry> | readonly Entry[] = kind === "secret" ? lists.secrets : lists.variables;
  if (Array.isArray(x)) return x;
  const read = x as ScopeRead<Entry>;
  return read.readable ? read.items : [];
}

/** Every copy of every name, most specific scope first (the order is the precedence). */
function copiesOf(kind: "secret" | "variable", input: ScopesInput): Map<string, ScopeCopy[]> {
  const byName = new Map<string, ScopeCopy[]>();
  const add = (x: Entry, copy: Omit<ScopeCopy, "createdAt" | "updatedAt" | "value">) =>
    byName.set(x.name, [...(byName.get(x.name) ?? []), { ...copy, createdAt: x.createdAt ?? null, updatedAt: x.updatedAt ?? null, ...("value" in x ? { value: x.value } : {}) }]);
  if (input.environment) for (const x of itemsOf(input.environment, kind)) add(x, { scope: "environment", environment: input.environment.name });
  for (const x of itemsOf(input.repository, kind)) add(x, { scope: "repository" });
  if (input.organization) {
    const vis = kind === "secret" ? input.organization.secretVisibility : input.organization.variableVisibility;
    for (const x of itemsOf(input.organization, kind)) add(x, { scope: "organization", visibility: vis ? (vis[x.name] ?? null) : null });
  }
  return byName;
}

function shadowFinding(r: ResolvedName): ScopeFinding {
  const source = describeCopy(r.source, r.kind);
  const others = r.shadowed.map((c) => describeCopy(c, r.kind));
  const sourceAt = toEpochMs(r.source.updatedAt ?? null);
  const differs =
    r.kind === "variable"
      ? r.shadowed.some((c) => c.value !== r.source.value)
      : r.shadowed.some((c) => {
          const at = toEpochMs(c.updatedAt ?? null);
          return sourceAt === null || at === null || Math.abs(at - sourceAt) > TEN_MINUTES;
        });
  const what = r.kind === "variable" ? (differs ? "with a different value" : "with the same value") : differs ? "written at a different time, so it may hold a different key" : "written at the same time";
  const where = r.source.scope === "repository" ? "Settings → Secrets and variables → Actions of the repository" : r.source.scope === "environment" ? `the ${r.source.environment} environment's settings` : "the organization's Actions settings";
  const guide = GUIDE_NAMES.has(r.name);
  return {
    code: "shadowed-copy",
    severity: guide && differs ? "warn" : "info",
    name: r.name,
    message: `${r.name}: the ${source} shadows the ${others.join(" and the ")} (${what}); runs use the ${source}`,
    fix:
      r.source.scope === "organization"
        ? `Keep one copy of ${r.name}`
        : `Keep one copy: delete the ${source} in ${where} if the ${others[0]} holds the right value, or update every copy together (Deckhand's rotation writes each scope that holds the key)`,
  };
}

/** Resolve every name at every readable scope, with findings for shadowed copies and scopes that could not be read. */
export function resolveScopes(input: ScopesInput): ScopeResolution {
  const resolve = (kind: "secret" | "variable", byName: Map<string, ScopeCopy[]>): ResolvedName[] =>
    [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, [source, ...shadowed]]) => ({ name, kind, source, shadowed }));
  const secrets = resolve("secret", copiesOf("secret", input));
  const variables = resolve("variable", copiesOf("variable", input));

  const unreadable: ScopeResolution["unreadable"] = [];
  const note = (scope: "organization" | "environment", kind: "secret" | "variable", read: ScopeRead<unknown> | undefined) => {
    if (read && !read.readable) unreadable.push({ scope, kind, reason: read.reason });
  };
  note("organization", "secret", input.organization?.secrets);
  note("organization", "variable", input.organization?.variables);
  note("environment", "secret", input.environment?.secrets);
  note("environment", "variable", input.environment?.variables);

  const findings: ScopeFinding[] = [...secrets, ...variables].filter((r) => r.shadowed.length > 0).map(shadowFinding);
  for (const u of unreadable) {
    const label = u.scope === "environment" ? `environment ${u.kind}s (${input.environment?.name})` : `organization ${u.kind}s`;
    findings.push({
      code: "scope-unreadable",
      severity: "warn",
      name: `${u.scope}-${u.kind}s`,
      message: `The ${label} could not be read (${u.reason}): a name defined there is not shown here, and one shown as missing may be set there`,
      fix: u.scope === "organization" ? "Give Deckhand's token admin:org (an organization owner's token) to see organization secrets and variables" : "Give Deckhand's token admin on the repository to see its environments' secrets and variables",
    });
  }
  if (input.environmentUnknown) {
    findings.push({
      code: "scope-unreadable",
      severity: "warn",
      name: "environment",
      message: `Which environment the ECR job uses is unknown (${input.environmentUnknown}): environment secrets are not included`,
      fix: "Give Deckhand's token read access to the repository's contents",
    });
  }

  const effectiveSecrets: GithubSecretInfo[] = secrets.map((r) => ({
    name: r.name,
    createdAt: r.source.createdAt ?? "",
    updatedAt: r.source.updatedAt ?? "",
    scope: r.source.scope,
    ...(r.source.environment ? { environment: r.source.environment } : {}),
  }));
  const effectiveVariables: GithubVariableInfo[] = variables.map((r) => ({
    name: r.name,
    value: r.source.value ?? "",
    ...(r.source.createdAt ? { createdAt: r.source.createdAt } : {}),
    ...(r.source.updatedAt ? { updatedAt: r.source.updatedAt } : {}),
  }));
  return { secrets, variables, findings, unreadable, effectiveSecrets, effectiveVariables };
}

/** A key Deckhand wrote into a secret at a scope: which key, and the updated_at GitHub gave the write. */
export interface KnownWrite {
  scope: ScopeCopy["scope"];
  environment?: string;
  updatedAt: string;
  accessKeyId: string;
}

/**
 * Which key a copy of AWS_ACCESS_KEY_ID holds, when Deckhand wrote it (the copy's updated_at is the one its write got,
 * within a second; a later write by anyone else moves it). Null: unknown — GitHub never returns values.
 */
export function keyOfCopy(copy: ScopeCopy, writes: readonly KnownWrite[]): string | null {
  const at = toEpochMs(copy.updatedAt ?? null);
  if (at === null) return null;
  const match = writes.find((w) => w.scope === copy.scope && (w.environment ?? null) === (copy.environment ?? null) && Math.abs((toEpochMs(w.updatedAt) ?? Number.NaN) - at) <= 1000);
  return match?.accessKeyId ?? null;
}
