import { execFile } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { readDockerfileBases } from "../../judgements/push/dockerfile-bases";
import { PathMissingError, readFileInside, resolveInside } from "./contain-path";
import { readDockerignoreExcludes } from "./source-date";
import type { ServiceBuild } from "./read-compose";

const run = promisify(execFile);

/**
 * What Deckhand does with the inputs; bump it whenever the build command changes what an image is made of (flags,
 * timestamp, compression), so inputs recorded before never match builds after.
 */
export const BUILD_RECIPE = "deckhand-build/1: buildah --layers --timestamp 1 --identity-label=false, OCI, gzip";

export type BuildInputs =
  | { known: true; digest: string; files: number }
  /** Some input cannot be pinned down without building: the service must be built. */
  | { known: false; why: string };

/**
 * A digest of every input of one service's build (issue 15, "skip early"):
 * - the resolved build configuration (the compose service's build settings, without the line it sits on),
 * - the content of its build context after `.dockerignore` (`git ls-files -s`: mode and blob id of each path,
 *   in a clean checkout of the commit; `.dockerignore` with `!` exceptions counts the whole context),
 * - the Dockerfile and the ignore files, by their resolved place inside the checkout (a symbolic link to another
 *   file counts that file's content),
 * - the manifest digest of each base image (`baseDigest`, the worker's store: what the build would use),
 * - the builder, the machine architecture and BUILD_RECIPE.
 * Unknown (never a guess) when a FROM cannot be resolved or a base image's digest is not known.
 */
export async function digestBuildInputs({
  checkout,
  build,
  builder,
  baseDigest,
}: {
  /** A clean working tree of the commit (its index is the commit's tree). */
  checkout: string;
  build: ServiceBuild;
  builder: string;
  /** The manifest digest the build would use for a base image reference, undefined when not known. */
  baseDigest: (ref: string) => Promise<string | undefined>;
}): Promise<BuildInputs> {
  const root = path.resolve(checkout);
  const rel = (p: string) => path.relative(root, p).split(path.sep).join("/") || ".";
  const optional = (p: string) =>
    resolveInside(root, p, "file").then(rel, (err) => {
      if (err instanceof PathMissingError) return undefined;
      throw err;
    });
  // Inputs outside the context (additional contexts, secret files) are not digested: such a service always builds.
  if (Object.keys(build.features?.additionalContexts ?? {}).length || build.features?.secrets?.length) {
    return { known: false, why: "additional contexts or build secrets are not part of the recorded inputs" };
  }
  const context = rel(await resolveInside(root, build.context, "directory"));
  // An inline Dockerfile has no file: its text is in `config` (features.dockerfileInline) and so in the digest.
  const dockerfile = build.dockerfile !== undefined ? rel(await resolveInside(root, build.dockerfile, "file")) : null;
  const ignoreFiles = [
    build.dockerfile !== undefined ? await optional(`${build.dockerfile}.dockerignore`) : undefined,
    await optional(path.posix.join(build.context, ".dockerignore")),
  ].filter((f): f is string => !!f);
  const excludes = await readDockerignoreExcludes(checkout, build.context, build.dockerfile);
  const contextFiles = await lsFiles(root, [`:(literal)${context}`, ...excludes]);
  const buildFiles = await lsFiles(root, [...(dockerfile ? [dockerfile] : []), ...ignoreFiles].map((f) => `:(literal)${f}`));

  const text = build.dockerfile !== undefined ? await readFileInside(root, build.dockerfile) : (build.features?.dockerfileInline ?? "");
  const { bases, unresolved } = readDockerfileBases(text, build.args);
  if (unresolved.length) return { known: false, why: `FROM ${unresolved[0]} cannot be resolved before building` };
  const baseDigests: Array<[string, string]> = [];
  for (const ref of bases) {
    const digest = await baseDigest(ref);
    if (!digest) return { known: false, why: `base image ${ref} is not in this worker's build cache yet` };
    baseDigests.push([ref, digest]);
  }
  const { line: _line, ...config } = build;
  const canonical = JSON.stringify({
    recipe: BUILD_RECIPE,
    builder,
    arch: process.arch,
    config: sortKeys(config),
    context,
    dockerfile,
    buildFiles,
    contextFiles,
    baseDigests,
  });
  return { known: true, digest: "sha256:" + crypto.createHash("sha256").update(canonical).digest("hex"), files: contextFiles.length };
}

/** `<mode> <blob id> <path>` of each tracked path the pathspecs select, sorted (git's order). */
async function lsFiles(cwd: string, pathspecs: string[]): Promise<string[]> {
  const { stdout } = await run("git", ["ls-files", "-s", "-z", "--", ...pathspecs], { cwd, maxBuffer: 256 << 20 });
  return stdout
    .split("\0")
    .filter(Boolean)
    .map((entry) => {
      const [meta, file] = entry.split("\t");
      const [mode, blob] = meta.split(" ");
      return `${mode} ${blob} ${file}`;
    });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
