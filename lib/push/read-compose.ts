import path from "node:path";
import { LineCounter, parseDocument, isMap, isNode, isScalar, isSeq, type Document } from "yaml";
import { PathEscapeError, readFileInside } from "./contain-path";
import { checkEcrRepositoryName, readImageRepository } from "./ecr-repository-name";
import { interpolateComposeValue, InterpolationError } from "./interpolate-compose-value";

/** Compose's own lookup order when no file is named. */
export const COMPOSE_FILE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] as const;

export interface ServiceBuild {
  service: string;
  /** ECR repository: the prefix plus the service name, or plus the repository part of `image:`. */
  repositoryName: string;
  /** Build context relative to the checkout root, POSIX separators, "." for the root. */
  context: string;
  /** Dockerfile relative to the checkout root. */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  /** 1-based line of the service in the compose file, for messages. */
  line: number;
}

export interface ComposePlan {
  /** The compose file, relative to the checkout root. */
  file: string;
  builds: ServiceBuild[];
  /** Services without `build:` (pulled images): nothing to push for them. */
  notBuilt: string[];
}

export class ComposeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ""}` : ""}: ${problem}`);
    this.name = "ComposeError";
  }
}

export interface ComposeOptions {
  /** Prepended verbatim to every repository name: include your separator, e.g. "team/" or "shop-". */
  prefix?: string;
  /** Variables for ${VAR} interpolation. Deliberately not process.env: a worker's environment must not leak in. */
  env?: Record<string, string | undefined>;
}

/** Finds the compose file in a checkout (a configured path wins) and plans its builds. */
export async function readCompose({
  root,
  composePath,
  ...options
}: { root: string; composePath?: string } & ComposeOptions): Promise<ComposePlan> {
  const candidates = composePath ? [composePath] : [...COMPOSE_FILE_NAMES];
  for (const candidate of candidates) {
    const rel = toRootRelative(candidate);
    if (rel === null) throw new ComposeError(candidate, undefined, undefined, "compose path must stay inside the repository");
    let text: string;
    try {
      // Through the containment check: a committed compose.yaml may be a link to a host file.
      text = await readFileInside(root, rel);
    } catch (err) {
      if (err instanceof PathEscapeError) throw new ComposeError(rel, undefined, undefined, err.message);
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !composePath) continue;
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ComposeError(rel, undefined, undefined, "configured compose file not found at this commit");
      }
      throw new ComposeError(rel, undefined, undefined, `cannot read: ${(err as Error).message}`);
    }
    return parseCompose({ file: rel, text, ...options });
  }
  throw new ComposeError(
    COMPOSE_FILE_NAMES.join(", "),
    undefined,
    undefined,
    "no compose file found at the repository root (looked for each of these names)",
  );
}

