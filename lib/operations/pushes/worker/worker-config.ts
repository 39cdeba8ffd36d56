import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../../../infra/config/env";
import type { BuildNetworkMode } from "../../../integrations/build/isolation/detect-isolation";
import { isWithin } from "../../../integrations/git/contain-path";
import type { BuilderPreference } from "../../../integrations/build/detect-builder";
import { DEFAULT_BASE_REFRESH_MS, DEFAULT_BUILD_CACHE_BYTES } from "../../../integrations/build/build-cache";

/**
 * A worker's own settings (`npm run worker`, and the embedded worker `npm start` runs), parsed once at start.
 * A bad one stops the worker with ConfigError naming it.
 */
export interface WorkerConfig {
  leaseMs: number;
  /** Mirrors and scratch; never inside DECKHAND_DATA_DIR. Unset: the caller's default. */
  workerDir: string | undefined;
  builder: BuilderPreference;
  composePath: string | undefined;
  /** DECKHAND_COMPOSE_PROFILES, comma-separated; unset: the repository's COMPOSE_PROFILES (from its .env) applies. */
  composeProfiles: string[] | undefined;
  repositoryPrefix: string | undefined;
  url: string | undefined;
  workerToken: string | undefined;
  region: string | undefined;
  /** Wall-clock limit of one service's build, in milliseconds (DECKHAND_BUILD_TIMEOUT). */
  buildTimeoutMs: number;
  /** DECKHAND_BUILD_NETWORK: "outbound" (default) or "none". */
  buildNetwork: BuildNetworkMode;
  /** DECKHAND_UNISOLATED_BUILDS=1: build where isolation is missing, saying so loudly. */
  allowUnisolated: boolean;
  /** A standalone worker's own read-only git token (DECKHAND_WORKER_GIT_TOKEN); wins over the one a claim carries. */
  gitToken: string | undefined;
  /** DECKHAND_BUILD_CACHE_BYTES: the kept build cache's budget in bytes (default 20 GiB); 0 keeps no cache. */
  buildCacheBytes: number;
  /** DECKHAND_BASE_REFRESH_HOURS in ms: base images in the kept cache are pulled again after this (default 24 h); 0: only on request. */
  baseRefreshMs: number;
  /** DECKHAND_BUILD_CACHE_REPOSITORY: an ECR repository every worker reads and writes cached build steps in. */
  buildCacheRepository: string | undefined;
  /**
   * DECKHAND_WORKER_PLATFORMS, comma-separated OCI platforms ("linux/arm64,linux/amd64"): platforms this worker
   * builds beyond the ones it detects (its own, and those with an enabled qemu binfmt handler). Unset: none.
   */
  declaredPlatforms: string[];
}

export const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60_000;
export { DEFAULT_BUILD_CACHE_BYTES };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** "30m", "90s", "1h", "1500ms", or a bare number of seconds, in milliseconds; null when unreadable. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[(m[2] ?? "s").toLowerCase()];
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** "20GiB", "500MB", "1.5g", or a bare number of bytes; null when unreadable. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : null;
}

const bytes = z.string().transform((v, ctx) => {
  const n = parseBytes(v);
  if (n === null) {
    ctx.addIssue({ code: "custom", message: 'must be a size such as "20GiB", "500MB" or a number of bytes (0 keeps no build cache)' });
    return z.NEVER;
  }
  return n;
});

const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "30m", "90s" or "1h" (a bare number is seconds)' });
    return z.NEVER;
  }
  return ms;
});

const platformList = z
  .string()
  .transform((v) => v.split(",").map((p) => p.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'must be OCI platforms separated by commas, such as "linux/arm64,linux/amd64"'))
      .min(1, 'must name at least one platform, such as "linux/arm64"'),
  );

