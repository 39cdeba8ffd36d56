import fs from "node:fs/promises";
import path from "node:path";

/**
 * Copies a build context so that only committed content reaches the image: file modes as git models them
 * (0755 when any execute bit is set, else 0644; directories 0755), whatever the worker's umask was at checkout,
 * and mtimes at the source date. Without this two workers with different umasks build different images
 * from the same commit. The context's top-level .git is left out: its contents change on every fetch.
 * Sockets, FIFOs and devices are skipped; symlinks are copied as links.
 */
export async function prepareBuildContext({
  from,
  to,
  sourceDate,
}: {
  from: string;
  to: string;
  /** Unix seconds. */
  sourceDate: number;
}): Promise<void> {
  await copyTree(from, to, sourceDate, true);
}

/** Copies one file (a Dockerfile outside its context) with the same normalisation. */
export async function prepareBuildFile({ from, to, sourceDate }: { from: string; to: string; sourceDate: number }) {
  const st = await fs.stat(from);
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.copyFile(from, to);
  await fs.chmod(to, st.mode & 0o111 ? 0o755 : 0o644);
  await fs.utimes(to, sourceDate, sourceDate);
}

async function copyTree(from: string, to: string, sourceDate: number, top: boolean): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  const entries = await fs.readdir(from, { withFileTypes: true });
  for (const entry of entries) {
    if (top && entry.name === ".git") continue;
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) {
      await copyTree(src, dest, sourceDate, false);
    } else if (entry.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(src), dest);
      await fs.lutimes(dest, sourceDate, sourceDate);
    } else if (entry.isFile()) {
      await prepareBuildFile({ from: src, to: dest, sourceDate });
    }
  }
  await fs.chmod(to, 0o755);
  await fs.utimes(to, sourceDate, sourceDate);
}
