import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { SandboxContext } from "../context";
import { ACCOUNT_ID } from "./errors";

export interface EcrRepo {
  region: string;
  name: string;
  created_ms: number;
  tag_mutability: "MUTABLE" | "IMMUTABLE" | "IMMUTABLE_WITH_EXCLUSION" | "MUTABLE_WITH_EXCLUSION";
  /** JSON list of ImageTagMutabilityExclusionFilter, set with the `_WITH_EXCLUSION` mutabilities. */
  tag_mutability_exclusion_filters?: string | null;
  scan_on_push: number;
  encryption_type: string;
}

export interface EcrImage {
  region: string;
  repo: string;
  digest: string;
  manifest: string;
  media_type: string;
  artifact_media_type: string | null;
  size: number;
  pushed_ms: number;
  last_pull_ms: number | null;
}

export function migrateEcr(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS aws_ecr_repos (
      region TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL, tag_mutability TEXT NOT NULL, scan_on_push INTEGER NOT NULL DEFAULT 0,
      encryption_type TEXT NOT NULL DEFAULT 'AES256', PRIMARY KEY (region, name));
    CREATE TABLE IF NOT EXISTS aws_ecr_images (
      region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL, manifest TEXT NOT NULL, media_type TEXT NOT NULL, artifact_media_type TEXT,
      size INTEGER NOT NULL, pushed_ms INTEGER NOT NULL, last_pull_ms INTEGER, PRIMARY KEY (region, repo, digest));
    CREATE TABLE IF NOT EXISTS aws_ecr_tags (
      region TEXT NOT NULL, repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (region, repo, tag));
    CREATE INDEX IF NOT EXISTS aws_ecr_tags_digest ON aws_ecr_tags (region, repo, digest);
    CREATE TABLE IF NOT EXISTS aws_ecr_layers (
      region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (region, repo, digest));
    CREATE TABLE IF NOT EXISTS aws_ecr_uploads (
      upload_id TEXT PRIMARY KEY, region TEXT NOT NULL, repo TEXT NOT NULL, received INTEGER NOT NULL, created_ms INTEGER NOT NULL,
      last_part_size INTEGER NOT NULL DEFAULT 0, too_small INTEGER NOT NULL DEFAULT 0);
  `);
  // Added with the _WITH_EXCLUSION mutabilities: sandboxes created before keep their data.
  const repoColumns = db.prepare(`PRAGMA table_info(aws_ecr_repos)`).all() as { name: string }[];
  if (!repoColumns.some((c) => c.name === "tag_mutability_exclusion_filters")) db.exec(`ALTER TABLE aws_ecr_repos ADD COLUMN tag_mutability_exclusion_filters TEXT`);
}

export const ECR_TABLES = ["aws_ecr_repos", "aws_ecr_images", "aws_ecr_tags", "aws_ecr_layers", "aws_ecr_uploads"];

export const awsFilesDir = (ctx: SandboxContext) => path.join(ctx.root, "aws");
const blobsDir = (ctx: SandboxContext) => path.join(awsFilesDir(ctx), "blobs", "sha256");
export const uploadsDir = (ctx: SandboxContext) => path.join(awsFilesDir(ctx), "uploads");

export const repoArn = (region: string, name: string) => `arn:aws:ecr:${region}:${ACCOUNT_ID}:repository/${name}`;
export const repoUri = (region: string, name: string) => `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${name}`;

export const sha256Digest = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Content-addressed blob path; digests are validated by callers before they reach the filesystem. */
export function blobPath(ctx: SandboxContext, digest: string): string {
  const hex = digest.slice("sha256:".length);
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`bad digest ${digest}`);
  return path.join(blobsDir(ctx), hex.slice(0, 2), hex);
}

export function blobSize(ctx: SandboxContext, digest: string): number | undefined {
  try {
    return fs.statSync(blobPath(ctx, digest)).size;
  } catch {
    return undefined;
  }
}

/** Write a blob under its digest (atomically: temp file then rename). Returns its digest. */
export function writeBlob(ctx: SandboxContext, data: Buffer): string {
  const digest = sha256Digest(data);
  const target = blobPath(ctx, digest);
  if (fs.existsSync(target)) return digest;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, target);
  return digest;
}

export function moveFileToBlob(ctx: SandboxContext, file: string, digest: string): void {
  const target = blobPath(ctx, digest);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target)) fs.rmSync(file, { force: true });
  else fs.renameSync(file, target);
}

export function findRepo(db: Database.Database, region: string, name: string): EcrRepo | undefined {
  return db.prepare(`SELECT * FROM aws_ecr_repos WHERE region = ? AND name = ?`).get(region, name) as EcrRepo | undefined;
}

export function insertRepo(db: Database.Database, r: EcrRepo): void {
  db.prepare(
    `INSERT INTO aws_ecr_repos (region, name, created_ms, tag_mutability, tag_mutability_exclusion_filters, scan_on_push, encryption_type)
     VALUES (@region, @name, @created_ms, @tag_mutability, @tag_mutability_exclusion_filters, @scan_on_push, @encryption_type)`,
  ).run({ ...r, tag_mutability_exclusion_filters: r.tag_mutability_exclusion_filters ?? null });
}

export function findImage(db: Database.Database, region: string, repo: string, digest: string): EcrImage | undefined {
  return db.prepare(`SELECT * FROM aws_ecr_images WHERE region = ? AND repo = ? AND digest = ?`).get(region, repo, digest) as EcrImage | undefined;
}

export function digestForTag(db: Database.Database, region: string, repo: string, tag: string): string | undefined {
  return (db.prepare(`SELECT digest FROM aws_ecr_tags WHERE region = ? AND repo = ? AND tag = ?`).get(region, repo, tag) as { digest: string } | undefined)?.digest;
}

export function tagsForDigest(db: Database.Database, region: string, repo: string, digest: string): string[] {
  return (db.prepare(`SELECT tag FROM aws_ecr_tags WHERE region = ? AND repo = ? AND digest = ? ORDER BY tag`).all(region, repo, digest) as { tag: string }[]).map((r) => r.tag);
}

export function markLayerAvailable(db: Database.Database, region: string, repo: string, digest: string, size: number): void {
  db.prepare(`INSERT OR IGNORE INTO aws_ecr_layers (region, repo, digest, size) VALUES (?, ?, ?, ?)`).run(region, repo, digest, size);
}

export function layerInRepo(db: Database.Database, region: string, repo: string, digest: string): { size: number } | undefined {
  return db.prepare(`SELECT size FROM aws_ecr_layers WHERE region = ? AND repo = ? AND digest = ?`).get(region, repo, digest) as { size: number } | undefined;
}
