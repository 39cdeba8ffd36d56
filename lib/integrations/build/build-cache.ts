import { execFile, execFileSync, spawn } from "node:child_process";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const BUSY = Symbol("busy");

export const DEFAULT_BUILD_CACHE_BYTES = 20 * 1024 ** 3;
/** DECKHAND_BASE_REFRESH_HOURS' default: base images are pulled again once a day, as a nightly `docker compose build --pull`. */
export const DEFAULT_BASE_REFRESH_MS = 24 * 3600_000;

/**
 * A worker's kept buildah storage (issue 15): `<dir>/root` and `<dir>/runroot`, kept between jobs and worker
 * restarts, so base images are pulled once and unchanged steps (`--layers`) come from the cache.
 *
 * Storage driver: overlay where the kernel mounts it over the cache's filesystem (checked once, on a new store, by
 * `buildah info`, which test-mounts; not over overlayfs itself, as inside many containers), else vfs. vfs copies the
 * whole root filesystem for every step and every commit; overlay stores only each layer's changes, which halves a
 * warm build of a 20 MiB image (`npm run bench -- push`). Both give the same layer and config digests (the layer tar
 * is built from the files, not from the driver; `build-cache.test.ts`). The choice is kept in `<dir>/driver`, and a
 * store made before that file existed stays vfs: containers/storage refuses to open a store with another driver.
 *
 * Locking, with flock(1) on `<dir>/lock` (the kernel drops a lock whose holder died, so a killed worker never leaves
 * it held): builds, pruning, recovery and dropping take it exclusive; base-image lookups take it shared. Builds are
 * serialised because two concurrent `--layers` builds on one store were seen (buildah 1.28, vfs) to give an image
 * other than a lone build of the same context; nothing is removed under a running build.
 *
 * Base images are pulled when missing and again when the last pull of that reference is older than `baseRefreshMs`
 * (DECKHAND_BASE_REFRESH_HOURS; 0: only when an operator asks), recorded per reference in `<dir>/bases.json`
 * (reference → Unix ms of the last pull). A base due for a refresh has no known digest (`baseDigest`), so a service
 * that uses it is built (with `--pull=always`), never skipped on what may be an old copy.
 *
 * Least-recently-used pruning: `<dir>/usage.json` maps image IDs (full, or the 11-character prefix buildah prints for
 * a new step) to the last time a build used them (Unix ms); after each build, while the store's size on disk is over
 * `budgetBytes`, images are removed oldest use first (never used by a recorded build: oldest of all). An image other
 * images are built on is removed after them (buildah refuses before).
 */
export class BuildCache {
  constructor(
    /** Under the worker's own directory, never the data dir. */
    readonly dir: string,
    /** DECKHAND_BUILD_CACHE_BYTES. */
    readonly budgetBytes: number = DEFAULT_BUILD_CACHE_BYTES,
    /** DECKHAND_BASE_REFRESH_HOURS in ms; 0: base images are pulled again only when an operator asks. */
    readonly baseRefreshMs: number = DEFAULT_BASE_REFRESH_MS,
  ) {}

  private driverName?: StorageDriver;

  /** buildah's global options that select this store. */
  storageArgs(): string[] {
    return ["--storage-driver", this.driver(), "--root", path.join(this.dir, "root"), "--runroot", path.join(this.dir, "runroot")];
  }

  /** The store's storage driver: recorded in `<dir>/driver`, chosen once (see the class comment). Synchronous: once per instance. */
  driver(): StorageDriver {
    if (this.driverName) return this.driverName;
    const file = path.join(this.dir, "driver");
    const recorded = readText(file);
    let driver: StorageDriver;
    if (recorded === "overlay" || recorded === "vfs") driver = recorded;
    else if (fsSync.existsSync(path.join(this.dir, "root"))) driver = "vfs";
    else driver = overlayWorks(this.dir) ? "overlay" : "vfs";
    if (recorded !== driver) {
      fsSync.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fsSync.writeFileSync(file, driver + "\n");
    }
    return (this.driverName = driver);
  }

  /** Runs `fn` holding the store's lock, shared (builds) or exclusive (prune, drop). */
  async withLock<T>(mode: "shared" | "exclusive", fn: () => Promise<T>): Promise<T> {
    return (await this.lockAnd("lock", mode, true, fn)) as T;
  }

  private async lockAnd<T>(name: string, mode: "shared" | "exclusive", wait: boolean, fn: () => Promise<T>): Promise<T | typeof BUSY> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const release = await holdFlock(path.join(this.dir, name), mode, wait);
    if (!release) return BUSY;
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** Bytes the store takes on disk (`du`), 0 when it does not exist yet. */
  async sizeBytes(): Promise<number> {
    const root = path.join(this.dir, "root");
    if (!(await exists(root))) return 0;
    const { stdout } = await exec("du", ["-s", "--block-size=1", root], { maxBuffer: 1 << 20 });
    return Number(stdout.split(/\s/)[0]) || 0;
  }

