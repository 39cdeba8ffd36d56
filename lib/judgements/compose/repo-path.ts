import path from "node:path";

/**
 * Reads one file of the checkout, given its path relative to the checkout root (POSIX separators). Resolves to the
 * text; rejects with an error whose `code` is "ENOENT" when the file does not exist, and with any other error when it
 * may not or cannot be read (the build path plugs its containment in here: symlinks leaving the checkout...).
 */
export type ReadRepoFile = (repoRelativePath: string) => Promise<string>;

/**
 * `rel` joined to the repository-relative directory `dir`, normalised ("." for the root); null when it is absolute or
 * leaves the repository. Backslashes count as separators (a Windows-written compose file).
 */
export function joinRepoPath(dir: string, rel: string): string | null {
  const r = rel.replace(/\\/g, "/");
  if (path.posix.isAbsolute(r) || /^[a-zA-Z]:\//.test(r)) return null;
  return normalizeRepoPath(path.posix.join(dir, r));
}

/** A repository-relative path normalised, or null when it leaves the repository or is absolute. */
export function normalizeRepoPath(p: string): string | null {
  const r = p.replace(/\\/g, "/");
  if (path.posix.isAbsolute(r) || /^[a-zA-Z]:\//.test(r)) return null;
  const n = path.posix.normalize(r).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../")) return null;
  return n === "" ? "." : n;
}

export function repoDirname(p: string): string {
  return path.posix.dirname(p);
}

/** A build context or additional context that is not a local path (git URL, `docker-image://`, `service:`...). */
export function isRemoteContext(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^git@/.test(value) || /^(service|target):/.test(value);
}

/** True when a read failed because the file does not exist. */
export function isMissingFile(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** `read` with each path read at most once (a resolution asks for the same file from extends, includes and lookups). */
export function memoizeReads(read: ReadRepoFile): ReadRepoFile {
  const texts = new Map<string, Promise<string>>();
  return (p) => {
    let t = texts.get(p);
    if (!t) {
      t = read(p);
      texts.set(p, t);
    }
    return t;
  };
}
