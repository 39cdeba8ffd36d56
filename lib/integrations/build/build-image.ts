import fs from "node:fs/promises";
import path from "node:path";
import { readDockerfileBases } from "../../judgements/push/dockerfile-bases";
import { inspectImageDigest, usedImageIds, type BuildCache } from "./build-cache";
import { buildEnv } from "./isolation/build-env";
import { detectIsolation, UNISOLATED_WARNING, type Isolation } from "./isolation/detect-isolation";
import { isolatedCommand } from "./isolation/isolated-command";
import { openBuildNetwork } from "./isolation/open-build-network";
import { PathMissingError, resolveInside } from "../git/contain-path";
import type { Builder } from "./detect-builder";
import { prepareBuildContext, prepareBuildFile } from "./prepare-build-context";
import { readOciLayout, type BuiltImage } from "./read-oci-layout";
import { CommandTimeoutError, runStreaming, type LineSink } from "./run-streaming";

export interface BuildRequest {
  builder: Builder;
  /**
   * The checkout root: the context, the Dockerfile and the .dockerignore files must really be inside it (symbolic
   * links are followed only while they stay inside; see contain-path.ts). Defaults to the context.
   */
  root?: string;
  /** Absolute path of the build context in the checkout. */
  context: string;
  /** Absolute path of the Dockerfile in the checkout; ignored when `dockerfileInline` is set. */
  dockerfile: string;
  args?: Record<string, string>;
  target?: string;
  /** Compose build options beyond args and target (see featureArgs). */
  features?: BuildFeatures;
  /**
   * Unix seconds: the image's creation time and every file's mtime. Default STABLE_TIMESTAMP, the same for every
   * commit, so a layer whose inputs did not change keeps its digest from commit to commit and worker to worker.
   */
  sourceDate?: number;
  /**
   * The worker's kept store (buildah only): one layer per instruction (`--layers`), unchanged steps and base images
   * from the cache, pruned to its budget after the build. Unset: a store of the build's own, removed after it.
   */
  cache?: BuildCache;
  /** Pull every base image again (`--pull=always`, "rebuild with fresh base images"); otherwise pulled when missing. */
  pullAlways?: boolean;
  /** A shared cache in the registry (buildah only): steps are looked up there (`--cache-from`) and written (`--cache-to`). */
  registryCache?: { ref: string; authFile: string };
  /**
   * A directory owned by this build (one per job and service). The OCI layout is left in `<workDir>/oci` for the
   * push; everything else (builder storage, the context copy) is removed before returning. The caller removes workDir.
   */
  workDir: string;
  /** How RUN steps are isolated (the worker detects it once at start); unset: detected here, network "outbound". */
  isolation?: Isolation;
  /** Wall-clock limit of the whole build in milliseconds; the builder and everything it started are killed past it. */
  timeoutMs?: number;
  onLine?: LineSink;
  signal?: AbortSignal;
}

export interface BuildResult extends BuiltImage {
  /** The OCI layout holding the blobs. */
  layoutDir: string;
  /** The base images the Dockerfile names and the manifest digest each resolved to in the store (buildah only). */
  baseImages?: BaseImage[];
  /** Steps the builder ran and how many came from its cache (buildah only). */
  steps?: { total: number; cached: number };
}

export interface BaseImage {
  ref: string;
  /** Manifest digest of the image the build used; unset when the store could not say. */
  digest?: string;
  /** Pulled again by this build (an operator's "rebuild with fresh base images", or DECKHAND_BASE_REFRESH_HOURS). */
  pulled?: boolean;
}

/**
 * The layer timestamp of every build (Unix seconds): 1970-01-01T00:00:01Z. Constant so that the same inputs give the
 * same layer and config digests on any worker and for any commit (the commit is identified by its SHA tag and the
 * job record, never inside the image). One second rather than zero, as jib does: some tools read an mtime of 0 as
 * "unknown" (Java's File.lastModified, zip writers that refuse dates before 1980 clamp it anyway).
 */
export const STABLE_TIMESTAMP = 1;

