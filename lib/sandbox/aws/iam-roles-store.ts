import type Database from "better-sqlite3";
import { ACCOUNT_ID } from "./errors";

/** IAM roles (with inline policies), IAM OIDC identity providers, and the STS sessions web identities assume. */
export interface IamRole {
  role_name: string;
  role_id: string;
  path: string;
  assume_role_policy: string;
  description: string | null;
  max_session_duration: number;
  create_date: number;
  last_used_ms: number | null;
  last_used_region: string | null;
}

export interface OidcProvider {
  arn: string;
  url: string;
  client_ids: string;
  thumbprints: string;
  create_date: number;
}

export interface StsSession {
  access_key_id: string;
  secret: string;
  session_token: string;
  role_name: string;
  session_name: string;
  issued_ms: number;
  expires_ms: number;
  /** JSON: { provider, aud, sub } of the web identity that assumed the role. */
  web_identity: string | null;
}

export function migrateIamRoles(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS aws_iam_roles (
      role_name TEXT PRIMARY KEY COLLATE NOCASE, role_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, assume_role_policy TEXT NOT NULL, description TEXT,
      max_session_duration INTEGER NOT NULL, create_date INTEGER NOT NULL, last_used_ms INTEGER, last_used_region TEXT);
    CREATE TABLE IF NOT EXISTS aws_iam_role_policies (
      role_name TEXT NOT NULL COLLATE NOCASE, policy_name TEXT NOT NULL COLLATE NOCASE, document TEXT NOT NULL, PRIMARY KEY (role_name, policy_name));
    CREATE TABLE IF NOT EXISTS aws_iam_role_attached (
      role_name TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL, PRIMARY KEY (role_name, policy_arn));
    CREATE TABLE IF NOT EXISTS aws_iam_oidc_providers (
      arn TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, client_ids TEXT NOT NULL, thumbprints TEXT NOT NULL, create_date INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS aws_sts_sessions (
      access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, session_token TEXT NOT NULL, role_name TEXT NOT NULL, session_name TEXT NOT NULL,
      issued_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, web_identity TEXT);
  `);
}

export const IAM_ROLE_TABLES = ["aws_iam_roles", "aws_iam_role_policies", "aws_iam_role_attached", "aws_iam_oidc_providers", "aws_sts_sessions"];

export const roleArn = (r: Pick<IamRole, "path" | "role_name">) => `arn:aws:iam::${ACCOUNT_ID}:role${r.path}${r.role_name}`;
export const oidcProviderArn = (urlWithoutScheme: string) => `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${urlWithoutScheme}`;
export const assumedRoleArn = (roleName: string, sessionName: string) => `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${sessionName}`;

export function findRole(db: Database.Database, name: string): IamRole | undefined {
  return db.prepare(`SELECT * FROM aws_iam_roles WHERE role_name = ?`).get(name) as IamRole | undefined;
}

/** The role an ARN names (path included), or undefined. */
export function findRoleByArn(db: Database.Database, arn: string): IamRole | undefined {
  const m = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/.exec(arn);
  if (!m || m[1] !== ACCOUNT_ID) return undefined;
  const role = findRole(db, m[3]);
  return role && role.path === (m[2] ?? "/") ? role : undefined;
}

/** Every identity-based policy document of a role: inline ones, then attached managed ones (default versions). */
export function rolePolicyDocuments(db: Database.Database, roleName: string): string[] {
  const inline = db.prepare(`SELECT document FROM aws_iam_role_policies WHERE role_name = ?`).all(roleName) as { document: string }[];
  const attached = db
    .prepare(
      `SELECT v.document FROM aws_iam_role_attached a JOIN aws_iam_policies p ON p.arn = a.policy_arn
       JOIN aws_iam_policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version_id WHERE a.role_name = ?`,
    )
    .all(roleName) as { document: string }[];
  return [...inline, ...attached].map((r) => r.document);
}

export function findOidcProviderByUrl(db: Database.Database, urlWithoutScheme: string): OidcProvider | undefined {
  return db.prepare(`SELECT * FROM aws_iam_oidc_providers WHERE url = ?`).get(urlWithoutScheme) as OidcProvider | undefined;
}

export function findSession(db: Database.Database, accessKeyId: string): StsSession | undefined {
  return db.prepare(`SELECT * FROM aws_sts_sessions WHERE access_key_id = ?`).get(accessKeyId) as StsSession | undefined;
}
