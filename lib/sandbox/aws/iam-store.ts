import type Database from "better-sqlite3";
import { ACCOUNT_ID } from "./errors";

export interface IamUser {
  user_name: string;
  user_id: string;
  path: string;
  create_date: number;
}

export interface IamKey {
  access_key_id: string;
  secret: string;
  user_name: string;
  status: "Active" | "Inactive";
  create_date: number;
  last_used_ms: number | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export interface IamManagedPolicy {
  arn: string;
  policy_name: string;
  policy_id: string;
  path: string;
  default_version_id: string;
  create_date: number;
  update_date: number;
  description: string | null;
}

export function migrateIam(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS aws_iam_users (
      user_name TEXT PRIMARY KEY COLLATE NOCASE, user_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL DEFAULT '/', create_date INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS aws_iam_keys (
      access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, status TEXT NOT NULL,
      create_date INTEGER NOT NULL, last_used_ms INTEGER, last_used_service TEXT, last_used_region TEXT);
    CREATE INDEX IF NOT EXISTS aws_iam_keys_user ON aws_iam_keys (user_name, create_date);
    CREATE TABLE IF NOT EXISTS aws_iam_user_policies (
      user_name TEXT NOT NULL COLLATE NOCASE, policy_name TEXT NOT NULL COLLATE NOCASE, document TEXT NOT NULL, PRIMARY KEY (user_name, policy_name));
    CREATE TABLE IF NOT EXISTS aws_iam_policies (
      arn TEXT PRIMARY KEY, policy_name TEXT NOT NULL, policy_id TEXT NOT NULL, path TEXT NOT NULL, default_version_id TEXT NOT NULL,
      create_date INTEGER NOT NULL, update_date INTEGER NOT NULL, description TEXT);
    CREATE TABLE IF NOT EXISTS aws_iam_policy_versions (
      policy_arn TEXT NOT NULL, version_id TEXT NOT NULL, document TEXT NOT NULL, create_date INTEGER NOT NULL, PRIMARY KEY (policy_arn, version_id));
    CREATE TABLE IF NOT EXISTS aws_iam_user_attached (
      user_name TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL, PRIMARY KEY (user_name, policy_arn));
    CREATE TABLE IF NOT EXISTS aws_iam_credential_report (id INTEGER PRIMARY KEY CHECK (id = 1), generated_ms INTEGER NOT NULL, csv TEXT NOT NULL);
  `);
}

export const IAM_TABLES = ["aws_iam_users", "aws_iam_keys", "aws_iam_user_policies", "aws_iam_policies", "aws_iam_policy_versions", "aws_iam_user_attached", "aws_iam_credential_report"];

export const userArn = (u: Pick<IamUser, "user_name" | "path">) => `arn:aws:iam::${ACCOUNT_ID}:user${u.path}${u.user_name}`;

export function findUser(db: Database.Database, userName: string): IamUser | undefined {
  return db.prepare(`SELECT * FROM aws_iam_users WHERE user_name = ?`).get(userName) as IamUser | undefined;
}

export function findKey(db: Database.Database, accessKeyId: string): IamKey | undefined {
  return db.prepare(`SELECT * FROM aws_iam_keys WHERE access_key_id = ?`).get(accessKeyId) as IamKey | undefined;
}

export function listUserKeys(db: Database.Database, userName: string): IamKey[] {
  return db.prepare(`SELECT * FROM aws_iam_keys WHERE user_name = ? ORDER BY create_date, access_key_id`).all(userName) as IamKey[];
}

export function insertUser(db: Database.Database, u: IamUser): void {
  db.prepare(`INSERT INTO aws_iam_users (user_name, user_id, path, create_date) VALUES (@user_name, @user_id, @path, @create_date)`).run(u);
}

export function insertKey(db: Database.Database, k: IamKey): void {
  db.prepare(
    `INSERT INTO aws_iam_keys (access_key_id, secret, user_name, status, create_date, last_used_ms, last_used_service, last_used_region)
     VALUES (@access_key_id, @secret, @user_name, @status, @create_date, @last_used_ms, @last_used_service, @last_used_region)`,
  ).run(k);
}

export function putUserPolicy(db: Database.Database, userName: string, policyName: string, document: string): void {
  db.prepare(
    `INSERT INTO aws_iam_user_policies (user_name, policy_name, document) VALUES (?, ?, ?)
     ON CONFLICT(user_name, policy_name) DO UPDATE SET document = excluded.document`,
  ).run(userName, policyName, document);
}

export function findManagedPolicy(db: Database.Database, arn: string): IamManagedPolicy | undefined {
  return db.prepare(`SELECT * FROM aws_iam_policies WHERE arn = ?`).get(arn) as IamManagedPolicy | undefined;
}

export function insertManagedPolicy(db: Database.Database, p: IamManagedPolicy, document: string): void {
  db.prepare(
    `INSERT INTO aws_iam_policies (arn, policy_name, policy_id, path, default_version_id, create_date, update_date, description)
     VALUES (@arn, @policy_name, @policy_id, @path, @default_version_id, @create_date, @update_date, @description)`,
  ).run(p);
  db.prepare(`INSERT INTO aws_iam_policy_versions (policy_arn, version_id, document, create_date) VALUES (?, ?, ?, ?)`).run(p.arn, p.default_version_id, document, p.create_date);
}

/** Every identity-based policy document that applies to a user: inline ones, then attached managed ones (default versions). */
export function userPolicyDocuments(db: Database.Database, userName: string): string[] {
  const inline = db.prepare(`SELECT document FROM aws_iam_user_policies WHERE user_name = ?`).all(userName) as { document: string }[];
  const attached = db
    .prepare(
      `SELECT v.document FROM aws_iam_user_attached a JOIN aws_iam_policies p ON p.arn = a.policy_arn
       JOIN aws_iam_policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version_id WHERE a.user_name = ?`,
    )
    .all(userName) as { document: string }[];
  return [...inline, ...attached].map((r) => r.document);
}

export function recordKeyUse(db: Database.Database, accessKeyId: string, at: number, service: string, region: string): void {
  db.prepare(`UPDATE aws_iam_keys SET last_used_ms = ?, last_used_service = ?, last_used_region = ? WHERE access_key_id = ?`).run(at, service, region, accessKeyId);
}