/**
 * Builds one service reproducibly into an OCI layout: same sources and source date give the same config and
 * manifest digests, whatever the wall clock, the files' mtimes or the worker's umask.
 *
 * buildah 1.28's --timestamp sets the config's and history's "created" AND the mtime of every file in the layer
 * (verified by build-image.test.ts); --identity-label=false drops the io.buildah.version label so that workers with
 * different buildah versions do not differ by a label alone. The context is still copied with normalised modes
 * and mtimes (prepareBuildContext) because --timestamp does not touch permissions.
 */
export async function buildImage(request: BuildRequest): Promise<BuildResult> {
  const req = { ...request, sourceDate: request.sourceDate ?? STABLE_TIMESTAMP };
  const work = path.resolve(req.workDir);
  const contextCopy = path.join(work, "context");
  const layoutDir = path.join(work, "oci");
  const deadline = req.timeoutMs ? Date.now() + req.timeoutMs : undefined;
  await fs.mkdir(work, { recursive: true });
  await fs.rm(layoutDir, { recursive: true, force: true });
  try {
    const files = await resolveBuildFiles(req);
    // The context is copied into the work directory: one inside the context would copy itself without end.
    const rel = path.relative(path.resolve(files.context), work);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) throw new Error(`the build's work directory ${work} is inside its context ${files.context}: give one outside it`);
    await prepareBuildContext({ from: files.context, to: contextCopy, sourceDate: req.sourceDate });
    const dockerfile = await placeBuildFiles(files, contextCopy, work, req.sourceDate);
    let extra: Pick<BuildResult, "baseImages" | "steps"> = {};
    const inputs = await prepareFeatureInputs(req.features, path.resolve(req.root ?? req.context), work, req.sourceDate);
    if (req.builder.kind === "buildah") extra = await buildWithBuildah(req, work, contextCopy, dockerfile, layoutDir, deadline, inputs);
    else await buildWithDocker(req, work, contextCopy, dockerfile, layoutDir, deadline, inputs);
    // buildx names entries its own way; its layout holds just this image.
    const image = await readOciLayout(layoutDir, req.builder.kind === "buildah" ? LAYOUT_REF : undefined);
    return { ...image, layoutDir, ...extra };
  } catch (err) {
    // Each step got what was left of the limit; the message names the limit itself.
    if (err instanceof CommandTimeoutError && req.timeoutMs) throw new CommandTimeoutError(req.timeoutMs, err.tail);
    throw err;
  } finally {
    await fs.rm(contextCopy, { recursive: true, force: true });
    await fs.rm(path.join(work, "dockerfile"), { recursive: true, force: true });
    for (const name of ["contexts", "secrets"]) await fs.rm(path.join(work, name), { recursive: true, force: true });
    await removeStorage(work);
  }
}

const LAYOUT_REF = "image";

/** Compose `build` keys passed to the builder as they are (Compose Specification, build.md). */
export interface BuildFeatures {
  /** `build.dockerfile_inline`: the Dockerfile's text; written to a file this build owns, outside the context. */
  dockerfileInline?: string;
  /** `build.labels`: set on the image config. */
  labels?: Record<string, string>;
  /** `build.no_cache`. */
  noCache?: boolean;
  /** `build.pull`: pull base images even when present. */
  pull?: boolean;
  /** One OCI platform ("linux/arm64"): the service's `platform` or its only `build.platforms` entry. */
  platform?: string;
  /**
   * Several platforms (`build.platforms`): the service is built once per platform (each build gets `platform`) and
   * pushed as an image index (lib/operations/pushes/push-service-index.ts). Not a builder flag.
   */
  platforms?: string[];
  /**
   * `build.additional_contexts`: name → a directory relative to the checkout root (copied like the context, through
   * contain-path), or a `docker-image://` reference (pulled like a FROM image).
   */
  additionalContexts?: Record<string, string>;
  /**
   * `build.secrets` from files: the id a Dockerfile mounts (RUN --mount=type=secret,id=...) and the file relative to
   * the checkout root. The file is copied (contained, mode 0600) into this build's work dir and removed with it; the
   * builder mounts it for RUN steps only, so it never reaches a layer; its content is never logged.
   */
  secrets?: { id: string; file: string }[];
}

