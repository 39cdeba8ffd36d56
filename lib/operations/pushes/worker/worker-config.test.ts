import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../infra/config/env";
import { prepareWorkerDir, WorkerDirInUseError } from "./prepare-worker-dir";
import { DEFAULT_BUILD_CACHE_BYTES, DEFAULT_BUILD_TIMEOUT_MS, parseBytes, parseDuration, parseWorkerConfig, resolveWorkerDir } from "./worker-config";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-worker-config-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const settingOf = (env: Record<string, string>) => {
  try {
    parseWorkerConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return `${err.setting}: ${err.hint}`;
    throw err;
  }
  throw new Error("expected a ConfigError");
};

describe("DECKHAND_BUILD_CACHE_BYTES", () => {
  it("defaults to 20 GiB, reads units, 0 turns the cache off, and names the setting when wrong", () => {
    expect(parseWorkerConfig({}).buildCacheBytes).toBe(DEFAULT_BUILD_CACHE_BYTES);
    expect(DEFAULT_BUILD_CACHE_BYTES).toBe(21_474_836_480);
    expect(parseWorkerConfig({ DECKHAND_BUILD_CACHE_BYTES: "5GiB" }).buildCacheBytes).toBe(5 * 1024 ** 3);
    expect(parseWorkerConfig({ DECKHAND_BUILD_CACHE_BYTES: "500MB" }).buildCacheBytes).toBe(500_000_000);
    expect(parseWorkerConfig({ DECKHAND_BUILD_CACHE_BYTES: "0" }).buildCacheBytes).toBe(0);
    expect(parseBytes("1.5g")).toBe(1_500_000_000);
    expect(parseBytes("12 parsecs")).toBeNull();
    expect(parseWorkerConfig({ DECKHAND_BUILD_CACHE_REPOSITORY: "ci/deckhand-build-cache" }).buildCacheRepository).toBe("ci/deckhand-build-cache");
    expect(settingOf({ DECKHAND_BUILD_CACHE_REPOSITORY: "Not/Valid" })).toMatch(/^DECKHAND_BUILD_CACHE_REPOSITORY: must be an ECR repository name/);
    expect(settingOf({ DECKHAND_BUILD_CACHE_BYTES: "lots" })).toMatch(/^DECKHAND_BUILD_CACHE_BYTES: must be a size/);
    expect(settingOf({ DECKHAND_BUILD_CACHE_BYTES: "1MB" })).toMatch(/^DECKHAND_BUILD_CACHE_BYTES: must be 0 \(no cache\) or at least 100MiB/);
  });
});

describe("DECKHAND_BASE_REFRESH_HOURS", () => {
  it("defaults to a day, 0 pulls base images again only on request, and refuses what is not whole hours", () => {
    expect(parseWorkerConfig({}).baseRefreshMs).toBe(24 * 3600_000);
    expect(parseWorkerConfig({ DECKHAND_BASE_REFRESH_HOURS: "6" }).baseRefreshMs).toBe(6 * 3600_000);
    expect(parseWorkerConfig({ DECKHAND_BASE_REFRESH_HOURS: "0" }).baseRefreshMs).toBe(0);
    for (const bad of ["1.5", "-1", "1e3", "daily"]) expect(settingOf({ DECKHAND_BASE_REFRESH_HOURS: bad })).toMatch(/^DECKHAND_BASE_REFRESH_HOURS: must be a whole number of hours/);
    expect(settingOf({ DECKHAND_BASE_REFRESH_HOURS: "10000" })).toMatch(/^DECKHAND_BASE_REFRESH_HOURS: must be at most 8784/);
  });
});

describe("DECKHAND_WORKER_PLATFORMS", () => {
  it("reads OCI platforms separated by commas, defaults to none, and names the setting when wrong", () => {
    expect(parseWorkerConfig({}).declaredPlatforms).toEqual([]);
    expect(parseWorkerConfig({ DECKHAND_WORKER_PLATFORMS: "linux/arm64, linux/arm/v7" }).declaredPlatforms).toEqual(["linux/arm64", "linux/arm/v7"]);
    expect(settingOf({ DECKHAND_WORKER_PLATFORMS: "arm64" })).toMatch(/^DECKHAND_WORKER_PLATFORMS: must be OCI platforms separated by commas/);
    expect(settingOf({ DECKHAND_WORKER_PLATFORMS: "linux/arm64;linux/amd64" })).toMatch(/^DECKHAND_WORKER_PLATFORMS: must be OCI platforms/);
    expect(settingOf({ DECKHAND_WORKER_PLATFORMS: " , " })).toMatch(/^DECKHAND_WORKER_PLATFORMS: must name at least one platform/);
  });
});

