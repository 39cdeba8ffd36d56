import fs from "node:fs/promises";
import { PathEscapeError, PathMissingError, resolveInside } from "./contain-path";
import { normalizeRepoPath, type ReadRepoFile } from "../../judgements/compose/repo-path";

/** Compose inputs are small; a bigger "compose file" is hostile or a mistake (e.g. a symlink to a device). */
const MAX_BYTES = 4 * 1024 * 1024;

class ReadRefused extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ReadRefused";
  }
}

/**
 * The resolver's reader over a checkout directory, through the build path's containment (contain-path.ts):
 * repository-relative paths only (no absolute path, no `..` out of the root), symlinks followed only while they stay
 * inside the checkout (real path check), regular files only, at most 4 MiB. A missing file rejects with code "ENOENT";
 * a refused one with code "EOUTSIDE", "ENOTFILE" or "ETOOBIG" and a message naming the path.
 */
export function createCheckoutReader(root: string): ReadRepoFile {
  return async (repoPath) => {
    const rel = normalizeRepoPath(repoPath);
    if (rel === null) throw new ReadRefused(`${repoPath}: only paths inside the repository are read`, "EOUTSIDE");
    let real: string;
    try {
      real = await resolveInside(root, rel);
    } catch (err) {
      if (err instanceof PathMissingError) throw Object.assign(new Error(`${rel}: not found`), { code: "ENOENT" });
      if (err instanceof PathEscapeError) throw new ReadRefused(err.message, "EOUTSIDE");
      throw err;
    }
    const stat = await fs.stat(real);
    if (!stat.isFile()) throw new ReadRefused(`${rel}: not a regular file`, "ENOTFILE");
    if (stat.size > MAX_BYTES) throw new ReadRefused(`${rel}: larger than ${MAX_BYTES / 1024 / 1024} MiB`, "ETOOBIG");
    return fs.readFile(real, "utf8");
  };
}
