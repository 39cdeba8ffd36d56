// The worker's kept build cache with real buildah (issue 15): content-stable layers, warm = cold, budget, kill, drop.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildCache } from "./build-cache";
import { buildImage, STABLE_TIMESTAMP, type BuildResult } from "./build-image";
import { detectBuilder, type Builder } from "./detect-builder";

let root: string;
let builder: Builder;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-cache-"));
  builder = await detectBuilder({ preference: "buildah" });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const DEPS = crypto.randomBytes(200_000);
const SERVICE = "FROM scratch\nCOPY deps/ /deps/\nCOPY app/ /app/\n";

/** A `FROM scratch` / `COPY deps/` / `COPY app/` service at one "commit": the app line given. */
function service(appLine: string, dockerfile = SERVICE): string {
  const dir = path.join(root, `ctx-${n++}`);
  fs.mkdirSync(path.join(dir, "deps"), { recursive: true });
  fs.mkdirSync(path.join(dir, "app"));
  fs.writeFileSync(path.join(dir, "deps", "lib.bin"), DEPS);
  fs.writeFileSync(path.join(dir, "app", "main.txt"), `${appLine}\n`);
  fs.writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  // Every checkout has its own file times; none of them may reach the image.
  const t = new Date(Date.now() - n * 86_400_000);
  for (const f of ["deps/lib.bin", "app/main.txt", "Dockerfile"]) fs.utimesSync(path.join(dir, f), t, t);
  return dir;
}

function build(context: string, cache?: BuildCache, extra: Partial<Parameters<typeof buildImage>[0]> = {}): Promise<BuildResult> {
  return buildImage({ builder, context, dockerfile: path.join(context, "Dockerfile"), workDir: path.join(root, `work-${n++}`), cache, ...extra });
}

const layers = (image: BuildResult) => image.blobs.slice(1).map((b) => b.digest);

describe("content-stable layers and the kept cache", () => {
  it("same commit on a cold and a warm worker: identical config and layer digests; a one-line app change keeps the deps layer", async () => {
    const warm = new BuildCache(path.join(root, "warm"), 1024 ** 3);
    const earlier = await build(service("version 1"), warm);
    expect(earlier.steps).toEqual({ total: 3, cached: 0 });

    const commit = service("version 2");
    const onWarm = await build(commit, warm);
    const cold = await build(commit, new BuildCache(path.join(root, "cold"), 1024 ** 3));
    const noCache = await build(commit);
    expect(onWarm.steps?.cached).toBe(1);
    expect(cold.steps?.cached).toBe(0);
    for (const other of [cold, noCache]) {
      expect(other.configDigest).toBe(onWarm.configDigest);
      expect(other.manifestDigest).toBe(onWarm.manifestDigest);
      expect(layers(other)).toEqual(layers(onWarm));
    }
    // One layer per instruction; the deps layer is the earlier commit's, the app layer is new.
    expect(layers(onWarm)).toHaveLength(2);
    expect(layers(onWarm)[0]).toBe(layers(earlier)[0]);
    expect(layers(onWarm)[1]).not.toBe(layers(earlier)[1]);
    const config = JSON.parse(fs.readFileSync(onWarm.blobs[0].path, "utf8"));
    expect(config.created).toBe("1970-01-01T00:00:01Z");
    expect(STABLE_TIMESTAMP).toBe(1);
    expect(config.config?.Labels ?? {}).toEqual({});

    // A restarted worker (a new BuildCache on the same directory) still has it all.
    const again = await build(service("version 2"), new BuildCache(warm.dir, 1024 ** 3));
    expect(again.steps).toEqual({ total: 3, cached: 2 });
    expect(again.configDigest).toBe(onWarm.configDigest);
  });

  it("two builds at once on one cache both succeed; dropping the cache empties it and the next build starts cold", async () => {
    const cache = new BuildCache(path.join(root, "shared"), 1024 ** 3);
    const [a, b] = await Promise.all([build(service("a"), cache), build(service("b"), cache)]);
    expect(a.configDigest).not.toBe(b.configDigest);
    expect(await cache.sizeBytes()).toBeGreaterThan(DEPS.length);
    await cache.drop();
    expect(await cache.sizeBytes()).toBe(0);
    const after = await build(service("a"), cache);
    expect(after.steps?.cached).toBe(0);
    expect(after.configDigest).toBe(a.configDigest);
  });

  it("stays within its budget under a loop of builds, keeping the most recently used", async () => {
    // Each distinct deps directory is a new 200 KB layer; vfs keeps a full copy per layer.
    const budget = 1_500_000;
    const cache = new BuildCache(path.join(root, "budget"), budget);
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ctx = service(`loop ${i}`);
      fs.writeFileSync(path.join(ctx, "deps", "lib.bin"), crypto.randomBytes(200_000));
      await build(ctx, cache, { onLine: (l) => lines.push(l) });
      expect(await cache.sizeBytes()).toBeLessThanOrEqual(budget);
    }
    expect(lines.some((l) => /build cache: removed \d+ least recently used/.test(l))).toBe(true);
    // The shared deps layer of the fixed DEPS is used by every later build and stays.
    const warm = await build(service("recent"), cache);
    const again = await build(service("recent"), cache);
    expect(again.steps?.cached).toBe(2);
    expect(again.configDigest).toBe(warm.configDigest);
  });
});

