import type Database from "better-sqlite3";
import type { IamKey, IamUser } from "./iam-store";
import { listUserKeys, userArn } from "./iam-store";
import { ACCOUNT_ID } from "./errors";

const COLUMNS = [
  "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed", "password_next_rotation", "mfa_active",
  "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
  "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
  "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
];

/** The report's timestamps look like 2024-01-31T12:00:00+00:00. */
const reportTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

function keyColumns(k: IamKey | undefined): string[] {
  if (!k) return ["false", "N/A", "N/A", "N/A", "N/A"];
  const used = k.last_used_ms !== null;
  return [k.status === "Active" ? "true" : "false", reportTime(k.create_date), used ? reportTime(k.last_used_ms!) : "N/A", used ? k.last_used_region ?? "N/A" : "N/A", used ? k.last_used_service ?? "N/A" : "N/A"];
}

/** Build the CSV IAM's GetCredentialReport returns: a root row then one row per user. */
export function buildCredentialReport(db: Database.Database, accountCreatedMs: number): string {
  const rows = [COLUMNS.join(",")];
  rows.push([`<root_account>`, `arn:aws:iam::${ACCOUNT_ID}:root`, reportTime(accountCreatedMs), "not_supported", "no_information", "not_supported", "not_supported", "false", ...keyColumns(undefined), ...keyColumns(undefined), "false", "N/A", "false", "N/A"].join(","));
  const users = db.prepare(`SELECT * FROM aws_iam_users ORDER BY user_name`).all() as IamUser[];
  for (const u of users) {
    const keys = listUserKeys(db, u.user_name);
    rows.push([u.user_name, userArn(u), reportTime(u.create_date), "false", "N/A", "N/A", "N/A", "false", ...keyColumns(keys[0]), ...keyColumns(keys[1]), "false", "N/A", "false", "N/A"].join(","));
  }
  return rows.join("\n");
}