/** Where the additional contexts and secrets of one build were copied (see prepareFeatureInputs). */
interface FeatureInputs {
  contexts: Record<string, string>;
  secrets: { id: string; src: string }[];
}

/**
 * Copies the additional contexts and secret files a build names out of the checkout into `work`, each resolved inside
 * `root` (a link out of the checkout is refused with PathEscapeError, as for the context).
 */
async function prepareFeatureInputs(f: BuildFeatures = {}, root: string, work: string, sourceDate: number): Promise<FeatureInputs> {
  const out: FeatureInputs = { contexts: {}, secrets: [] };
  // Names and ids become parts of "name=value" and "id=...,src=..." flags: a comma or "=" in one could name another
  // source (src=/etc/shadow), so only plain names pass.
  const plain = (kind: string, v: string) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v)) throw new Error(`${kind} "${v.slice(0, 80)}" refused: use letters, digits, "_", "." and "-" only`);
  };
  for (const [name, where] of Object.entries(f.additionalContexts ?? {})) {
    plain("additional context name", name);
    if (where.startsWith("docker-image://")) {
      if (/[\s,]/.test(where)) throw new Error(`additional context ${name}: "${where.slice(0, 120)}" is not an image reference`);
      out.contexts[name] = where;
      continue;
    }
    const from = await resolveInside(root, where, "directory");
    const to = path.join(work, "contexts", String(Object.keys(out.contexts).length));
    await prepareBuildContext({ from, to, sourceDate });
    out.contexts[name] = to;
  }
  for (const [i, secret] of (f.secrets ?? []).entries()) {
    plain("build secret id", secret.id);
    const from = await resolveInside(root, secret.file, "file");
    const dir = await ownDir(work, "secrets");
    const src = path.join(dir, String(i));
    await fs.copyFile(from, src);
    await fs.chmod(src, 0o600);
    out.secrets.push({ id: secret.id, src });
  }
  return out;
}

/** --build-context and --secret flags (buildah 1.28 and buildx spell them the same). */
function featureInputArgs(inputs?: FeatureInputs): string[] {
  if (!inputs) return [];
  return [
    ...Object.entries(inputs.contexts).flatMap(([name, where]) => ["--build-context", `${name}=${where}`]),
    ...inputs.secrets.flatMap((s) => ["--secret", `id=${s.id},src=${s.src}`]),
  ];
}

/** The builder flags for `features`: the same for buildah 1.28 and docker buildx, except pull. */
export function featureArgs(f: BuildFeatures = {}, builder: Builder["kind"]): string[] {
  return [
    ...(f.platform ? ["--platform", f.platform] : []),
    ...Object.entries(f.labels ?? {}).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
    ...(f.noCache ? ["--no-cache"] : []),
    ...(f.pull ? [builder === "buildah" ? "--pull=always" : "--pull"] : []),
  ];
}

interface BuildFiles {
  /** Real path of the context directory, inside the root. */
  context: string;
  /** Real path of the Dockerfile, inside the root; undefined for an inline Dockerfile. */
  dockerfile?: string;
  /** The text of an inline Dockerfile (build.dockerfile_inline). */
  inline?: string;
  /** Where the Dockerfile is named relative to the context, when it is named inside it. */
  dockerfileInContext?: string;
  /** Real paths of the ignore files that exist: `<Dockerfile>.dockerignore` and the context's `.dockerignore`. */
  dockerfileIgnore?: string;
  contextIgnore?: string;
}

/**
 * Resolves everything the builder reads from the checkout inside the root: a context, Dockerfile or .dockerignore
 * that is (or passes through) a symbolic link out of the checkout throws PathEscapeError naming it.
 */
