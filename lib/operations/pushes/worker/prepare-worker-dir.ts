import fs from "node:fs/promises";
import path from "node:path";

export interface WorkerDirs {
  /** Cached bare mirrors, kept between jobs. */
  mirrorsDir: string;
  /** Scratch: one subdirectory per job attempt, removed after it. */
  workDir: string;
  /** The kept build cache (BuildCache): survives jobs and restarts; not scratch. */
  buildCacheDir: string;
}

/** Where a worker keeps its git mirrors (kept between jobs) and its scratch space, under one directory. */
export function workerDirs(baseDir: string): WorkerDirs {
  return { mirrorsDir: path.join(baseDir, "git-mirrors"), workDir: path.join(baseDir, "work"), buildCacheDir: path.join(baseDir, "build-cache") };
}

export class WorkerDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`DECKHAND_WORKER_DIR ${dir} is in use by another worker (pid ${pid}); give each worker on a host its own directory`);
    this.name = "WorkerDirInUseError";
  }
}

/**
 * Takes the worker directory for this process and clears what a killed worker left in it: job scratch (checkouts,
 * builder storage, context copies) and git lock files in the mirrors, which would make the next fetch fail. The
 * build processes themselves cannot outlive their worker (isolatedCommand's parent-death signal).
 *
 * A `worker.pid` file names the owner; a live owner other than this process means two workers share the directory,
 * which is refused (each would remove the other's scratch). Returns what was removed, for the log.
 */
export async function prepareWorkerDir(baseDir: string, pid = process.pid): Promise<{ dirs: WorkerDirs; removed: string[] }> {
  await fs.mkdir(baseDir, { recursive: true, mode: 0o700 });
  const pidFile = path.join(baseDir, "worker.pid");
  const owner = Number((await fs.readFile(pidFile, "utf8").catch(() => "")).trim());
  if (owner && owner !== pid && isAlive(owner)) throw new WorkerDirInUseError(baseDir, owner);
  await fs.writeFile(pidFile, `${pid}\n`);
  const dirs = workerDirs(baseDir);
  const removed: string[] = [];
  for (const entry of await fs.readdir(dirs.workDir).catch(() => [] as string[])) {
    await fs.rm(path.join(dirs.workDir, entry), { recursive: true, force: true });
    removed.push(path.join(dirs.workDir, entry));
  }
  await fs.mkdir(dirs.workDir, { recursive: true });
  await fs.mkdir(dirs.mirrorsDir, { recursive: true });
  for (const lock of await findLocks(dirs.mirrorsDir)) {
    await fs.rm(lock, { force: true });
    removed.push(lock);
  }
  return { dirs, removed };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** git's `*.lock` files under the mirrors (refs, packed-refs, config, shallow, index of worktrees). */
async function findLocks(dir: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== "objects") out.push(...(await findLocks(p, depth + 1)));
    else if (e.isFile() && e.name.endsWith(".lock")) out.push(p);
  }
  return out;
}
