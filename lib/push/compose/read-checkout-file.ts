import fs from "node:fs/promises";
import path from "node:path";
import { normalizeRepoPath, type ReadRepoFile } from "./repo-path";

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
 * The resolver's reader over a checkout directory: repository-relative paths only (no absolute path, no `..` out of
 * the root), symlinks followed only while they stay inside the checkout (real path check), regular files only, at most
 * 4 MiB. A missing file rejects with code "ENOENT". The build path may swap in its own containment (contain-path.ts).
 */
export function createCheckoutReader(root: string): ReadRepoFile {
  let realRoot: Promise<string> | undefined;
  return async (repoPath) => {
    const rel = normalizeRepoPath(repoPath);
    if (rel === null) {
      throw new ReadRefused(`${repoPath}: only paths inside the repository are read`, "EOUTSIDE");
    }
    realRoot ??= fs.realpath(root);
    const base = await realRoot;
    let real: string;
    try {
      real = await fs.realpath(path.join(base, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw Object.assign(new Error(`${rel}: not found`), { code: "ENOENT" });
      throw err;
    }
    if (real !== base && !real.startsWith(base + path.sep)) throw new ReadRefused(`${rel}: a symbolic link leads out of the repository`, "EOUTSIDE");
    const stat = await fs.stat(real);
    if (!stat.isFile()) throw new ReadRefused(`${rel}: not a regular file`, "ENOTFILE");
    if (stat.size > MAX_BYTES) throw new ReadRefused(`${rel}: larger than ${MAX_BYTES / 1024 / 1024} MiB`, "ETOOBIG");
    return fs.readFile(real, "utf8");
  };
}