async function resolveBuildFiles(req: BuildRequest): Promise<BuildFiles> {
  const root = path.resolve(req.root ?? req.context);
  const rel = (p: string) => path.relative(root, path.resolve(p)) || ".";
  const optional = (p: string) =>
    resolveInside(root, p, "file").catch((err) => {
      if (err instanceof PathMissingError) return undefined;
      throw err;
    });
  const context = await resolveInside(root, rel(req.context), "directory");
  if (req.features?.dockerfileInline !== undefined) {
    return { context, inline: req.features.dockerfileInline, contextIgnore: await optional(path.join(rel(req.context), ".dockerignore")) };
  }
  const dockerfile = await resolveInside(root, rel(req.dockerfile), "file").catch((err) => {
    throw err instanceof PathMissingError ? new Error(`Dockerfile not found: ${req.dockerfile}`) : err;
  });
  const inContext = path.relative(path.resolve(req.context), path.resolve(req.dockerfile));
  return {
    context,
    dockerfile,
    dockerfileInContext: inContext && !inContext.startsWith("..") && !path.isAbsolute(inContext) ? inContext : undefined,
    dockerfileIgnore: await optional(`${rel(req.dockerfile)}.dockerignore`),
    contextIgnore: await optional(path.join(rel(req.context), ".dockerignore")),
  };
}

/**
 * Puts the Dockerfile and the ignore files where the builder looks for them, as regular files with their resolved
 * content: in the context copy they may be symbolic links, which the builder (running as root on the host) would
 * follow. A Dockerfile named inside the context stays at its place in the copy; one outside goes beside it.
 * Returns the Dockerfile path to build with.
 */
async function placeBuildFiles(files: BuildFiles, contextCopy: string, work: string, sourceDate: number): Promise<string> {
  const put = async (from: string, to: string) => {
    await fs.rm(to, { force: true, recursive: true });
    await prepareBuildFile({ from, to, sourceDate });
  };
  if (files.contextIgnore) await put(files.contextIgnore, path.join(contextCopy, ".dockerignore"));
  if (files.inline !== undefined) {
    // Written by the worker, never into the checkout or the context: the text comes from the compose file alone.
    const inline = path.join(work, "dockerfile", "Dockerfile");
    await fs.mkdir(path.dirname(inline), { recursive: true });
    await fs.writeFile(inline, files.inline, { mode: 0o644 });
    await fs.utimes(inline, sourceDate, sourceDate);
    return inline;
  }
  if (!files.dockerfile) throw new Error("no Dockerfile");
  const dockerfile = files.dockerfileInContext
    ? path.join(contextCopy, files.dockerfileInContext)
    : path.join(work, "dockerfile", path.basename(files.dockerfile));
  await put(files.dockerfile, dockerfile);
  // buildah and buildx read <Dockerfile>.dockerignore beside a Dockerfile before the context's .dockerignore.
  if (files.dockerfileIgnore) await put(files.dockerfileIgnore, dockerfile + ".dockerignore");
  return dockerfile;
}

type ResolvedRequest = BuildRequest & { sourceDate: number };

