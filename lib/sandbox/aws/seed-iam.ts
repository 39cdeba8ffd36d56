import type Database from "better-sqlite3";
import { ACCOUNT_ID } from "./errors";
import { generateAccessKeyId, generatePolicyId, generateSecretAccessKey, generateUserId } from "./ids";
import { insertKey, insertManagedPolicy, insertUser, putUserPolicy, type IamKey } from "./iam-store";
import { AWS_MANAGED_POLICIES } from "./iam-managed-policies";

export const DAY_MS = 24 * 60 * 60 * 1000;

export function seedManagedPolicies(db: Database.Database, accountCreatedMs: number): void {
  for (const p of AWS_MANAGED_POLICIES) {
    insertManagedPolicy(
      db,
      { arn: `arn:aws:iam::aws:policy/${p.name}`, policy_name: p.name, policy_id: generatePolicyId(), path: "/", default_version_id: "v1", create_date: accountCreatedMs - 1000 * DAY_MS, update_date: accountCreatedMs - 500 * DAY_MS, description: p.description },
      JSON.stringify(p.document, null, 4),
    );
  }
}

export interface SeededKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export function seedUser(db: Database.Database, name: string, createdMs: number): void {
  insertUser(db, { user_name: name, user_id: generateUserId(), path: "/", create_date: createdMs });
}

export function seedKey(db: Database.Database, userName: string, createdMs: number, lastUsed?: { ms: number; service: string; region: string }): SeededKey {
  const key: IamKey = {
    access_key_id: generateAccessKeyId(),
    secret: generateSecretAccessKey(),
    user_name: userName,
    status: "Active",
    create_date: createdMs,
    last_used_ms: lastUsed?.ms ?? null,
    last_used_service: lastUsed?.service ?? null,
    last_used_region: lastUsed?.region ?? null,
  };
  insertKey(db, key);
  return { accessKeyId: key.access_key_id, secretAccessKey: key.secret };
}

export function seedInlinePolicy(db: Database.Database, userName: string, policyName: string, document: string): void {
  putUserPolicy(db, userName, policyName, document);
}

export const seedUserArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
