import { DEFAULT_VARIANT } from "../push/decide-push";
import { checkEcrRepositoryName, readImageRepository } from "../push/ecr-repository-name";
import { locate, type ComposeMap, type ComposeNode, type ComposeProblem, type SourcePosition } from "./compose-node";
import type { ComposeEnv } from "./load-compose-model";
import { isMissingFile, isRemoteContext, joinRepoPath, type ReadRepoFile } from "./repo-path";

/** What to build for one service: everything `docker compose build` would use, paths relative to the repository. */
export interface BuildPlan {
  service: string;
  /** ECR repository: the prefix plus the repository part of `image:`, or plus the service name. */
  repositoryName: string;
  /** The service's `image:` after interpolation, when set. */
  image?: string;
  /** Build context directory, relative to the repository root ("." for the root). */
  context: string;
  /** The Dockerfile: a repository-relative path, or the text of `build.dockerfile_inline`. */
  dockerfile: { kind: "path"; path: string } | { kind: "inline"; text: string };
  /** Build args with a value; bare names without a value in the environment are left out, as Compose does. */
  args: Record<string, string>;
  target?: string;
  /** `build.labels`, to set on the image. */
  labels: Record<string, string>;
  /**
   * Platforms to build (`build.platforms`, else the service's `platform`), e.g. ["linux/arm64"]; empty: the
   * builder's own platform.
   */
  platforms: string[];
  /** `build.additional_contexts`: name → repository-relative directory, or a `docker-image://` reference. */
  additionalContexts: Record<string, string>;
  /**
   * Build secrets (`build.secrets` → top-level `secrets.*.file`): the id a Dockerfile mounts and the repository-relative
   * file. Only the path is in the plan: the content must reach the builder alone, never an image, a log or a record.
   */
  secrets: { id: string; file: string }[];
  noCache: boolean;
  pull: boolean;
  /** Things said about the build that do not stop it (e.g. cache hints Deckhand does not use). */
  notes: string[];
  /** Where the service is defined. */
  at: SourcePosition;
  /** Where each build-related key present is written ("build.dockerfile_inline", "platform", ...), for messages. */
  keyAt: Record<string, SourcePosition>;
}

/** The per-service outcome of resolution: built, not built (and why), or failed (with each problem). */
export type ServicePlan =
  | { service: string; status: "build"; build: BuildPlan; at: SourcePosition }
  | { service: string; status: "not-built"; reason: "no-build" | "profile-not-selected"; message: string; at: SourcePosition }
  | { service: string; status: "failed"; problems: ComposeProblem[]; at: SourcePosition };

/** `build` keys Deckhand builds from. Other keys of the specification fail the service (cache hints excepted). */
const SUPPORTED_BUILD_KEYS = new Set([
  "context",
  "dockerfile",
  "dockerfile_inline",
  "args",
  "target",
  "labels",
  "platforms",
  "additional_contexts",
  "secrets",
  "no_cache",
  "pull",
]);
/** Keys that only steer a build cache: Deckhand builds every image from scratch, so they change nothing it pushes. */
const CACHE_ONLY_KEYS = new Set(["cache_from", "cache_to"]);

/** Additional context names and build secret ids: they become parts of builder flags ("name=...", "id=...,src=..."). */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_.]+)?$/;

/**
 * `os/arch[/variant]` with the architecture's default variant left out ("linux/arm64/v8" → "linux/arm64",
 * "linux/amd64/v1" → "linux/amd64"; DEFAULT_VARIANT in decide-push.ts), so that two spellings of one platform compare
 * equal. containerd's platforms.Normalize does the same, and buildx de-duplicates build platforms after it
 * (util/platformutil Dedupe): Compose builds such a pair once.
 */