async function buildWithBuildah(req: ResolvedRequest, work: string, context: string, dockerfile: string, layoutDir: string, deadline?: number, inputs?: FeatureInputs) {
  // Without a kept cache, per-build storage: concurrent jobs never share containers/storage locks or images.
  const cache = req.cache;
  const global = cache
    ? cache.storageArgs()
    : ["--storage-driver", "vfs", "--root", path.join(work, "storage", "root"), "--runroot", path.join(work, "storage", "runroot")];
  // Named by ID, not tagged: in a kept store the image stays as the cache of its last step, with no name to clean up.
  const iidFile = path.join(work, "iid");
  const lines: string[] = [];
  const onLine: LineSink = (line, stream) => {
    if (stream === "stdout" && lines.length < 10_000) lines.push(line);
    req.onLine?.(line, stream);
  };
  const env = buildEnv({
    home: await ownDir(work, "home"),
    tmpDir: await ownDir(work, "tmp"),
    extra: req.registryCache ? { REGISTRY_AUTH_FILE: req.registryCache.authFile } : {},
  });
  const isolation = req.isolation ?? (await defaultIsolation());
  // Bases whose last pull is older than the cache's refresh period are pulled again (the schedule half of "rebuild
  // with fresh base images"); the operator's request pulls them all.
  const baseRefs = readDockerfileBases(await fs.readFile(dockerfile, "utf8"), req.args).bases;
  const due = cache && !req.pullAlways ? await cache.basesDue(baseRefs) : [];
  const pullAlways = !!req.pullAlways || due.length > 0;
  if (due.length && cache) {
    req.onLine?.(`base image ${due.join(", ")} last pulled ${Math.round(cache.baseRefreshMs / 3600_000)} h or more ago (DECKHAND_BASE_REFRESH_HOURS): pulling it again`, "stdout");
  }
  const build = [
    "build",
    "--format",
    "oci",
    "--timestamp",
    String(req.sourceDate),
    "--identity-label=false",
    // One layer per instruction, with or without a kept store: the same image either way.
    "--layers",
    "--force-rm",
    ...(cache ? [`--pull=${pullAlways ? "always" : "false"}`] : pullAlways ? ["--pull=always"] : []),
    ...(req.registryCache ? ["--cache-from", req.registryCache.ref, "--cache-to", req.registryCache.ref] : []),
    // Proxy variables the builder may need for pulls stay out of RUN steps.
    "--http-proxy=false",
    "-f",
    dockerfile,
    ...(req.target ? ["--target", req.target] : []),
    ...buildArgs(req.args),
    ...featureArgs(req.features, "buildah"),
    ...featureInputArgs(inputs),
    "--iidfile",
    iidFile,
    context,
  ];
  const left = () => (deadline ? Math.max(1, deadline - Date.now()) : undefined);
  const run = (command: string, args: string[]) =>
    runStreaming(command, args, { env, onLine, signal: req.signal, timeoutMs: left(), label: path.basename(req.builder.path) });
  const flags = ` --layers${cache ? ` --pull=${pullAlways ? "always" : "false"}` : ""}`;
  req.onLine?.(`$ buildah build --timestamp ${req.sourceDate}${flags}${req.target ? ` --target ${req.target}` : ""}${req.features?.platform ? ` --platform ${req.features.platform}` : ""} -f ${path.basename(dockerfile)}`, "stdout");
  // One build at a time per kept store: two concurrent `--layers` builds on one store were seen to give an image
  // other than a lone build of the same context (build-cache.test.ts), so they are serialised.
  const locked = cache ? <T>(fn: () => Promise<T>) => cache.withLock("exclusive", fn) : <T>(fn: () => Promise<T>) => fn();
  const baseImages = await locked(async () => {
    await runBuild();
    const id = (await fs.readFile(iidFile, "utf8")).trim().replace(/^sha256:/, "");
    await fs.rm(iidFile, { force: true });
    await run(req.builder.path, [...global, "push", "--format", "oci", "--compression-format", "gzip", id, `oci:${layoutDir}:${LAYOUT_REF}`]);
    const bases = await inspectBases(req.builder.path, global, env, await fs.readFile(dockerfile, "utf8"), req.args);
    return pullAlways ? bases.map((b) => ({ ...b, pulled: true })) : bases;
  });
  if (cache) await cache.recordBasePulls(baseRefs, pullAlways ? baseRefs : []);
  const used = usedImageIds(lines);
  if (cache) await cache.afterBuild(req.builder.path, used, (l) => req.onLine?.(l, "stdout"));
  return {
    baseImages,
    steps: { total: lines.filter((l) => /^STEP \d+\/\d+: /.test(l)).length, cached: lines.filter((l) => /^--> Using cache /.test(l)).length },
  };

  async function runBuild() {
  if (isolation.kind === "isolated") {
    const network = await openBuildNetwork({ mode: isolation.network, tools: isolation.tools });
    try {
      const netnsTarget = path.join(work, "netns");
      await fs.writeFile(netnsTarget, "");
      const args = [...global, "build", "--isolation", "oci", "--runtime", isolation.runtime.path, ...network.buildahArgs(netnsTarget), ...build.slice(1)];
      const cmd = isolatedCommand({
        tools: isolation.tools,
        command: req.builder.path,
        args,
        netns: network.netnsSource ? { source: network.netnsSource, target: netnsTarget } : undefined,
      });
      await run(cmd.command, cmd.args);
    } finally {
      await network.close();
    }
  } else {
    req.onLine?.(UNISOLATED_WARNING, "stderr");
    await run(req.builder.path, [...global, "build", "--isolation", "chroot", ...(isolation.network === "none" ? ["--network", "none"] : []), ...build.slice(1)]);
  }
  }
}