/** Plans the builds of one compose file's text. `file` is its path relative to the checkout root. */
export function parseCompose({ file, text, prefix = "", env = {} }: { file: string; text: string } & ComposeOptions): ComposePlan {
  const lineCounter = new LineCounter();
  // Merge keys (<<: *defaults) are common in compose files; uniqueKeys rejects a service defined twice.
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: true });
  const fail = (problem: string, at?: { line: number; col: number }): never => {
    throw new ComposeError(file, at?.line, at?.col, problem);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    // With prettyErrors the message carries a source excerpt after its first line; the position is enough.
    fail(e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""), e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]));
  }
  const locate = (keys: (string | number)[]) => locateNode(doc, lineCounter, keys);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail(`cannot be read: ${(err as Error).message}`);
  }
  if (!isRecord(data)) fail("must be a mapping with a services: key", { line: 1, col: 1 });
  const services = (data as Record<string, unknown>).services;
  if (!isRecord(services)) fail("services: must be a mapping of service names to definitions", locate(["services"]));

  const composeDir = path.posix.dirname(file);
  const builds: ServiceBuild[] = [];
  const notBuilt: string[] = [];
  const repositoryOwners = new Map<string, ServiceBuild>();

  for (const [service, def] of Object.entries(services as Record<string, unknown>)) {
    const at = (...keys: (string | number)[]) => locate(["services", service, ...keys]);
    const text = (value: unknown, keys: (string | number)[]): string => {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return fail(`services.${service}.${keys.join(".")} must be a string`, at(...keys));
      }
      try {
        return interpolateComposeValue(String(value), env);
      } catch (err) {
        if (err instanceof InterpolationError) return fail(`services.${service}.${keys.join(".")}: ${err.message}`, at(...keys));
        throw err;
      }
    };
    if (!/^[a-zA-Z0-9._-]+$/.test(service)) fail(`service name "${service}" may only contain letters, digits, '.', '_' and '-'`, at());
    if (!isRecord(def)) {
      fail(`service ${service} must be a mapping`, at());
      continue;
    }
    if (def.build === undefined || def.build === null) {
      notBuilt.push(service);
      continue;
    }
    let contextRaw: string;
    let dockerfileRaw = "Dockerfile";
    let args: Record<string, string> = {};
    let target: string | undefined;
    if (typeof def.build === "string") {
      contextRaw = text(def.build, ["build"]);
    } else if (isRecord(def.build)) {
      const b = def.build;
      contextRaw = b.context === undefined ? "." : text(b.context, ["build", "context"]);
      if (b.dockerfile_inline !== undefined) {
        fail(`services.${service}.build.dockerfile_inline is not supported: commit the Dockerfile and name it in build.dockerfile`, at("build", "dockerfile_inline"));
      }
      if (b.dockerfile !== undefined) dockerfileRaw = text(b.dockerfile, ["build", "dockerfile"]);
      if (b.target !== undefined) target = text(b.target, ["build", "target"]);
      if (b.args !== undefined) args = readArgs(b.args, env, (problem, keys) => fail(`services.${service}.build.args${problem}`, at("build", "args", ...keys)), text);
    } else {
      fail(`services.${service}.build must be a path or a mapping`, at("build"));
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(contextRaw) || contextRaw.startsWith("git@")) {
      fail(`services.${service}.build.context "${contextRaw}" is a remote context; only paths inside the repository are built`, at("build"));
    }
    const context = toRootRelative(path.posix.join(composeDir, contextRaw));
    if (context === null || path.posix.isAbsolute(contextRaw)) {
      fail(`services.${service}.build.context "${contextRaw}" must be a relative path inside the repository`, at("build"));
    }
    const dockerfile = toRootRelative(path.posix.join(context as string, dockerfileRaw));
    if (dockerfile === null || path.posix.isAbsolute(dockerfileRaw)) {
      fail(`services.${service}.build.dockerfile "${dockerfileRaw}" must be a relative path inside the repository`, at("build", "dockerfile"));
    }
    const image = def.image === undefined || def.image === null ? undefined : text(def.image, ["image"]);
    const repositoryName = prefix + (image ? readImageRepository(image) : service);
    const invalid = checkEcrRepositoryName(repositoryName);
    if (invalid) {
      fail(
        `service ${service}: ECR repository ${invalid}${image ? "" : "; set image: to a valid name"}`,
        image ? at("image") : at(),
      );
    }
    const line = at()?.line ?? 1;
    const build: ServiceBuild = { service, repositoryName, context: context as string, dockerfile: dockerfile as string, args, target, line };
    const other = repositoryOwners.get(repositoryName);
    if (other) {
      fail(`services ${other.service} (line ${other.line}) and ${service} would both push to ECR repository ${repositoryName}`, at());
    }
    repositoryOwners.set(repositoryName, build);
    builds.push(build);
  }
  return { file, builds, notBuilt };
}

function readArgs(
  raw: unknown,
  env: Record<string, string | undefined>,
  fail: (problem: string, keys: (string | number)[]) => never,
  text: (v: unknown, keys: (string | number)[]) => string,
): Record<string, string> {
  const args: Record<string, string> = {};
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      if (typeof item !== "string") fail(`[${i}] must be a "NAME=value" string`, [i]);
      const eq = item.indexOf("=");
      // "NAME" alone takes its value from the environment; unresolved, Compose leaves the arg out.
      if (eq < 0) {
        if (env[item] !== undefined) args[item] = env[item] as string;
        return;
      }
      args[item.slice(0, eq)] = text(item.slice(eq + 1), ["build", "args", i]);
    });
    return args;
  }
  if (isRecord(raw)) {
    for (const [name, value] of Object.entries(raw)) {
      if (value === null || value === undefined) {
        if (env[name] !== undefined) args[name] = env[name] as string;
        continue;
      }
      if (typeof value === "object") fail(`.${name} must be a string, number or boolean`, [name]);
      args[name] = text(value, ["build", "args", name]);
    }
    return args;
  }
  return fail(" must be a mapping or a list of NAME=value", []);
}

/** Normalises a repository-relative path; null when it leaves the repository. */
function toRootRelative(p: string): string | null {
  if (path.posix.isAbsolute(p) || /^[a-zA-Z]:[\\/]/.test(p)) return null;
  const n = path.posix.normalize(p.replace(/\\/g, "/")).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../")) return null;
  return n === "" ? "." : n;
}

/**
 * Line and column of the deepest node found along `keys`. For a mapping entry it is the key's position (the line a
 * reader looks for); entries that come from a merge key (<<) have no node of their own and fall back to their parent.
 */
function locateNode(doc: Document, lc: LineCounter, keys: (string | number)[]): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let found = isNode(node) && node.range ? lc.linePos(node.range[0]) : undefined;
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) found = lc.linePos(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      if (isNode(node) && node.range) found = lc.linePos(node.range[0]);
      else break;
    } else break;
  }
  return found;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
