import { isDeepStrictEqual } from "node:util";
import {
  emptyMap,
  locate,
  mapScalars,
  parseComposeYaml,
  type ComposeMap,
  type ComposeNode,
  type ComposeProblem,
  type ComposeScalar,
  toPlain,
} from "./compose-node";
import { interpolateTemplate, InterpolationError, type LookupVariable } from "./interpolate-template";
import { mergeComposeNodes } from "./merge-compose-nodes";
import { DotenvError, parseDotenv } from "./parse-dotenv";
import { isMissingFile, isRemoteContext, joinRepoPath, repoDirname, type ReadRepoFile } from "./repo-path";

/** Variables for interpolation. Never the worker's process.env: only .env files and what the caller passes. */
export type ComposeEnv = Record<string, string | undefined>;

/**
 * `env` as a lookup of its own variables: an inherited property (`constructor`, `toString`) is no variable. The loader
 * passes lookups, never merged copies: an include's variables are its includer's over its env files', looked up in
 * that order, so an include costs its own files and not a copy of every variable (a 20,000-variable .env copied per
 * include or per env file made a hostile project take minutes).
 */
export function lookupIn(env: ComposeEnv): LookupVariable {
  return (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
}

/**
 * Bounds on what one project may make the loader read. Repository content is hostile and every entry costs a read, a
 * parse and a merge; docker compose has no such bounds, real projects stay far below them. Going over one is a project
 * problem naming the key and the bound.
 */
export const COMPOSE_LIMITS = {
  /** Entries of COMPOSE_FILE. */
  composeFiles: 64,
  /** `include` entries loaded in one project, nested ones counted (and the most one file may list). */
  includes: 100,
  /** Files in one include entry's `path`. */
  pathsPerInclude: 64,
  /** Files in one include entry's `env_file`. */
  envFilesPerInclude: 64,
  /**
   * Files named by the includes' `env_file` in one project, in all (each include's default `.env`, one per include, is
   * bounded by `includes` already).
   */
  envFiles: 256,
} as const;

/** The first value `list` holds twice, with both indexes; undefined when every value is unique. */
export function firstRepeat(list: readonly string[]): { value: string; first: number; again: number } | undefined {
  const seen = new Map<string, number>();
  for (const [i, v] of list.entries()) {
    const first = seen.get(v);
    if (first !== undefined) return { value: v, first, again: i };
    seen.set(v, i);
  }
  return undefined;
}

export interface LoadedModel {
  /** The merged model (`services`, `secrets`, `name`, ...), paths already relative to the repository root. */
  model: ComposeMap;
  /** Problems that make the whole project unreadable (syntax, missing file, include cycle...): they fail the job. */
  problems: ComposeProblem[];
  /** Problems of one service (extends, include conflicts): they fail that service only. */
  serviceProblems: Map<string, ComposeProblem[]>;
}

/**
 * Loads and merges compose files the way `docker compose config` does (compose-go's loader): each file is parsed,
 * interpolated with `env` on its own (Compose Specification, "Interpolation": before merging), its relative paths
 * resolved against `projectDir`, its services' `extends` applied, its `include`s loaded as sub-projects, and it is then
 * merged over the files before it. All reads go through `read`.
 */
export async function loadComposeModel({
  files,
  projectDir,
  env,
  read,
}: {
  /** Repository-relative compose files, in `-f` order. */
  files: string[];
  projectDir: string;
  env: ComposeEnv;
  read: ReadRepoFile;
}): Promise<LoadedModel> {
  const loader = new Loader(read);
  const out = await loader.loadProject(files, projectDir, lookupIn(env), []);
  return { ...out, serviceProblems: loader.serviceProblems };
}

type FileResult = { node: ComposeMap } | { problem: ComposeProblem; missing?: boolean };

class Loader {
  readonly serviceProblems = new Map<string, ComposeProblem[]>();
  /** Include entries loaded so far and env files read for them, against COMPOSE_LIMITS; a bound is reported once. */
  private includesLoaded = 0;
  private envFilesRead = 0;
  private boundReported = false;
  /**
   * Extends files loaded, per variables (one lookup per project) and path: every service extending a file would
   * otherwise parse and interpolate it again (400 services extending a 100 KiB file took 44 s). Loaded nodes are never
   * modified, only read and merged into new ones.
   */
  private readonly extendsFiles = new WeakMap<LookupVariable, Map<string, Promise<FileResult>>>();

  constructor(private readonly read: ReadRepoFile) {}

  private addServiceProblem(service: string, problem: ComposeProblem) {
    const list = this.serviceProblems.get(service) ?? [];
    list.push(problem);
    this.serviceProblems.set(service, list);
  }

  private readText(file: string): Promise<string> {
    return this.read(file);
  }

  async loadProject(files: string[], projectDir: string, vars: LookupVariable, includeChain: string[]): Promise<Omit<LoadedModel, "serviceProblems">> {
    const problems: ComposeProblem[] = [];
    let model: ComposeMap = emptyMap({ file: files[0] ?? projectDir, line: 1, column: 1 });
    for (const file of files) {
      const loaded = await this.loadFile(file, projectDir, vars);
      if ("problem" in loaded) {
        problems.push(loaded.missing ? { file, message: "compose file not found at this commit" } : loaded.problem);
        continue;
      }
      let node = await this.applyExtends(loaded.node, file, projectDir, vars);
      const included = await this.applyIncludes(node, file, projectDir, vars, [...includeChain, file]);
      problems.push(...included.problems);
      node = included.node;
      model = mergeComposeNodes(model, node, []) as ComposeMap;
    }
    return { model, problems };
  }

  /** Read, parse, interpolate, and resolve the paths of one file. */
  private async loadFile(file: string, workingDir: string, vars: LookupVariable): Promise<FileResult> {
    let text: string;
    try {
      text = await this.readText(file);
    } catch (err) {
      if (isMissingFile(err)) return { problem: { file, message: "file not found at this commit" }, missing: true };
      return { problem: { file, message: `cannot be read: ${(err as Error).message}` } };
    }
    const parsed = parseComposeYaml(file, text);
    if ("problem" in parsed) return parsed;
    // compose-go: "empty compose file".
    if (parsed.root.entries.size === 0) return { problem: { file, line: 1, column: 1, message: "empty compose file (it must be a mapping with a services: key)" } };
    const interpolated = interpolate(parsed.root, vars);
    return { node: resolvePaths(interpolated, workingDir) };
  }

  /** `loadFile` for an extends file, once per project (see extendsFiles); its working directory is its own directory. */
  private loadExtendsFile(file: string, workingDir: string, vars: LookupVariable): Promise<FileResult> {
    let files = this.extendsFiles.get(vars);
    if (!files) this.extendsFiles.set(vars, (files = new Map()));
    let loaded = files.get(file);
    if (!loaded) files.set(file, (loaded = this.loadFile(file, workingDir, vars)));
    return loaded;
  }

  /** Applies `extends` to every service of one file (compose-go `ApplyExtends`: per file, before merging). */
  private async applyExtends(node: ComposeMap, file: string, workingDir: string, vars: LookupVariable): Promise<ComposeMap> {
    const services = node.entries.get("services");
    if (services?.kind !== "map") return node;
    const out: ComposeMap = { ...services, entries: new Map(services.entries) };
    for (const name of services.entries.keys()) {
      const r = await this.resolveService(name, services, file, workingDir, vars, []);
      if ("problem" in r) {
        const at = locate(services, [name, "extends"]);
        const key = `services.${name}.extends`;
        this.addServiceProblem(name, { file: at.file, line: at.line, column: at.column, key, message: `${key}: ${r.problem}` });
        out.entries.delete(name);
        // Keep a placeholder so the service is still reported (as failed) rather than vanishing.
        out.entries.set(name, emptyMap(services.entries.get(name)!.at));
      } else out.entries.set(name, r.node);
    }
    return { ...node, entries: new Map(node.entries).set("services", out) };
  }

  private async resolveService(
    name: string,
    services: ComposeMap,
    file: string,
    workingDir: string,
    vars: LookupVariable,
    chain: string[],
  ): Promise<{ node: ComposeNode } | { problem: string }> {
    const service = services.entries.get(name);
    if (service?.kind !== "map") return { node: service ?? emptyMap(services.at) };
    const ext = service.entries.get("extends");
    if (!ext) return { node: service };
    // The message reaches the service that started the chain; a cycle names every link.
    const fail = (message: string) => ({ problem: message });
    let ref: string | undefined;
    let extFile: ComposeNode | undefined;
    if (ext.kind === "scalar" && typeof ext.value === "string") ref = ext.value;
    else if (ext.kind === "map") {
      const s = ext.entries.get("service");
      if (s?.kind === "scalar" && typeof s.value === "string") ref = s.value;
      extFile = ext.entries.get("file");
    }
    if (!ref) return fail("must name a service (extends: NAME, or extends: { service: NAME, file: PATH })");
    for (const n of [ext, ...(ext.kind === "map" ? ext.entries.values() : [])]) {
      if (n.kind === "scalar" && n.problem) return fail(n.problem);
    }

    let baseServices = services;
    let baseFile = file;
    let baseWorkingDir = workingDir;
    if (extFile) {
      if (extFile.kind !== "scalar" || typeof extFile.value !== "string") return fail("file must be a path");
      if (extFile.problem) return fail(extFile.problem);
      baseFile = extFile.value;
      // compose-go loads the extended file with its own directory as working directory: its relative paths are its own.
      baseWorkingDir = repoDirname(baseFile);
      const loaded = await this.loadExtendsFile(baseFile, baseWorkingDir, vars);
      if ("problem" in loaded) return fail(loaded.missing ? `file ${baseFile} not found at this commit` : `${baseFile}: ${loaded.problem.line ? `line ${loaded.problem.line}: ` : ""}${loaded.problem.message}`);
      const s = loaded.node.entries.get("services");
      if (s?.kind !== "map") return fail(`cannot extend service "${ref}": ${baseFile} has no services`);
      baseServices = s;
    }
    const key = `${file}#${name}`;
    const baseKey = `${baseFile}#${ref}`;
    const stack = [...chain, key];
    if (stack.includes(baseKey)) return fail(`circular extends: ${[...stack, baseKey].map((k) => k.replace("#", " service ")).join(" → ")}`);
    if (!baseServices.entries.has(ref)) return fail(`cannot extend service "${ref}" in ${baseFile}: service not found`);
    const base = await this.resolveService(ref, baseServices, baseFile, baseWorkingDir, vars, stack);
    if ("problem" in base) return base;
    // compose-go v2 (loader/extends.go) merges any base, `depends_on` / `links` / `volumes_from` included: the v1 rule
    // refusing them is gone, and the merged service keeps them.
    if (base.node.kind !== "map") return fail(`service "${ref}" in ${baseFile} must be a mapping`);
    const own: ComposeMap = { ...service, entries: new Map(service.entries), keyAt: new Map(service.keyAt) };
    own.entries.delete("extends");
    own.keyAt.delete("extends");
    const merged = mergeComposeNodes(base.node, own, ["services", name]) as ComposeMap;
    // The merged service stands where the extending service is written.
    return { node: { ...merged, at: service.at } };
  }

  /**
   * Loads each `include` of one file as its own sub-project (Compose Specification, "Include") and copies its
   * resources in. A resource the including file defines too is a conflict: it fails that service.
   */
  private async applyIncludes(
    node: ComposeMap,
    file: string,
    workingDir: string,
    vars: LookupVariable,
    chain: string[],
  ): Promise<{ node: ComposeMap; problems: ComposeProblem[] }> {
    const include = node.entries.get("include");
    const problems: ComposeProblem[] = [];
    if (!include) return { node, problems };
    const out: ComposeMap = { ...node, entries: new Map(node.entries), keyAt: new Map(node.keyAt) };
    out.entries.delete("include");
    out.keyAt.delete("include");
    const items = include.kind === "seq" ? include.items : [include];
    if (items.length > COMPOSE_LIMITS.includes) {
      const at = include.at;
      const message = `include: ${items.length} entries; Deckhand loads at most ${COMPOSE_LIMITS.includes} includes in a project`;
      problems.push({ file: at.file, line: at.line, column: at.column, key: "include", message });
      return { node: out, problems };
    }
    // compose-go (loader/include.go importResource) loads every entry and skips a resource equal to one already
    // imported: an entry identical to an earlier one (same files, project directory and env files, once normalised)
    // imports nothing new, so it is not loaded again.
    const loadedEntries = new Set<string>();
    for (const [i, item] of items.entries()) {
      const at = item.at;
      const failAt = (sub: string, message: string) => {
        const key = `include[${i}]${sub}`;
        problems.push({ file: at.file, line: at.line, column: at.column, key, message: `${key}: ${message}` });
      };
      const fail = (message: string) => failAt("", message);
      const spec = readIncludeEntry(item);
      if ("problem" in spec) {
        fail(spec.problem);
        continue;
      }
      if (spec.paths.length > COMPOSE_LIMITS.pathsPerInclude) {
        failAt(".path", `${spec.paths.length} files; Deckhand reads at most ${COMPOSE_LIMITS.pathsPerInclude} per include`);
        continue;
      }
      if (spec.envFiles.length > COMPOSE_LIMITS.envFilesPerInclude) {
        failAt(".env_file", `${spec.envFiles.length} files; Deckhand reads at most ${COMPOSE_LIMITS.envFilesPerInclude} per include`);
        continue;
      }
      const paths: string[] = [];
      for (const p of spec.paths) {
        if (isRemoteContext(p)) {
          fail(`remote include "${p}" is not supported: only files of this repository are read`);
          continue;
        }
        const resolved = joinRepoPath(workingDir, p);
        if (resolved === null) fail(`path "${p}" must be a relative path inside the repository`);
        else paths.push(resolved);
      }
      if (paths.length !== spec.paths.length || paths.length === 0) {
        if (paths.length === 0 && spec.paths.length === 0) fail("path is required");
        continue;
      }
      // compose-go loads a file listed twice twice, merging it over itself (loader.go loadYamlModel, one pass per
      // file): nothing gained, a parse and a merge spent, so Deckhand refuses the repeat instead.
      const repeatedPath = firstRepeat(paths);
      if (repeatedPath) {
        failAt(".path", `lists ${repeatedPath.value} twice (entries ${repeatedPath.first} and ${repeatedPath.again}); list each file once`);
        continue;
      }
      const cycle = paths.find((p) => chain.includes(p));
      if (cycle) {
        fail(`include cycle: ${[...chain, cycle].join(" → ")}`);
        continue;
      }
      const projectDirectory = spec.projectDirectory === undefined ? repoDirname(paths[0]) : joinRepoPath(workingDir, spec.projectDirectory);
      if (projectDirectory === null) {
        fail(`project_directory "${spec.projectDirectory}" must be a relative path inside the repository`);
        continue;
      }
      // The included project's own .env (or env_file) gives defaults; the including project's variables win.
      // compose-go (loader/include.go) skips an env_file of /dev/null: the way to say "no .env" for an include.
      const named = spec.envFiles.filter((f) => f !== "/dev/null");
      const envFiles = spec.envFiles.length ? named.map((f) => joinRepoPath(workingDir, f)) : [joinRepoPath(projectDirectory, ".env")];
      // compose-go dotenv.GetEnvFromFile reads a file listed twice twice; Deckhand refuses the repeat, as for paths.
      const repeatedEnv = firstRepeat(envFiles.filter((f): f is string => f !== null));
      if (repeatedEnv) {
        failAt(".env_file", `lists ${repeatedEnv.value} twice; list each file once`);
        continue;
      }
      const identity = JSON.stringify([paths, projectDirectory, envFiles]);
      if (loadedEntries.has(identity)) continue;
      loadedEntries.add(identity);
      if (++this.includesLoaded > COMPOSE_LIMITS.includes) {
        this.reportBound(() => fail(`more than ${COMPOSE_LIMITS.includes} includes in this project (nested ones counted): Deckhand loads at most ${COMPOSE_LIMITS.includes}`));
        break;
      }
      // compose-go dotenv.GetEnvFromFile: a later env file sees the including project's variables, then earlier files';
      // the included project then sees the includer's variables over its env files'.
      const fromFiles = new Map<string, string>();
      const subVars: LookupVariable = (name) => vars(name) ?? fromFiles.get(name);
      let envFailed = false;
      for (const [n, f] of envFiles.entries()) {
        if (f === null) {
          fail(`env_file "${named[n]}" must be a relative path inside the repository`);
          envFailed = true;
          continue;
        }
        if (spec.envFiles.length && ++this.envFilesRead > COMPOSE_LIMITS.envFiles) {
          this.reportBound(() => failAt(".env_file", `more than ${COMPOSE_LIMITS.envFiles} env files named by the includes of this project: Deckhand reads at most ${COMPOSE_LIMITS.envFiles}`));
          envFailed = true;
          break;
        }
        const r = await this.readEnvFile(f, subVars, spec.envFiles.length === 0);
        if ("problem" in r) {
          problems.push(r.problem);
          envFailed = true;
        } else for (const [k, v] of Object.entries(r.values)) fromFiles.set(k, v);
      }
      if (envFailed) continue;
      const sub = await this.loadProject(paths, projectDirectory, subVars, chain);
      problems.push(...sub.problems);
      for (const kind of ["services", "secrets", "configs", "networks", "volumes", "models"]) {
        const theirs = sub.model.entries.get(kind);
        if (theirs?.kind !== "map") continue;
        const ours = out.entries.get(kind);
        const target: ComposeMap = ours?.kind === "map" ? { ...ours, entries: new Map(ours.entries), keyAt: new Map(ours.keyAt) } : emptyMap(theirs.at);
        for (const [name, def] of theirs.entries) {
          const existing = target.entries.get(name);
          // compose-go importResource: a resource defined the same way on both sides is no conflict (two includes
          // sharing a network or a volume); any difference is.
          if (existing !== undefined && isDeepStrictEqual(toPlain(existing), toPlain(def))) continue;
          if (existing !== undefined) {
            const mine = target.keyAt.get(name) ?? target.at;
            const problem = {
              file: mine.file,
              line: mine.line,
              column: mine.column,
              key: `${kind}.${name}`,
              message: `${kind}.${name} is defined both here and in the included ${paths.join(", ")}: Compose refuses conflicting definitions`,
            };
            if (kind === "services") this.addServiceProblem(name, problem);
            else problems.push(problem);
            continue;
          }
          target.entries.set(name, def);
          target.keyAt.set(name, theirs.keyAt.get(name) ?? def.at);
        }
        out.entries.set(kind, target);
        if (!out.keyAt.has(kind)) out.keyAt.set(kind, theirs.at);
      }
    }
    return { node: out, problems };
  }

  /** Reports the first bound the project goes over; past it every later include would report it again. */
  private reportBound(report: () => void) {
    if (this.boundReported) return;
    this.boundReported = true;
    report();
  }

  /** Reads an environment file through the reader. A missing default `.env` is fine; a named one must exist. */
  async readEnvFile(file: string, vars: LookupVariable, optional: boolean): Promise<{ values: Record<string, string> } | { problem: ComposeProblem }> {
    let text: string;
    try {
      text = await this.readText(file);
    } catch (err) {
      if (isMissingFile(err)) return optional ? { values: {} } : { problem: { file, message: "environment file not found at this commit" } };
      return { problem: { file, message: `cannot be read: ${(err as Error).message}` } };
    }
    try {
      return { values: parseDotenv(text, vars) };
    } catch (err) {
      if (err instanceof DotenvError) return { problem: { file, line: err.line, message: err.message } };
      throw err;
    }
  }
}

/**
 * Reads one environment file of a project (`.env` by default) through `read`, its values interpolated from `vars`
 * first and then its own earlier lines; see Loader.readEnvFile.
 */
export function readEnvFile(read: ReadRepoFile, file: string, vars: LookupVariable, optional: boolean) {
  return new Loader(read).readEnvFile(file, vars, optional);
}

function readIncludeEntry(item: ComposeNode): { paths: string[]; projectDirectory?: string; envFiles: string[] } | { problem: string } {
  const strings = (n: ComposeNode | undefined, what: string): string[] | string => {
    if (n === undefined) return [];
    const list = n.kind === "seq" ? n.items : [n];
    const out: string[] = [];
    for (const s of list) {
      if (s.kind !== "scalar" || typeof s.value !== "string") return `${what} must be a path or a list of paths`;
      if (s.problem) return `${what}: ${s.problem}`;
      out.push(s.value);
    }
    return out;
  };
  if (item.kind === "scalar") {
    const p = strings(item, "include");
    return typeof p === "string" ? { problem: p } : { paths: p, envFiles: [] };
  }
  if (item.kind !== "map") return { problem: "must be a path or a mapping with path:" };
  const paths = strings(item.entries.get("path"), "path");
  if (typeof paths === "string") return { problem: paths };
  const envFiles = strings(item.entries.get("env_file"), "env_file");
  if (typeof envFiles === "string") return { problem: envFiles };
  const pd = item.entries.get("project_directory");
  if (pd && (pd.kind !== "scalar" || typeof pd.value !== "string")) return { problem: "project_directory must be a path" };
  if (pd?.kind === "scalar" && pd.problem) return { problem: `project_directory: ${pd.problem}` };
  return { paths, envFiles, projectDirectory: pd?.kind === "scalar" ? String(pd.value) : undefined };
}

/** Interpolates every string value of one file (keys are never interpolated). Failures mark the value. */
function interpolate(root: ComposeMap, vars: LookupVariable): ComposeMap {
  return mapScalars(root, (s) => {
    if (typeof s.value !== "string" || !s.value.includes("$")) return s;
    try {
      return { ...s, value: interpolateTemplate(s.value, vars) };
    } catch (err) {
      if (err instanceof InterpolationError) return { ...s, problem: err.message };
      throw err;
    }
  }) as ComposeMap;
}

/**
 * Makes the paths Deckhand uses relative to the repository root: `build` / `build.context`, `build.additional_contexts`
 * values, `extends.file` and the top-level `secrets.*.file`, against `workingDir` (compose-go `ResolveRelativePaths`).
 * A path that is absolute or leaves the repository is marked with a problem; remote contexts are left as written.
 */
function resolvePaths(root: ComposeMap, workingDir: string): ComposeMap {
  const resolve = (s: ComposeScalar, what: string, remoteAllowed: boolean): ComposeScalar => {
    if (s.problem || typeof s.value !== "string") return s;
    if (remoteAllowed && isRemoteContext(s.value)) return s;
    const p = joinRepoPath(workingDir, s.value);
    return p === null ? { ...s, problem: `${what} "${s.value}" must be a relative path inside the repository` } : { ...s, value: p };
  };
  const edit = (node: ComposeMap, key: string, fn: (n: ComposeNode) => ComposeNode): ComposeMap => {
    const v = node.entries.get(key);
    return v === undefined ? node : { ...node, entries: new Map(node.entries).set(key, fn(v)) };
  };
  let out = root;
  out = edit(out, "services", (services) => {
    if (services.kind !== "map") return services;
    const entries = new Map<string, ComposeNode>();
    for (const [name, svc] of services.entries) {
      if (svc.kind !== "map") {
        entries.set(name, svc);
        continue;
      }
      let s = edit(svc, "build", (b) => {
        if (b.kind === "scalar") return resolve(b, "build context", true);
        if (b.kind !== "map") return b;
        let m = edit(b, "context", (c) => (c.kind === "scalar" ? resolve(c, "build context", true) : c));
        m = edit(m, "additional_contexts", (ac) => {
          if (ac.kind === "map") {
            const e = new Map<string, ComposeNode>();
            for (const [k, v] of ac.entries) e.set(k, v.kind === "scalar" ? resolve(v, `additional context ${k}`, true) : v);
            return { ...ac, entries: e };
          }
          if (ac.kind === "seq") {
            return {
              ...ac,
              items: ac.items.map((i) => {
                if (i.kind !== "scalar" || typeof i.value !== "string" || i.problem) return i;
                const eq = i.value.indexOf("=");
                if (eq < 0) return i;
                const r = resolve({ ...i, value: i.value.slice(eq + 1) }, `additional context ${i.value.slice(0, eq)}`, true);
                return { ...r, value: `${i.value.slice(0, eq)}=${r.value}` };
              }),
            };
          }
          return ac;
        });
        return m;
      });
      s = edit(s, "extends", (e) => (e.kind === "map" ? edit(e, "file", (f) => (f.kind === "scalar" ? resolve(f, "extends file", false) : f)) : e));
      entries.set(name, s);
    }
    return { ...services, entries };
  });
  out = edit(out, "secrets", (secrets) => {
    if (secrets.kind !== "map") return secrets;
    const entries = new Map<string, ComposeNode>();
    for (const [name, def] of secrets.entries) entries.set(name, def.kind === "map" ? edit(def, "file", (f) => (f.kind === "scalar" ? resolve(f, `secret ${name} file`, false) : f)) : def);
    return { ...secrets, entries };
  });
  return out;
}
