import type Database from "better-sqlite3";
import { authorize, type OperationHandler } from "./call";
import { invalidParameter, requireParam } from "./ecr-common";

/**
 * ECR account settings (GetAccountSetting / PutAccountSetting), per registry (account and region). Only
 * BLOB_MOUNTING is emulated: ENABLED lets `POST /v2/NAME/blobs/uploads/?mount=…&from=…` mount a layer from another
 * repository of the registry (ECR user guide, "Blob mounting in Amazon ECR"); its default is DISABLED.
 */
export function migrateEcrAccountSettings(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS aws_ecr_account_settings (region TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (region, name))`);
}

export const ECR_ACCOUNT_SETTING_TABLES = ["aws_ecr_account_settings"];

const SETTINGS: Record<string, { values: string[]; fallback: string }> = {
  BLOB_MOUNTING: { values: ["ENABLED", "DISABLED"], fallback: "DISABLED" },
};

function settingName(name: string): string {
  if (name.length > 64 || !SETTINGS[name])
    throw invalidParameter(`Invalid parameter at 'name' failed to satisfy constraint: 'The sandbox emulates the account setting BLOB_MOUNTING only; got '${name}''`);
  return name;
}

export function accountSetting(db: Database.Database, region: string, name: string): string {
  const row = db.prepare(`SELECT value FROM aws_ecr_account_settings WHERE region = ? AND name = ?`).get(region, name) as { value: string } | undefined;
  return row?.value ?? SETTINGS[name].fallback;
}

export const accountSettingOperations: Record<string, OperationHandler> = {
  GetAccountSetting(call) {
    authorize(call, "ecr:GetAccountSetting", "*", undefined);
    const name = settingName(requireParam<string>(call, "name"));
    return { name, value: accountSetting(call.ctx.db, call.region, name) };
  },

  PutAccountSetting(call) {
    authorize(call, "ecr:PutAccountSetting", "*", undefined);
    const name = settingName(requireParam<string>(call, "name"));
    const value = requireParam<string>(call, "value");
    if (!SETTINGS[name].values.includes(value))
      throw invalidParameter(`Invalid parameter at 'value' failed to satisfy constraint: 'Valid values for ${name}: ${SETTINGS[name].values.join(", ")}'`);
    call.ctx.db.prepare(`INSERT INTO aws_ecr_account_settings (region, name, value) VALUES (?, ?, ?) ON CONFLICT(region, name) DO UPDATE SET value = excluded.value`).run(call.region, name, value);
    return { name, value };
  },
};
