// Shared by the rotation tests: a OperationContext against a test sandbox, and the invariant checks.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { parseConfig } from "../../../infra/config/env";
import { openDb } from "../../../infra/db/open-db";
import type { Db } from "../../../infra/db/open-db";
import type { OperationContext } from "../../context";
import { TtlCache } from "../../../infra/cache/ttl-cache";
import { readContextFrom, type ReadContext } from "../../../read/context";
import type { RotationExtras } from "../rotate-access-key";
import type { TestSandbox } from "../../../tooling/testing/sandbox-fixture";

export const USER = "github-ecr-push";

export function testContext(sbx: TestSandbox, dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-rot-"))): { ctx: OperationContext; dir: string; db: Db } {
  const db = openDb(dir);
  // The test sandbox's own port: workers fetch git from it and read the deckhand-worker key there.
  const config = parseConfig({ DECKHAND_DATA_DIR: dir, SANDBOX_PORT: String(sbx.sandbox.port) });
  return { ctx: { clients: sbx.clients, actor: { login: "octo-operator", role: "operator" }, db, config, cache: new TtlCache() }, dir, db };
}

/** Small windows for tests: the sandbox's propagation is 200 ms here. */
export function testExtras(sbx: TestSandbox, options: RotationExtras["options"] = {}): RotationExtras {
  return {
    awsAs: (c) => {
      const a = sbx.awsAs(c);
      return { sts: a.sts, ecr: a.ecr };
    },
    options: { verifyTimeoutMs: 5000, verifyPollMs: 100, canaryPollMs: 100, canaryTimeoutMs: 20_000, backoffMs: 50, leaseMs: 2000, ...options },
  };
}

export interface SandboxKey {
  accessKeyId: string;
  status: string;
  createDate: string;
}

export async function sandboxKeys(sbx: TestSandbox, user = USER): Promise<SandboxKey[]> {
  const r = await sbx.admin("GET", `/_sandbox/aws/keys?user=${encodeURIComponent(user)}`);
  return ((await r.json()) as { keys: SandboxKey[] }).keys;
}

export async function sandboxSecret(sbx: TestSandbox, name: string): Promise<string | null> {
  const r = await sbx.admin("GET", `/_sandbox/github/repos/${sbx.clients.repo.owner}/${sbx.clients.repo.repo}/secrets/${name}`);
  if (r.status !== 200) return null;
  return ((await r.json()) as { value: string }).value;
}

/** STS with a key: its ARN, or the error code AWS answered. */
export async function stsWith(sbx: TestSandbox, accessKeyId: string, secretAccessKey: string): Promise<{ arn?: string; error?: string }> {
  try {
    const r = await sbx.awsAs({ accessKeyId, secretAccessKey }).sts.send(new GetCallerIdentityCommand({}));
    return { arn: r.Arn };
  } catch (err) {
    return { error: (err as { name?: string }).name };
  }
}

/** Does GitHub hold a key AWS accepts (the pair read back from the sandbox)? */
export async function githubHoldsWorkingKey(sbx: TestSandbox): Promise<{ works: boolean; accessKeyId: string | null; secret: string | null; error?: string }> {
  const accessKeyId = await sandboxSecret(sbx, "AWS_ACCESS_KEY_ID");
  const secret = await sandboxSecret(sbx, "AWS_SECRET_ACCESS_KEY");
  if (!accessKeyId || !secret) return { works: false, accessKeyId, secret };
  const r = await stsWith(sbx, accessKeyId, secret);
  return { works: Boolean(r.arn), accessKeyId, secret, error: r.error };
}

/** Every row of every table of the store, as text (for leak scans). */
export function dumpStore(db: Db): string {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t.name}"`).all())).join("\n");
}

/** The read side's context over a verb's context (the same clients, store and cache). */
export function readsOf(ctx: OperationContext): ReadContext {
  return readContextFrom(ctx.config, ctx.clients, ctx.cache, ctx.db);
}