  /**
   * After a build (its lock released): records the images it used, then, unless another build is running (that
   * one prunes when it ends), removes what killed builds left (working containers) and prunes least-recently-used
   * images down to the budget. Returns the size after, or null when pruning was left to the running build.
   */
  async afterBuild(builderPath: string, usedImageIds: string[], onLine?: (line: string) => void, now = Date.now()): Promise<{ sizeBytes: number; removed: number } | null> {
    await this.lockAnd("usage.lock", "exclusive", true, async () => {
      const usage = await this.readUsage();
      for (const id of usedImageIds) usage[id] = now;
      await this.writeUsage(usage);
    });
    const pruned = await this.lockAnd("lock", "exclusive", false, () => this.prune(builderPath, onLine));
    return pruned === BUSY ? null : pruned;
  }

  /** Recovery and pruning; the caller holds the store's lock exclusively. */
  private async prune(builderPath: string, onLine?: (line: string) => void) {
    const usage = await this.readUsage();
    return this.pruneLocked(builderPath, usage, onLine);
  }

  private async pruneLocked(builderPath: string, usage: Record<string, number>, onLine?: (line: string) => void) {
    const b = (...args: string[]) => exec(builderPath, [...this.storageArgs(), ...args], { maxBuffer: 16 << 20 });
    // Working containers of builds that were killed; no build runs while the lock is held exclusively.
    await b("rm", "--all").catch(() => undefined);
    let size = await this.sizeBytes();
    const removed: string[] = [];
    if (size <= this.budgetBytes) return { sizeBytes: size, removed: 0 };
    const { stdout } = await b("images", "--all", "--json", "--no-trunc");
    const images = ((JSON.parse(stdout || "[]") as { id: string }[]) ?? []).map((i) => i.id.replace(/^sha256:/, ""));
    const lastUse = (id: string) => Math.max(0, ...Object.entries(usage).filter(([k]) => id.startsWith(k)).map(([, t]) => t));
    let left = images.sort((a, b2) => lastUse(a) - lastUse(b2));
    // Parents refuse removal while their children exist: passes until under budget or nothing more goes.
    while (size > this.budgetBytes && left.length) {
      const next: string[] = [];
      for (const id of left) {
        if (size <= this.budgetBytes) break;
        try {
          await b("rmi", "--force", id);
          removed.push(id);
          size = await this.sizeBytes();
        } catch {
          next.push(id);
        }
      }
      if (next.length === left.length) break;
      left = next;
    }
    await this.lockAnd("usage.lock", "exclusive", true, async () => {
      const now = await this.readUsage();
      for (const k of Object.keys(now)) if (removed.some((id) => id.startsWith(k))) delete now[k];
      await this.writeUsage(now);
    });
    onLine?.(`build cache: removed ${removed.length} least recently used image(s); ${formatBytes(size)} of ${formatBytes(this.budgetBytes)}`);
    return { sizeBytes: size, removed: removed.length };
  }

  /**
   * The manifest digest of a base image as this store holds it (what a build with `--pull=false` uses), or
   * undefined when the store does not have it or its copy is due for a refresh (`baseDue`): the build then pulls.
   * Shared lock: never while the store is pruned or dropped.
   */
  async baseDigest(builderPath: string, ref: string, now = Date.now()): Promise<string | undefined> {
    if ((await this.basesDue([ref], now)).length) return undefined;
    return this.withLock("shared", () => inspectImageDigest(builderPath, this.storageArgs(), ref));
  }

  /**
   * The references among `refs` whose last recorded pull is older than `baseRefreshMs` (Unix ms `now`). A reference
   * never recorded is not due: a build pulls it when the store lacks it (and records it then). Empty when
   * `baseRefreshMs` is 0.
   */
  async basesDue(refs: string[], now = Date.now()): Promise<string[]> {
    if (this.baseRefreshMs <= 0) return [];
    const pulled = await this.readJson("bases.json");
    return refs.filter((r) => typeof pulled[r] === "number" && now - pulled[r] >= this.baseRefreshMs);
  }

  /**
   * After a successful build: `pulled` references were pulled by it (refreshed, or forced by an operator) and
   * references with no record were pulled because the store lacked them; both are stamped `now` (Unix ms).
   */
  async recordBasePulls(refs: string[], pulled: string[], now = Date.now()): Promise<void> {
    await this.lockAnd("usage.lock", "exclusive", true, async () => {
      const record = await this.readJson("bases.json");
      for (const r of refs) if (pulled.includes(r) || typeof record[r] !== "number") record[r] = now;
      await this.writeJson("bases.json", record);
    });
  }

