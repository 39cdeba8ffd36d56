// GET /api/health: whether the store answers, for load balancers. No AWS or GitHub call.

import { schemaVersion, type Db } from "../infra/db/open-db";

export type StoreHealth = { ok: true; schemaVersion: number } | { ok: false; error: string };

/** A trivial query and the schema version; "store unavailable" (never the SQLite error) when it fails. */
export function readStoreHealth(ctx: { db: Db }): StoreHealth {
  try {
    ctx.db.prepare("SELECT 1").get();
    return { ok: true, schemaVersion: schemaVersion(ctx.db) };
  } catch {
    return { ok: false, error: "store unavailable" };
  }
}
