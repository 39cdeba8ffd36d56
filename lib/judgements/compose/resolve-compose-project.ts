import { collectProblems, emptyMap, locate, type ComposeMap, type ComposeProblem } from "./compose-node";
import { COMPOSE_LIMITS, firstRepeat, loadComposeModel, lookupIn, readEnvFile, type ComposeEnv } from "./load-compose-model";
import { planServiceBuild, type ServicePlan } from "./plan-service-build";
import { isMissingFile, joinRepoPath, memoizeReads, normalizeRepoPath, repoDirname, type ReadRepoFile } from "./repo-path";
import { selectProfiles, type ServiceProfiles } from "./select-profiles";
import { validateComposeModel } from "./validate-compose-model";

export type { BuildPlan, ServicePlan } from "./plan-service-build";
export type { ComposeProblem, SourcePosition } from "./compose-node";
export type { ComposeEnv } from "./load-compose-model";
export type { ReadRepoFile } from "./repo-path";

/** Compose's default file names, in its lookup order (compose-go `cli.DefaultFileNames`). */
export const COMPOSE_FILE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] as const;
/** Override files Compose adds after the default file, first found wins (compose-go `cli.DefaultOverrideFileNames`). */
export const COMPOSE_OVERRIDE_FILE_NAMES = ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"] as const;

export interface ComposeResolution {
  /** The compose files read as `-f` files, in order, relative to the repository root. */
  files: string[];
  /** Directory relative paths resolve against: the first file's. */
  projectDirectory: string;
  /** `name:`, else COMPOSE_PROJECT_NAME, else the default name given; undefined when none applies. */
  projectName?: string;
  /** Active profiles. */
  profiles: string[];
  /** Every service of the model, in file order, each built, not built (and why), or failed (and why). */
  services: ServicePlan[];
  /** Problems that make the project unreadable: with any of them the job fails and `services` may be empty. */
  problems: ComposeProblem[];
}

/**
 * Resolves a repository's Compose project as `docker compose config` would for `docker compose build` run at the
 * repository root, and plans each service's build. Follows the Compose Specification (compose-spec/compose-spec:
 * 03-compose-file, 12-interpolation, 13-merge, 14-include, 15-profiles, build.md, and `extends` in 05-services) and
 * compose-go where the specification leaves choices:
 * - files: `files` (like `-f`), else COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR, default ":"), else the first of
 *   compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml at the root plus the first override file there;
 * - variables: `env` wins over the `.env` file (in the first `-f` file's directory, or the root) or `envFiles`; the
 *   worker's own environment is never read;
 * - profiles: `profiles`, else COMPOSE_PROFILES (comma-separated);
 * - project name: `name:`, else COMPOSE_PROJECT_NAME, else `defaultProjectName`, normalised as Compose does.
 * Every file, include, extends file, env file and secret file is read through `read` (repository-relative paths).
 * Never throws for bad input: problems come back in the result, per service where they belong to one.
 */