const schema = z.object({
  DECKHAND_WORKER_PLATFORMS: platformList.optional(),
  DECKHAND_WORKER_LEASE_MS: z.coerce.number().int().min(3000).max(3_600_000).default(60_000),
  DECKHAND_WORKER_DIR: z.string().min(1).optional(),
  DECKHAND_BUILDER: z.enum(["auto", "buildah", "docker"]).default("auto"),
  DECKHAND_COMPOSE_FILE: z.string().min(1).optional(),
  DECKHAND_COMPOSE_PROFILES: z
    .string()
    .transform((v) => v.split(",").map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be profile names separated by commas (letters, digits, _ . -)")))
    .optional(),
  DECKHAND_REPOSITORY_PREFIX: z.string().optional(),
  DECKHAND_URL: z.url().optional(),
  DECKHAND_WORKER_TOKEN: z.string().min(16).optional(),
  DECKHAND_WORKER_GIT_TOKEN: z.string().min(1).optional(),
  AWS_REGION: z.string().optional(),
  DECKHAND_BUILD_TIMEOUT: duration.pipe(z.number().min(1000, "must be at least 1s").max(24 * 3_600_000, "must be at most 24h")).optional(),
  DECKHAND_BUILD_NETWORK: z.enum(["outbound", "none"], { error: 'must be "outbound" or "none"' }).default("outbound"),
  DECKHAND_UNISOLATED_BUILDS: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("0"),
  DECKHAND_BUILD_CACHE_BYTES: bytes
    .pipe(z.number().refine((n) => n === 0 || n >= 100 * 1024 ** 2, "must be 0 (no cache) or at least 100MiB"))
    .optional(),
  DECKHAND_BASE_REFRESH_HOURS: z
    .string()
    .regex(/^\d+$/, "must be a whole number of hours (0: pull base images again only when an operator asks)")
    .transform(Number)
    .pipe(z.number().max(24 * 366, "must be at most 8784 (a year)"))
    .optional(),
  DECKHAND_BUILD_CACHE_REPOSITORY: z
    .string()
    .min(2)
    .max(256)
    .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "must be an ECR repository name (lowercase, e.g. deckhand-build-cache)")
    .optional(),
});

export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = String(issue.path[0] ?? "configuration");
    throw new ConfigError(setting, issue.message);
  }
  const e = result.data;
  return {
    leaseMs: e.DECKHAND_WORKER_LEASE_MS,
    workerDir: e.DECKHAND_WORKER_DIR ? path.resolve(e.DECKHAND_WORKER_DIR) : undefined,
    builder: e.DECKHAND_BUILDER,
    composePath: e.DECKHAND_COMPOSE_FILE,
    composeProfiles: e.DECKHAND_COMPOSE_PROFILES,
    repositoryPrefix: e.DECKHAND_REPOSITORY_PREFIX,
    url: e.DECKHAND_URL?.replace(/\/+$/, ""),
    workerToken: e.DECKHAND_WORKER_TOKEN,
    region: e.AWS_REGION,
    buildTimeoutMs: e.DECKHAND_BUILD_TIMEOUT ?? DEFAULT_BUILD_TIMEOUT_MS,
    buildNetwork: e.DECKHAND_BUILD_NETWORK,
    allowUnisolated: e.DECKHAND_UNISOLATED_BUILDS === "1",
    gitToken: e.DECKHAND_WORKER_GIT_TOKEN,
    buildCacheBytes: e.DECKHAND_BUILD_CACHE_BYTES ?? DEFAULT_BUILD_CACHE_BYTES,
    buildCacheRepository: e.DECKHAND_BUILD_CACHE_REPOSITORY,
    baseRefreshMs: e.DECKHAND_BASE_REFRESH_HOURS === undefined ? DEFAULT_BASE_REFRESH_MS : e.DECKHAND_BASE_REFRESH_HOURS * 3600_000,
    declaredPlatforms: e.DECKHAND_WORKER_PLATFORMS ?? [],
  };
}

/**
 * Where a worker keeps mirrors and scratch: DECKHAND_WORKER_DIR, else `<data dir>-worker` beside the data dir
 * (embedded) or `./.deckhand-worker` (standalone). Never inside the data dir: a build context linked there would
 * otherwise copy the store into its own scratch, and scratch would share the store's backups.
 */
export function resolveWorkerDir(config: WorkerConfig, dataDir?: string): string {
  const dir = config.workerDir ?? (dataDir ? `${path.resolve(dataDir)}-worker` : path.resolve(".deckhand-worker"));
  if (dataDir && (isWithin(path.resolve(dataDir), dir) || isWithin(dir, path.resolve(dataDir)))) {
    throw new ConfigError("DECKHAND_WORKER_DIR", `must be outside DECKHAND_DATA_DIR (${path.resolve(dataDir)}), and not contain it; got ${dir}`);
  }
  return dir;
}