function platformKey(p: string): string {
  const [os, arch, variant] = p.split("/");
  return variant !== undefined && variant === DEFAULT_VARIANT[arch] ? `${os}/${arch}` : p;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/**
 * Docker's image reference grammar (distribution/reference `regexp.go`, which docker compose's build applies to
 * `image:` when it tags the result): `[host[:port]/]path[:tag][@digest]`, path components of lowercase letters and
 * digits joined by ".", "_", "__" or dashes, a tag of at most 128 word characters, dots and dashes.
 */
const IMAGE_REFERENCE = new RegExp(
  `^(?:(?:localhost|${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?/)?` +
    `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/**
 * Plans the build of one enabled service whose model passed the schema. `service` has `extends` applied and paths
 * (context, additional contexts, secret files) already relative to the repository; `problems` are what earlier steps
 * found for it. Reads secret files through `read` only to check they exist.
 */
export async function planServiceBuild({
  name,
  service,
  model,
  env,
  projectDir,
  prefix,
  read,
  problems: earlier,
}: {
  name: string;
  service: ComposeMap;
  model: ComposeMap;
  env: ComposeEnv;
  projectDir: string;
  prefix: string;
  read: ReadRepoFile;
  problems: ComposeProblem[];
}): Promise<ServicePlan> {
  const at = service.at;
  const problems = [...earlier];
  const where = (keys: (string | number)[]) => locate(service, keys);
  const fail = (keys: (string | number)[], message: string) => {
    const p = where(keys);
    const key = ["services", name, ...keys].join(".");
    problems.push({ file: p.file, line: p.line, column: p.column, key, message: `${key}: ${message}` });
  };
  const failed = (): ServicePlan => ({ service: name, status: "failed", problems, at });

  const buildNode = service.entries.get("build");
  if (buildNode === undefined || (buildNode.kind === "scalar" && buildNode.value === null)) {
    if (problems.length) return failed();
    return { service: name, status: "not-built", reason: "no-build", message: "no build: section (its image is pulled, not built)", at };
  }
  const build = new Map<string, ComposeNode>(buildNode.kind === "map" ? buildNode.entries : [["context", buildNode]]);
  const buildKeys = (k: string) => (buildNode.kind === "map" ? ["build", k] : ["build"]);
  const notes: string[] = [];
  for (const key of build.keys()) {
    if (SUPPORTED_BUILD_KEYS.has(key) || key.startsWith("x-")) continue;
    if (CACHE_ONLY_KEYS.has(key)) {
      notes.push(`build.${key} not used: Deckhand builds every image from scratch, which gives the same image`);
      continue;
    }
    fail(["build", key], "not supported by Deckhand's builder; remove it or build this service elsewhere");
  }

  const str = (key: string): string | undefined => {
    const n = build.get(key);
    return n?.kind === "scalar" && n.value !== null ? String(n.value) : undefined;
  };
  const context = str("context") ?? projectDir;
  if (isRemoteContext(context)) {
    fail(buildKeys("context"), `remote build context "${context}" refused: Deckhand builds only what the pushed commit holds`);
  }

  let dockerfile: BuildPlan["dockerfile"] = { kind: "path", path: "Dockerfile" };
  const inline = str("dockerfile_inline");
  const file = str("dockerfile");
  if (inline !== undefined && file !== undefined) fail(["build", "dockerfile_inline"], "build.dockerfile and build.dockerfile_inline are mutually exclusive");
  else if (inline !== undefined) dockerfile = { kind: "inline", text: inline };
  else {
    const p = joinRepoPath(context, file ?? "Dockerfile");
    if (p === null) fail(["build", "dockerfile"], `"${file}" must be a relative path inside the repository`);
    else dockerfile = { kind: "path", path: p };
  }

  const args: Record<string, string> = {};
  for (const [k, v, keys] of keyValues(build.get("args"), ["build", "args"])) {
    if (v === undefined) {
      // A bare name takes its value from the environment; unset, Compose leaves the arg out. Own variables only: an
      // arg named `constructor` or `hasOwnProperty` is no Object.prototype member.
      const value = Object.hasOwn(env, k) ? env[k] : undefined;
      if (value !== undefined) args[k] = value;
      else notes.push(`build arg ${k} has no value in the environment: left unset, as Compose does`);
    } else if (v === null) fail(keys, "must be a string, number or boolean");
    else args[k] = v;
  }
  const labels: Record<string, string> = {};
  for (const [k, v, keys] of keyValues(build.get("labels"), ["build", "labels"])) {
    if (v === null) fail(keys, "must be a string");
    else labels[k] = v ?? "";
  }

  // `platforms` is what is built: each platform once, in its first spelling (buildx platformutil.Dedupe, see
  // platformKey). `written` is build.platforms as written: Compose checks `platform` and DOCKER_DEFAULT_PLATFORM
  // against it by exact string (docker/compose pkg/compose/build.go useDockerDefaultPlatform: utils.StringContains).
  const platforms: string[] = [];
  const written: string[] = [];
  const firstSpelling = new Map<string, string>();
  const listed = build.get("platforms");
  if (listed?.kind === "seq") {
    listed.items.forEach((item, i) => {
      const p = item.kind === "scalar" ? String(item.value).toLowerCase() : "";
      if (!PLATFORM.test(p)) {
        fail(["build", "platforms", i], `"${p}" is not a platform (os/arch[/variant], e.g. linux/arm64)`);
        return;
      }
      written.push(p);
      const first = firstSpelling.get(platformKey(p));
      if (first === undefined) {
        firstSpelling.set(platformKey(p), p);
        platforms.push(p);
      } else if (first !== p) notes.push(`build.platforms: ${p} is ${first} (the default variant), built once`);
    });
  }
  const platformNode = service.entries.get("platform");
  const servicePlatform = platformNode?.kind === "scalar" && platformNode.value !== null && !platformNode.problem ? String(platformNode.value).toLowerCase() : undefined;
  if (servicePlatform !== undefined && !PLATFORM.test(servicePlatform)) fail(["platform"], `"${servicePlatform}" is not a platform (os/arch[/variant], e.g. linux/arm64)`);
  // Compose Specification, build.platforms: the service platform must be one of the build platforms.
  else if (servicePlatform !== undefined && platforms.length && !written.includes(servicePlatform)) {
    fail(["platform"], `"${servicePlatform}" is not one of build.platforms (${platforms.join(", ")})`);
  }
  // docker compose reads DOCKER_DEFAULT_PLATFORM from the project environment, .env included (pkg/compose/build.go
  // useDockerDefaultPlatform): it must be one of build.platforms when those are set, and otherwise it is the platform
  // built, before the service's `platform` (docker/compose#9866). When the two differ Compose builds the default and
  // then refuses the image for the service; Deckhand says so instead of pushing either.
  const defaultPlatform = env.DOCKER_DEFAULT_PLATFORM ? env.DOCKER_DEFAULT_PLATFORM.toLowerCase() : undefined;
  const fromDefault = `DOCKER_DEFAULT_PLATFORM "${defaultPlatform}" (from the environment or .env)`;
  if (defaultPlatform !== undefined && !PLATFORM.test(defaultPlatform)) fail([], `${fromDefault} is not a platform (os/arch[/variant], e.g. linux/arm64)`);
  else if (defaultPlatform !== undefined && platforms.length) {
    if (!written.includes(defaultPlatform)) fail(["build", "platforms"], `${fromDefault} is not one of build.platforms (${platforms.join(", ")}), which Compose refuses`);
  } else if (defaultPlatform !== undefined) {
    if (servicePlatform !== undefined && PLATFORM.test(servicePlatform) && servicePlatform !== defaultPlatform) {
      fail(["platform"], `"${servicePlatform}" differs from ${fromDefault}: Compose builds for the default and then refuses the image for this platform; make them agree`);
    } else platforms.push(defaultPlatform);
  } else if (servicePlatform !== undefined && PLATFORM.test(servicePlatform) && platforms.length === 0) platforms.push(servicePlatform);

  const additionalContexts: Record<string, string> = {};
  for (const [k, v, keys] of keyValues(build.get("additional_contexts"), ["build", "additional_contexts"])) {
    if (v === undefined || v === null) fail(keys, "must be NAME=PATH");
    else if (!PLAIN_NAME.test(k)) fail(keys, `name "${k}" must be letters, digits, "_", "." and "-"`);
    else if (v.startsWith("docker-image://")) additionalContexts[k] = v;
    else if (isRemoteContext(v)) fail(keys, `"${v}" refused: additional contexts must be directories of the repository or docker-image:// references`);
    else additionalContexts[k] = v;
  }

  const secrets: BuildPlan["secrets"] = [];
  const secretDefs = model.entries.get("secrets");
  const secretList = build.get("secrets");
  const secretItems = secretList?.kind === "seq" ? secretList.items : [];
  for (const [i, item] of secretItems.entries()) {
    let source: string | undefined;
    let target: string | undefined;
    if (item.kind === "scalar") source = String(item.value);
    else if (item.kind === "map") {
      const s = item.entries.get("source");
      const t = item.entries.get("target");
      source = s?.kind === "scalar" ? String(s.value) : undefined;
      target = t?.kind === "scalar" && t.value !== null ? String(t.value) : undefined;
    }
    if (!source) {
      fail(["build", "secrets", i], "must name a secret");
      continue;
    }
    if (!PLAIN_NAME.test(target ?? source)) {
      fail(["build", "secrets", i], `secret id "${target ?? source}" must be letters, digits, "_", "." and "-" (it is the id a RUN step mounts)`);
      continue;
    }
    const def = secretDefs?.kind === "map" ? secretDefs.entries.get(source) : undefined;
    const fileNode = def?.kind === "map" ? def.entries.get("file") : undefined;
    if (!def) fail(["build", "secrets", i], `secret "${source}" is not defined in the top-level secrets:`);
    else if (fileNode?.kind !== "scalar" || typeof fileNode.value !== "string") {
      fail(["build", "secrets", i], `secret "${source}" must come from a file: (Deckhand does not pass environment or external secrets to builds)`);
    } else if (fileNode.problem) {
      const p = fileNode.at;
      problems.push({ file: p.file, line: p.line, column: p.column, key: `secrets.${source}.file`, message: `secrets.${source}.file: ${fileNode.problem}` });
    } else {
      try {
        // Only existence matters here; the text is dropped at once so that it cannot reach a plan, log or record.
        await read(fileNode.value);
        secrets.push({ id: target ?? source, file: fileNode.value });
      } catch (err) {
        fail(["build", "secrets", i], isMissingFile(err) ? `secret "${source}" file ${fileNode.value} not found at this commit` : `secret "${source}" file cannot be read`);
      }
    }
  }

  const bool = (key: string): boolean => {
    const n = build.get(key);
    if (n === undefined || n.kind !== "scalar" || n.value === null) return false;
    if (typeof n.value === "boolean") return n.value;
    const b = parseBool(String(n.value));
    if (b === undefined) fail(["build", key], `"${n.value}" is not true or false`);
    return b ?? false;
  };
  const noCache = bool("no_cache");
  const pull = bool("pull");

  const imageNode = service.entries.get("image");
  // An empty `image:` (an unset variable alone) is no image for Compose: it names the image after the service.
  const image = imageNode?.kind === "scalar" && imageNode.value !== null && imageNode.value !== "" ? String(imageNode.value) : undefined;
  // A value interpolation could not resolve is reported already (earlier problems); its template says nothing more.
  const imageUnresolved = imageNode?.kind === "scalar" && imageNode.problem !== undefined;
  const repositoryName = prefix + (image ? readImageRepository(image) : name);
  // An unset variable leaves "team/web:" or "/web": docker compose refuses such a tag ("invalid reference format").
  if (!imageUnresolved) {
    const invalid = checkEcrRepositoryName(repositoryName);
    if (invalid) fail(image ? ["image"] : [], `ECR repository ${invalid}${image ? "" : "; set image: to a valid name"}`);
    else if (image !== undefined && !IMAGE_REFERENCE.test(image)) {
      fail(["image"], `"${image}" is not a valid image reference ([registry/]name[:tag][@digest]; is a variable it uses unset?)`);
    }
  }

  if (problems.length) return failed();
  const target = str("target");
  return {
    service: name,
    status: "build",
    at,
    build: {
      service: name,
      repositoryName,
      image,
      context,
      dockerfile,
      args,
      target,
      labels,
      platforms,
      additionalContexts,
      secrets,
      noCache,
      pull,
      notes,
      at,
      keyAt: Object.fromEntries([
        ...[...build.keys()].map((k): [string, SourcePosition] => [buildNode.kind === "map" ? `build.${k}` : "build", where(buildKeys(k))]),
        ...(["image", "platform"] as const).filter((k) => service.entries.has(k)).map((k): [string, SourcePosition] => [k, where([k])]),
      ]),
    },
  };
}

/**
 * The entries of a Compose "list or dict" (`{ K: V }` or `["K=V", "K"]`): value undefined for a bare name, null for a
 * value that is not a scalar.
 */
function keyValues(node: ComposeNode | undefined, keys: (string | number)[]): [string, string | undefined | null, (string | number)[]][] {
  if (!node) return [];
  if (node.kind === "map") {
    return [...node.entries].map(([k, v]) => [k, v.kind !== "scalar" ? null : v.value === null ? undefined : String(v.value), [...keys, k]]);
  }
  if (node.kind === "seq") {
    return node.items.map((item, i): [string, string | undefined | null, (string | number)[]] => {
      if (item.kind !== "scalar" || item.value === null) return [String(i), null, [...keys, i]];
      const s = String(item.value);
      const eq = s.indexOf("=");
      return eq < 0 ? [s, undefined, [...keys, i]] : [s.slice(0, eq), s.slice(eq + 1), [...keys, i]];
    });
  }
  return [];
}

/** Go's strconv.ParseBool, which compose-go uses for boolean strings after interpolation. */
function parseBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}