export async function resolveComposeProject({
  read: uncached,
  files: explicitFiles,
  env: explicitEnv = {},
  envFiles,
  profiles: explicitProfiles,
  prefix = "",
  defaultProjectName,
}: {
  read: ReadRepoFile;
  files?: string[];
  env?: ComposeEnv;
  /** Like `--env-file`: replaces the default `.env` (which may be missing; these must exist). */
  envFiles?: string[];
  profiles?: string[];
  /** Prepended verbatim to every ECR repository name: include your separator ("team/"). */
  prefix?: string;
  defaultProjectName?: string;
}): Promise<ComposeResolution> {
  const read = memoizeReads(uncached);
  const problems: ComposeProblem[] = [];
  const result = (extra: Partial<ComposeResolution>): ComposeResolution => ({ files: [], projectDirectory: ".", profiles: [], services: [], problems, ...extra });

  const given = explicitFiles?.filter((f) => f !== "");
  const normalizedGiven: string[] = [];
  for (const f of given ?? []) {
    const n = normalizeRepoPath(f);
    if (n === null) problems.push({ file: f, message: "compose file must be a relative path inside the repository" });
    else normalizedGiven.push(n);
  }
  if (problems.length) return result({});

  // docker compose (cmd/compose/compose.go toProjectOptions) reads .env twice: from the working directory before it
  // knows the files (the first -f file's directory, else the root), and again from the project directory once
  // COMPOSE_FILE or the default lookup has found them; the second read only adds variables not set yet.
  const envDir = normalizedGiven.length ? repoDirname(normalizedGiven[0]) : ".";
  const fileEnv: Record<string, string> = {};
  const explicit = lookupIn(explicitEnv);
  const readEnvFiles = async (list: string[], optional: boolean) => {
    const found: Record<string, string> = {};
    // compose-go GetEnvFromFile: a later file sees the explicit variables, then what earlier files set. A lookup, not
    // a merged copy per file: a copy costs every variable each time.
    const own = lookupIn(found);
    const earlier = lookupIn(fileEnv);
    const vars = (name: string) => explicit(name) ?? own(name) ?? earlier(name);
    for (const f of list) {
      const file = normalizeRepoPath(f);
      if (file === null) {
        problems.push({ file: f, message: "environment file must be a relative path inside the repository" });
        continue;
      }
      const r = await readEnvFile(read, file, vars, optional);
      if ("problem" in r) problems.push(r.problem);
      else Object.assign(found, r.values);
    }
    return found;
  };
  Object.assign(fileEnv, await readEnvFiles(envFiles?.length ? envFiles : [joinRepoPath(envDir, ".env") as string], !envFiles?.length));
  if (problems.length) return result({});
  let env: ComposeEnv = { ...fileEnv, ...definedOnly(explicitEnv) };

  let files = normalizedGiven;
  if (!files.length && env.COMPOSE_FILE) {
    // Where COMPOSE_FILE was set, for messages: the caller's variables, else the environment file(s) read.
    const from = Object.hasOwn(explicitEnv, "COMPOSE_FILE") ? "COMPOSE_FILE" : (envFiles?.length ? envFiles.join(", ") : (joinRepoPath(envDir, ".env") as string));
    const entries = env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ":").filter(Boolean);
    if (entries.length > COMPOSE_LIMITS.composeFiles) {
      problems.push({ file: from, key: "COMPOSE_FILE", message: `COMPOSE_FILE: ${entries.length} files; Deckhand reads at most ${COMPOSE_LIMITS.composeFiles}` });
      return result({});
    }
    for (const f of entries) {
      const n = normalizeRepoPath(f);
      if (n === null) problems.push({ file: f, message: "COMPOSE_FILE entries must be relative paths inside the repository" });
      else files.push(n);
    }
    if (problems.length) return result({});
    // compose-go (cli.WithConfigFileEnv, then one load per file) merges a file listed twice over itself: nothing
    // gained, a parse and a merge spent per repeat, so Deckhand refuses the repeat.
    const repeated = firstRepeat(files);
    if (repeated) {
      problems.push({ file: from, key: "COMPOSE_FILE", message: `COMPOSE_FILE: lists ${repeated.value} twice (entries ${repeated.first} and ${repeated.again}); list each file once` });
      return result({});
    }
  }
  if (!files.length) {
    const found = await firstExisting(read, COMPOSE_FILE_NAMES);
    if ("problem" in found) return result({ problems: [found.problem] });
    if (!found.file) {
      problems.push({ file: COMPOSE_FILE_NAMES.join(", "), message: "no compose file found at the repository root (looked for each of these names)" });
      return result({});
    }
    const override = await firstExisting(read, COMPOSE_OVERRIDE_FILE_NAMES);
    if ("problem" in override) return result({ problems: [override.problem] });
    files = override.file ? [found.file, override.file] : [found.file];
  }
  if (!envFiles?.length && repoDirname(files[0]) !== envDir) {
    const second = await readEnvFiles([joinRepoPath(repoDirname(files[0]), ".env") as string], true);
    if (problems.length) return result({ files });
    env = { ...second, ...env };
  }
  const projectDirectory = repoDirname(files[0]);

  const loaded = await loadComposeModel({ files, projectDir: projectDirectory, env, read });
  problems.push(...loaded.problems);
  const profiles = explicitProfiles ?? (env.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (problems.length) return result({ files, projectDirectory, profiles });

  const model = loaded.model;
  const schema = validateComposeModel(model);
  problems.push(...schema.problems);
  const projectName = readProjectName(model, env, defaultProjectName, problems);
  // Interpolation failures outside services and secrets (name, networks, x- fields...) fail the project, as in Compose.
  for (const [key, node] of model.entries) {
    if (key !== "services" && key !== "secrets") problems.push(...collectProblems(node, key, [], new Set(), model.keyAt.get(key) ?? node.at));
  }
  if (problems.length) return result({ files, projectDirectory, profiles, projectName });

  const servicesNode = model.entries.get("services");
  const services: ComposeMap = servicesNode?.kind === "map" ? servicesNode : emptyMap(model.at);
  if (services.entries.size === 0) {
    problems.push({ file: files[0], line: 1, column: 1, message: "defines no services (services: is missing or empty)" });
    return result({ files, projectDirectory, profiles, projectName });
  }
  const selection = selectProfiles(readProfiles(services), profiles);
  const plans: ServicePlan[] = [];
  for (const [name, node] of services.entries) {
    const at = services.keyAt.get(name) ?? node.at;
    const chosen = selection.get(name);
    if (chosen && !chosen.enabled) {
      plans.push({ service: name, status: "not-built", reason: "profile-not-selected", message: chosen.reason, at });
      continue;
    }
    const own = [...(loaded.serviceProblems.get(name) ?? []), ...(schema.serviceProblems.get(name) ?? []), ...collectProblems(node, `services.${name}`)];
    for (const p of chosen?.enabled ? chosen.problems : []) {
      const pos = locate(services, [name, "depends_on"]);
      own.push({ file: pos.file, line: pos.line, column: pos.column, key: `services.${name}.depends_on`, message: `services.${name}.${p}` });
    }
    if (node.kind !== "map") {
      plans.push({ service: name, status: "failed", problems: own.length ? own : [{ file: at.file, line: at.line, column: at.column, key: `services.${name}`, message: `services.${name} must be a mapping` }], at });
      continue;
    }
    const plan = await planServiceBuild({ name, service: { ...node, at }, model, env, projectDir: projectDirectory, prefix, read, problems: own });
    plans.push(plan);
  }
  refuseSharedRepositories(plans);
  return { files, projectDirectory, projectName, profiles, services: plans, problems };
}