describe("parseWorkerConfig", () => {
  it("defaults to a 30-minute build limit, outbound network and isolated builds", () => {
    const c = parseWorkerConfig({});
    expect(c).toMatchObject({ buildTimeoutMs: DEFAULT_BUILD_TIMEOUT_MS, buildNetwork: "outbound", allowUnisolated: false, leaseMs: 60_000 });
    expect(DEFAULT_BUILD_TIMEOUT_MS).toBe(1_800_000);
  });

  it("reads DECKHAND_COMPOSE_PROFILES as comma-separated profile names", () => {
    expect(parseWorkerConfig({}).composeProfiles).toBeUndefined();
    expect(parseWorkerConfig({ DECKHAND_COMPOSE_PROFILES: "debug, tools,," }).composeProfiles).toEqual(["debug", "tools"]);
    expect(settingOf({ DECKHAND_COMPOSE_PROFILES: "debug,no spaces" })).toMatch(/^DECKHAND_COMPOSE_PROFILES: must be profile names/);
  });

  it("reads durations with units, a bare number as seconds", () => {
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("45")).toBe(45_000);
    expect(parseDuration("2.5 min")).toBe(150_000);
    for (const bad of ["", "soon", "-5s", "0", "5d", "1e3"]) expect(parseDuration(bad)).toBeNull();
    expect(parseWorkerConfig({ DECKHAND_BUILD_TIMEOUT: "5s", DECKHAND_BUILD_NETWORK: "none", DECKHAND_UNISOLATED_BUILDS: "1" })).toMatchObject({
      buildTimeoutMs: 5000,
      buildNetwork: "none",
      allowUnisolated: true,
    });
  });

  it("names the setting that is wrong", () => {
    expect(settingOf({ DECKHAND_BUILD_TIMEOUT: "forever" })).toMatch(/^DECKHAND_BUILD_TIMEOUT: must be a duration/);
    expect(settingOf({ DECKHAND_BUILD_TIMEOUT: "100ms" })).toMatch(/^DECKHAND_BUILD_TIMEOUT: must be at least 1s/);
    expect(settingOf({ DECKHAND_BUILD_NETWORK: "host" })).toMatch(/^DECKHAND_BUILD_NETWORK: must be "outbound" or "none"/);
    expect(settingOf({ DECKHAND_UNISOLATED_BUILDS: "yes" })).toMatch(/^DECKHAND_UNISOLATED_BUILDS/);
  });
});

describe("resolveWorkerDir", () => {
  it("puts scratch beside the data dir by default and refuses one inside it", () => {
    const data = path.join(tmp, "data");
    expect(resolveWorkerDir(parseWorkerConfig({}), data)).toBe(`${data}-worker`);
    expect(() => resolveWorkerDir(parseWorkerConfig({ DECKHAND_WORKER_DIR: path.join(data, "work") }), data)).toThrow(/DECKHAND_WORKER_DIR.*must be outside DECKHAND_DATA_DIR/);
    expect(() => resolveWorkerDir(parseWorkerConfig({ DECKHAND_WORKER_DIR: data }), data)).toThrow(ConfigError);
    expect(() => resolveWorkerDir(parseWorkerConfig({ DECKHAND_WORKER_DIR: tmp }), data)).toThrow(/not contain it/);
    expect(resolveWorkerDir(parseWorkerConfig({ DECKHAND_WORKER_DIR: path.join(tmp, "elsewhere") }), data)).toBe(path.join(tmp, "elsewhere"));
  });
});

describe("prepareWorkerDir", () => {
  it("clears a killed worker's scratch and git locks, and refuses a directory a live worker holds", async () => {
    const base = path.join(tmp, "w");
    fs.mkdirSync(path.join(base, "work", "job-1", "checkout"), { recursive: true });
    fs.mkdirSync(path.join(base, "git-mirrors", "m.git", "refs", "heads"), { recursive: true });
    fs.writeFileSync(path.join(base, "git-mirrors", "m.git", "refs", "heads", "main.lock"), "");
    fs.writeFileSync(path.join(base, "git-mirrors", "m.git", "HEAD"), "ref: refs/heads/main\n");
    // A pid that cannot be alive: the previous worker is gone.
    fs.writeFileSync(path.join(base, "worker.pid"), "2147483646\n");
    // The kept build cache is not scratch: it survives the restart.
    fs.mkdirSync(path.join(base, "build-cache", "root"), { recursive: true });
    fs.writeFileSync(path.join(base, "build-cache", "usage.json"), "{}");
    const out = await prepareWorkerDir(base, 4242);
    expect(out.dirs.buildCacheDir).toBe(path.join(base, "build-cache"));
    expect(fs.existsSync(path.join(base, "build-cache", "usage.json"))).toBe(true);
    expect(out.removed.sort()).toEqual([path.join(base, "git-mirrors", "m.git", "refs", "heads", "main.lock"), path.join(base, "work", "job-1")].sort());
    expect(fs.readdirSync(path.join(base, "work"))).toEqual([]);
    expect(fs.existsSync(path.join(base, "git-mirrors", "m.git", "HEAD"))).toBe(true);
    expect(fs.readFileSync(path.join(base, "worker.pid"), "utf8").trim()).toBe("4242");
    // This test process is alive: a second worker on the same directory is refused.
    fs.writeFileSync(path.join(base, "worker.pid"), `${process.pid}\n`);
    await expect(prepareWorkerDir(base, 4243)).rejects.toBeInstanceOf(WorkerDirInUseError);
  });
});