/**
 * The manifest digest of each base image the Dockerfile names, as the store holds it after the build (so the one
 * the build used). A base the store cannot name (a FROM this reading cannot resolve) is left out.
 */
async function inspectBases(builderPath: string, global: string[], env: NodeJS.ProcessEnv, dockerfileText: string, args?: Record<string, string>): Promise<BaseImage[]> {
  const out: BaseImage[] = [];
  for (const ref of readDockerfileBases(dockerfileText, args).bases) {
    out.push({ ref, digest: await inspectImageDigest(builderPath, global, ref, env) });
  }
  return out;
}

let detected: Promise<Isolation> | undefined;
/** For callers that do not pass the worker's isolation (tests, tools): detected once per process, never unisolated. */
function defaultIsolation(): Promise<Isolation> {
  detected ??= detectIsolation({ network: "outbound", allowUnisolated: false, builder: "buildah" });
  return detected;
}

/**
 * docker buildx: OCI output with rewrite-timestamp (file mtimes clamped to SOURCE_DATE_EPOCH) and no provenance or
 * SBOM attestation (those embed build times and would make every build differ). Needs BuildKit 0.13 or newer.
 */
async function buildWithDocker(req: ResolvedRequest, work: string, context: string, dockerfile: string, layoutDir: string, deadline?: number, inputs?: FeatureInputs) {
  const network = req.isolation?.network === "none" ? "none" : undefined;
  const args = dockerBuildxArgs({ dockerfile, context, layoutDir, target: req.target, args: req.args, sourceDate: req.sourceDate, network, features: req.features, inputs });
  req.onLine?.(`$ docker ${args.slice(0, 2).join(" ")} (SOURCE_DATE_EPOCH=${req.sourceDate})`, "stdout");
  // Never isolated as far as Deckhand has verified (see detectIsolation): say so on every build.
  req.onLine?.(UNISOLATED_WARNING, "stderr");
  const env = buildEnv({
    home: await ownDir(work, "home"),
    tmpDir: await ownDir(work, "tmp"),
    // The docker CLI finds its daemon and buildx plugin through these.
    extra: Object.fromEntries(["DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
  });
  env.SOURCE_DATE_EPOCH = String(req.sourceDate);
  if (!env.DOCKER_CONFIG && process.env.HOME) env.DOCKER_CONFIG = path.join(process.env.HOME, ".docker");
  await runStreaming(req.builder.path, args, { env, onLine: req.onLine, signal: req.signal, timeoutMs: deadline ? Math.max(1, deadline - Date.now()) : undefined });
}

export function dockerBuildxArgs(o: {
  dockerfile: string;
  context: string;
  layoutDir: string;
  target?: string;
  args?: Record<string, string>;
  sourceDate: number;
  network?: "none";
  features?: BuildFeatures;
  inputs?: FeatureInputs;
}): string[] {
  return [
    "buildx",
    "build",
    "--progress",
    "plain",
    "--provenance=false",
    "--sbom=false",
    ...(o.network ? ["--network", o.network] : []),
    "--build-arg",
    `SOURCE_DATE_EPOCH=${o.sourceDate}`,
    ...buildArgs(o.args),
    ...(o.target ? ["--target", o.target] : []),
    ...featureArgs(o.features, "docker"),
    ...featureInputArgs(o.inputs),
    "-f",
    o.dockerfile,
    "--output",
    `type=oci,dest=${o.layoutDir},tar=false,rewrite-timestamp=true`,
    o.context,
  ];
}

function buildArgs(args: Record<string, string> = {}): string[] {
  return Object.entries(args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
}

async function ownDir(work: string, name: string): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

async function removeStorage(work: string) {
  // vfs storage is plain directories, and the builder's mounts lived in its own mount namespace (isolatedCommand):
  // removing the tree is enough.
  for (const name of ["storage", "tmp", "home", "netns", "iid"]) await fs.rm(path.join(work, name), { recursive: true, force: true });
}
