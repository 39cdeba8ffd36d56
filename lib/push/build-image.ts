import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Builder } from "./detect-builder";
import { prepareBuildContext, prepareBuildFile } from "./prepare-build-context";
import { readOciLayout, type BuiltImage } from "./read-oci-layout";
import { runStreaming, type LineSink } from "./run-streaming";

export interface BuildRequest {
  builder: Builder;
  /** Absolute path of the build context in the checkout. */
  context: string;
  /** Absolute path of the Dockerfile in the checkout. */
  dockerfile: string;
  args?: Record<string, string>;
  target?: string;
  /** Unix seconds: the image's creation time and every file's mtime (see readSourceDate). */
  sourceDate: number;
  /**
   * A directory owned by this build (one per job and service). The OCI layout is left in `<workDir>/oci` for the
   * push; everything else (builder storage, the context copy) is removed before returning. The caller removes workDir.
   */
  workDir: string;
  onLine?: LineSink;
  signal?: AbortSignal;
}

export interface BuildResult extends BuiltImage {
  /** The OCI layout holding the blobs. */
  layoutDir: string;
}

/**
 * Builds one service reproducibly into an OCI layout: same sources and source date give the same config and
 * manifest digests, whatever the wall clock, the files' mtimes or the worker's umask.
 *
 * buildah 1.28's --timestamp sets the config's and history's "created" AND the mtime of every file in the layer
 * (verified by build-image.test.ts); --identity-label=false drops the io.buildah.version label so that workers with
 * different buildah versions do not differ by a label alone. The context is still copied with normalised modes
 * and mtimes (prepareBuildContext) because --timestamp does not touch permissions.
 */
export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const work = path.resolve(req.workDir);
  const contextCopy = path.join(work, "context");
  const layoutDir = path.join(work, "oci");
  await fs.mkdir(work, { recursive: true });
  await fs.rm(layoutDir, { recursive: true, force: true });
  try {
    await prepareBuildContext({ from: req.context, to: contextCopy, sourceDate: req.sourceDate });
    const dockerfile = await placeDockerfile(req, contextCopy, work);
    if (req.builder.kind === "buildah") await buildWithBuildah(req, work, contextCopy, dockerfile, layoutDir);
    else await buildWithDocker(req, work, contextCopy, dockerfile, layoutDir);
    // buildx names entries its own way; its layout holds just this image.
    const image = await readOciLayout(layoutDir, req.builder.kind === "buildah" ? LAYOUT_REF : undefined);
    return { ...image, layoutDir };
  } finally {
    await fs.rm(contextCopy, { recursive: true, force: true });
    await fs.rm(path.join(work, "dockerfile"), { recursive: true, force: true });
    await removeStorage(work);
  }
}

const LAYOUT_REF = "image";

/** The Dockerfile inside the copied context when it was inside the context, else a normalised copy beside it. */
async function placeDockerfile(req: BuildRequest, contextCopy: string, work: string): Promise<string> {
  const rel = path.relative(path.resolve(req.context), path.resolve(req.dockerfile));
  if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) {
    const inside = path.join(contextCopy, rel);
    await fs.access(inside).catch(() => {
      throw new Error(`Dockerfile not found: ${req.dockerfile}`);
    });
    return inside;
  }
  const outside = path.join(work, "dockerfile", path.basename(req.dockerfile));
  await prepareBuildFile({ from: req.dockerfile, to: outside, sourceDate: req.sourceDate }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `Dockerfile not found: ${req.dockerfile}` : err.message);
  });
  // buildah and buildx read <Dockerfile>.dockerignore beside a Dockerfile before the context's .dockerignore.
  const ignore = req.dockerfile + ".dockerignore";
  if (await exists(ignore)) await prepareBuildFile({ from: ignore, to: outside + ".dockerignore", sourceDate: req.sourceDate });
  return outside;
}

async function buildWithBuildah(req: BuildRequest, work: string, context: string, dockerfile: string, layoutDir: string) {
  // Per-build storage: concurrent jobs never share containers/storage locks or images.
  const global = [
    "--storage-driver",
    "vfs",
    "--root",
    path.join(work, "storage", "root"),
    "--runroot",
    path.join(work, "storage", "runroot"),
  ];
  const tag = `localhost/deckhand-build:${crypto.randomBytes(6).toString("hex")}`;
  const env = { ...process.env, TMPDIR: await tmpDir(work), BUILDAH_ISOLATION: "chroot" };
  const build = [
    ...global,
    "build",
    "--isolation",
    "chroot",
    "--format",
    "oci",
    "--timestamp",
    String(req.sourceDate),
    "--identity-label=false",
    "-f",
    dockerfile,
    ...(req.target ? ["--target", req.target] : []),
    ...buildArgs(req.args),
    "-t",
    tag,
    context,
  ];
  req.onLine?.(`$ buildah build --timestamp ${req.sourceDate}${req.target ? ` --target ${req.target}` : ""} -f ${path.basename(dockerfile)}`, "stdout");
  await runStreaming(req.builder.path, build, { env, onLine: req.onLine, signal: req.signal });
  const push = [...global, "push", "--format", "oci", "--compression-format", "gzip", tag, `oci:${layoutDir}:${LAYOUT_REF}`];
  await runStreaming(req.builder.path, push, { env, onLine: req.onLine, signal: req.signal });
}

/**
 * docker buildx: OCI output with rewrite-timestamp (file mtimes clamped to SOURCE_DATE_EPOCH) and no provenance or
 * SBOM attestation (those embed build times and would make every build differ). Needs BuildKit 0.13 or newer.
 */
async function buildWithDocker(req: BuildRequest, work: string, context: string, dockerfile: string, layoutDir: string) {
  const args = dockerBuildxArgs({ dockerfile, context, layoutDir, target: req.target, args: req.args, sourceDate: req.sourceDate });
  req.onLine?.(`$ docker ${args.slice(0, 2).join(" ")} (SOURCE_DATE_EPOCH=${req.sourceDate})`, "stdout");
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(req.sourceDate), TMPDIR: await tmpDir(work) };
  await runStreaming(req.builder.path, args, { env, onLine: req.onLine, signal: req.signal });
}

export function dockerBuildxArgs(o: {
  dockerfile: string;
  context: string;
  layoutDir: string;
  target?: string;
  args?: Record<string, string>;
  sourceDate: number;
}): string[] {
  return [
    "buildx",
    "build",
    "--progress",
    "plain",
    "--provenance=false",
    "--sbom=false",
    "--build-arg",
    `SOURCE_DATE_EPOCH=${o.sourceDate}`,
    ...buildArgs(o.args),
    ...(o.target ? ["--target", o.target] : []),
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

async function tmpDir(work: string): Promise<string> {
  const dir = path.join(work, "tmp");
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

async function removeStorage(work: string) {
  // vfs storage is plain directories (no mounts with chroot isolation), so removing the tree is enough.
  await fs.rm(path.join(work, "storage"), { recursive: true, force: true });
  await fs.rm(path.join(work, "tmp"), { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