  /** Removes the whole store (operator's "drop the build cache", the worker's --drop-cache); waits for running builds. */
  async drop(): Promise<void> {
    await this.withLock("exclusive", async () => {
      // An overlay store may hold mounts of working containers a killed build left; unmount them before removing.
      if (this.driver() === "overlay") await exec("buildah", [...this.storageArgs(), "rm", "--all"]).catch(() => undefined);
      for (const name of ["root", "runroot", "usage.json", "bases.json"]) await fs.rm(path.join(this.dir, name), { recursive: true, force: true });
    });
  }

  /**
   * Drops the cache once per operator request: when `requestedAt` (ISO time) is later than the last request this
   * cache honoured (`<dir>/dropped-at`). Returns whether it dropped.
   */
  async dropIfRequested(requestedAt: string | undefined): Promise<boolean> {
    if (!requestedAt) return false;
    const marker = path.join(this.dir, "dropped-at");
    const honoured = (await fs.readFile(marker, "utf8").catch(() => "")).trim();
    if (honoured && honoured >= requestedAt) return false;
    await this.drop();
    await fs.writeFile(marker, requestedAt);
    return true;
  }

  private readUsage(): Promise<Record<string, number>> {
    return this.readJson("usage.json");
  }

  private writeUsage(usage: Record<string, number>) {
    return this.writeJson("usage.json", usage);
  }

  private async readJson(name: string): Promise<Record<string, number>> {
    const text = await fs.readFile(path.join(this.dir, name), "utf8").catch(() => "{}");
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  }

  private async writeJson(name: string, data: Record<string, number>) {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, name);
    await fs.writeFile(file + ".tmp", JSON.stringify(data));
    await fs.rename(file + ".tmp", file);
  }
}

/** `buildah inspect --type image`'s FromImageDigest for `ref` in the store the global options name; undefined when absent. */
export async function inspectImageDigest(builderPath: string, storageArgs: string[], ref: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const digest = await exec(builderPath, [...storageArgs, "inspect", "--type", "image", "--format", "{{.FromImageDigest}}", ref], { env }).then(
    (r) => r.stdout.trim(),
    () => "",
  );
  return /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

/** Image IDs a buildah build printed as used: `--> Using cache <id>` (cached step) and `--> <id>` (new step). */
export function usedImageIds(lines: string[]): string[] {
  const ids = new Set<string>();
  for (const line of lines) {
    const m = /^--> (?:Using cache )?([0-9a-f]{11,64})\s*$/.exec(line.trim());
    if (m) ids.add(m[1]);
  }
  return [...ids];
}

/**
 * Takes a flock(1) lock on `file` and keeps it until the returned release is called: the holder is a `flock … cat`
 * child whose stdin this process holds, so the lock goes when this process dies, whatever kills it.
 */
function holdFlock(file: string, mode: "shared" | "exclusive", wait: boolean): Promise<(() => Promise<void>) | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", [mode === "shared" ? "--shared" : "--exclusive", ...(wait ? [] : ["--nonblock", "--conflict-exit-code", "75"]), file, "sh", "-c", "echo locked; exec cat >/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    let held = false;
    const exited = new Promise<void>((r) => child.on("close", () => r()));
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d: Buffer) => {
      if (held || !d.toString().includes("locked")) return;
      held = true;
      resolve(async () => {
        child.stdin.end();
        await exited;
      });
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!held && code === 75 && !wait) resolve(null);
      else if (!held) reject(new Error(`cannot lock the build cache (${file}): flock exited ${code}${err ? `: ${err.trim()}` : ""}`));
    });
  });
}

export type StorageDriver = "overlay" | "vfs";

function readText(file: string): string {
  try {
    return fsSync.readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

/** Whether buildah can keep an overlay store in `dir`'s filesystem: `buildah info` test-mounts an overlay there. */
function overlayWorks(dir: string): boolean {
  const probe = path.join(dir, "overlay-probe");
  try {
    fsSync.mkdirSync(probe, { recursive: true, mode: 0o700 });
    const out = execFileSync("buildah", ["--storage-driver", "overlay", "--root", path.join(probe, "root"), "--runroot", path.join(probe, "runroot"), "info"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
    });
    return /"GraphDriverName":\s*"overlay"/.test(out);
  } catch {
    return false;
  } finally {
    fsSync.rmSync(probe, { recursive: true, force: true });
  }
}

async function exists(p: string) {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