describe("a killed build", () => {
  it("leaves the cache usable: the next build succeeds, reuses the cached RUN steps, and matches a cold build", async () => {
    const cache = new BuildCache(path.join(root, "killed"), 1024 ** 3);
    const dockerfile = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nARG NAP=0\nRUN sleep $NAP; echo ran > /ran.txt\nCOPY app/ /app/\n';
    const ctx = service("killed", dockerfile);
    fs.copyFileSync("/bin/busybox", path.join(ctx, "busybox"));
    const controller = new AbortController();
    const lines: string[] = [];
    const killed = build(ctx, cache, {
      args: { NAP: "60" },
      signal: controller.signal,
      onLine: (l) => {
        lines.push(l);
        // SIGKILL to the whole builder tree in the middle of the sleeping RUN step.
        if (/^STEP 5\/6: RUN sleep/.test(l)) setTimeout(() => controller.abort(), 1500);
      },
    });
    await expect(killed).rejects.toThrow(/cancelled/);
    expect(lines.some((l) => /STEP 5\/6/.test(l))).toBe(true);

    const after = await build(ctx, cache);
    // The busybox install step finished before the kill: it comes from the cache.
    expect(after.steps?.cached).toBeGreaterThanOrEqual(2);
    const cold = await build(ctx, new BuildCache(path.join(root, "killed-cold"), 1024 ** 3));
    expect(after.configDigest).toBe(cold.configDigest);
    expect(layers(after)).toEqual(layers(cold));
    const again = await build(ctx, cache);
    expect(again.steps).toEqual({ total: 6, cached: 5 });
  }, 120_000);
});

describe("an operator's drop request", () => {
  it("is honoured once per request", async () => {
    const cache = new BuildCache(path.join(root, "drop-requests"));
    fs.mkdirSync(path.join(cache.dir, "root"), { recursive: true });
    expect(await cache.dropIfRequested(undefined)).toBe(false);
    expect(await cache.dropIfRequested("2026-12-01T10:00:00.000Z")).toBe(true);
    expect(fs.existsSync(path.join(cache.dir, "root"))).toBe(false);
    fs.mkdirSync(path.join(cache.dir, "root"));
    expect(await cache.dropIfRequested("2026-12-01T10:00:00.000Z")).toBe(false);
    expect(fs.existsSync(path.join(cache.dir, "root"))).toBe(true);
    expect(await cache.dropIfRequested("2026-12-02T10:00:00.000Z")).toBe(true);
  });
});

describe("the store's storage driver", () => {
  it("a new store takes overlay where this filesystem mounts it and keeps its choice; a store made before the choice stays vfs", async () => {
    const fresh = new BuildCache(path.join(root, "driver-new"), 1024 ** 3);
    const chosen = fresh.driver();
    expect(fs.readFileSync(path.join(fresh.dir, "driver"), "utf8").trim()).toBe(chosen);
    // This machine's /tmp is ext4, where overlay mounts; on overlayfs (nested containers) the probe falls back to vfs.
    const fsType = fs.readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")).filter((f) => f[1] && root.startsWith(f[1])).sort((a, b) => b[1].length - a[1].length)[0]?.[2];
    if (fsType === "ext4" || fsType === "xfs") expect(chosen).toBe("overlay");
    expect(fresh.storageArgs().slice(0, 2)).toEqual(["--storage-driver", chosen]);
    expect(new BuildCache(fresh.dir).driver()).toBe(chosen);

    const legacy = path.join(root, "driver-legacy");
    fs.mkdirSync(path.join(legacy, "root"), { recursive: true });
    expect(new BuildCache(legacy).driver()).toBe("vfs");
    expect(fs.readFileSync(path.join(legacy, "driver"), "utf8").trim()).toBe("vfs");
  });

  it("an overlay store and a vfs store build the same image from the same context", async () => {
    const ctx = service("same on every driver");
    const overlayDir = path.join(root, "driver-overlay");
    const vfsDir = path.join(root, "driver-vfs");
    fs.mkdirSync(vfsDir, { recursive: true });
    fs.writeFileSync(path.join(vfsDir, "driver"), "vfs\n");
    const a = await build(ctx, new BuildCache(overlayDir, 1024 ** 3));
    const b = await build(ctx, new BuildCache(vfsDir, 1024 ** 3));
    expect(new BuildCache(vfsDir).driver()).toBe("vfs");
    expect(a.configDigest).toBe(b.configDigest);
    expect(a.manifestDigest).toBe(b.manifestDigest);
    expect(layers(a)).toEqual(layers(b));
  });
});

describe("base image refresh records", () => {
  it("a base is due once its last recorded pull is older than the period; never-recorded and period 0 are not due", async () => {
    const dir = path.join(root, "bases");
    const hour = 3600_000;
    const cache = new BuildCache(dir, 1024 ** 3, hour);
    expect(await cache.basesDue(["a:1", "b:1"], 10 * hour)).toEqual([]);
    await cache.recordBasePulls(["a:1", "b:1"], [], 1 * hour);
    expect(await cache.basesDue(["a:1", "b:1"], 1.5 * hour)).toEqual([]);
    expect(await cache.basesDue(["a:1", "b:1"], 2 * hour)).toEqual(["a:1", "b:1"]);
    // b pulled again at 2 h; a kept its first stamp (not pulled, already recorded).
    await cache.recordBasePulls(["a:1", "b:1"], ["b:1"], 2 * hour);
    expect(await cache.basesDue(["a:1", "b:1"], 2.5 * hour)).toEqual(["a:1"]);
    expect(await cache.baseDigest(builder.path, "a:1", 2.5 * hour)).toBeUndefined();
    expect(await new BuildCache(dir, 1024 ** 3, 0).basesDue(["a:1"], 100 * hour)).toEqual([]);
    await cache.drop();
    expect(await cache.basesDue(["a:1"], 100 * hour)).toEqual([]);
  });
});