function definedOnly(env: ComposeEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

async function firstExisting(read: ReadRepoFile, names: readonly string[]): Promise<{ file?: string } | { problem: ComposeProblem }> {
  for (const name of names) {
    try {
      await read(name);
      return { file: name };
    } catch (err) {
      if (!isMissingFile(err)) return { problem: { file: name, message: `cannot be read: ${(err as Error).message}` } };
    }
  }
  return {};
}

function readProfiles(services: ComposeMap): Map<string, ServiceProfiles> {
  const out = new Map<string, ServiceProfiles>();
  for (const [name, node] of services.entries) {
    if (node.kind !== "map") {
      out.set(name, { profiles: [], dependsOn: [] });
      continue;
    }
    const p = node.entries.get("profiles");
    const profiles = p?.kind === "seq" ? p.items.flatMap((i) => (i.kind === "scalar" && i.value !== null ? [String(i.value)] : [])) : [];
    const d = node.entries.get("depends_on");
    const dependsOn: ServiceProfiles["dependsOn"] = [];
    if (d?.kind === "seq") for (const i of d.items) if (i.kind === "scalar" && i.value !== null) dependsOn.push({ service: String(i.value), required: true });
    if (d?.kind === "map") {
      for (const [dep, cfg] of d.entries) {
        const req = cfg.kind === "map" ? cfg.entries.get("required") : undefined;
        dependsOn.push({ service: dep, required: !(req?.kind === "scalar" && (req.value === false || req.value === "false")) });
      }
    }
    out.set(name, { profiles, dependsOn });
  }
  return out;
}

/**
 * Compose's project name rules (compose-go `cli.withNamePrecedenceLoad`, `loader.NormalizeProjectName`):
 * COMPOSE_PROJECT_NAME (from the environment or .env) wins over `name:`, which must already be valid; the variable and
 * the default are lowercased and stripped of other characters (compose-go refuses an invalid COMPOSE_PROJECT_NAME;
 * Deckhand builds nothing from the name, so it normalises instead of failing the job).
 */
function readProjectName(model: ComposeMap, env: ComposeEnv, fallback: string | undefined, problems: ComposeProblem[]): string | undefined {
  const normalize = (raw: string) => raw.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[^a-z0-9]+/, "") || undefined;
  if (env.COMPOSE_PROJECT_NAME) return normalize(env.COMPOSE_PROJECT_NAME);
  const n = model.entries.get("name");
  if (n?.kind === "scalar" && typeof n.value === "string" && !n.problem) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(n.value)) {
      const at = locate(model, ["name"]);
      problems.push({
        file: at.file,
        line: at.line,
        column: at.column,
        key: "name",
        message: `name "${n.value}" must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`,
      });
      return undefined;
    }
    return n.value;
  }
  return fallback ? normalize(fallback) : undefined;
}

/** Two built services pushing to one repository would overwrite each other's `latest`: the later one fails. */
function refuseSharedRepositories(plans: ServicePlan[]): void {
  const owners = new Map<string, ServicePlan & { status: "build" }>();
  for (const [i, plan] of plans.entries()) {
    if (plan.status !== "build") continue;
    const other = owners.get(plan.build.repositoryName);
    if (!other) {
      owners.set(plan.build.repositoryName, plan);
      continue;
    }
    plans[i] = {
      service: plan.service,
      status: "failed",
      at: plan.at,
      problems: [
        {
          file: plan.at.file,
          line: plan.at.line,
          column: plan.at.column,
          key: `services.${plan.service}`,
          message: `services ${other.service} (${other.at.file}:${other.at.line}) and ${plan.service} would both push to ECR repository ${plan.build.repositoryName}`,
        },
      ],
    };
  }
}
