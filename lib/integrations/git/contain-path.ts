import fs from "node:fs/promises";
import path from "node:path";

/**
 * Path containment for repository content. Everything a build reads from a checkout (compose files, contexts,
 * Dockerfiles, .dockerignore files) is named by whoever can push, and may be a symbolic link: a textual check of
 * "../" is not enough, the worker runs as root and would follow `hostdata -> /etc` out of the checkout. These
 * functions resolve a repository-relative path with realpath(3) and refuse anything whose real location is not
 * the checkout root or below it.
 */

export class PathEscapeError extends Error {
  constructor(
    /** The repository-relative path as it was named. */
    readonly path: string,
    /** Where it really leads (absolute), or what was wrong with the name. */
    readonly detail: string,
  ) {
    super(`${path}: ${detail}; only files inside the repository are used`);
    this.name = "PathEscapeError";
  }
}

export class PathMissingError extends Error {
  readonly code = "ENOENT";
  constructor(readonly path: string) {
    super(`${path}: not found at this commit`);
    this.name = "PathMissingError";
  }
}

/**
 * The real absolute path of `rel` inside `root`, following symbolic links only while they stay inside.
 *
 * - `rel` must be relative (POSIX or native separators); "." is the root itself.
 * - Throws PathEscapeError naming `rel` when the name or any link on the way leads outside the real root
 *   (absolute names, `..` past the root, a link to `/etc` or to `../../other`).
 * - Throws PathMissingError (code "ENOENT") when the path does not exist, after checking that the part that does
 *   exist stays inside.
 * - `kind` checks what the final path is: "file" and "directory" refuse anything else with PathEscapeError.
 */
export async function resolveInside(root: string, rel: string, kind?: "file" | "directory"): Promise<string> {
  const name = rel.replace(/\\/g, "/");
  if (path.posix.isAbsolute(name) || /^[a-zA-Z]:\//.test(name)) throw new PathEscapeError(rel, "is an absolute path");
  if (name.includes("\0")) throw new PathEscapeError(rel, "contains a NUL byte");
  const realRoot = await fs.realpath(root);
  const joined = path.resolve(realRoot, name);
  if (!isWithin(realRoot, joined)) throw new PathEscapeError(rel, `leaves the repository (${joined})`);
  let real: string;
  try {
    real = await fs.realpath(joined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    // A dangling link whose target would be outside is still an escape, not a missing file.
    const target = await danglingTarget(joined);
    if (target && !isWithin(realRoot, target)) throw new PathEscapeError(rel, `is a symbolic link to ${target}, outside the repository`);
    await assertExistingPrefixInside(realRoot, joined, rel);
    throw new PathMissingError(rel);
  }
  if (!isWithin(realRoot, real)) throw new PathEscapeError(rel, `resolves through a symbolic link to ${real}, outside the repository`);
  if (kind) {
    const st = await fs.stat(real);
    if (kind === "file" && !st.isFile()) throw new PathEscapeError(rel, "is not a regular file");
    if (kind === "directory" && !st.isDirectory()) throw new PathEscapeError(rel, "is not a directory");
  }
  return real;
}

/** Reads a repository file through resolveInside; same errors. */
export async function readFileInside(root: string, rel: string): Promise<string> {
  return fs.readFile(await resolveInside(root, rel, "file"), "utf8");
}

/** Whether `p` is `dir` or below it (both absolute and normalised). */
export function isWithin(dir: string, p: string): boolean {
  const r = path.relative(dir, p);
  return r === "" || (!r.startsWith("..") && !path.isAbsolute(r));
}

async function danglingTarget(p: string): Promise<string | null> {
  try {
    const st = await fs.lstat(p);
    if (!st.isSymbolicLink()) return null;
    return path.resolve(path.dirname(p), await fs.readlink(p));
  } catch {
    return null;
  }
}

/** The deepest ancestor of a missing path that exists must itself resolve inside the root. */
async function assertExistingPrefixInside(realRoot: string, joined: string, rel: string): Promise<void> {
  for (let dir = path.dirname(joined); isWithin(realRoot, dir); dir = path.dirname(dir)) {
    try {
      const real = await fs.realpath(dir);
      if (!isWithin(realRoot, real)) throw new PathEscapeError(rel, `resolves through a symbolic link to ${real}, outside the repository`);
      return;
    } catch (err) {
      if (err instanceof PathEscapeError) throw err;
      if (dir === realRoot) return;
    }
  }
}
