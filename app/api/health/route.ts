import { NextResponse } from "next/server";
import { withPublic } from "@/lib/infra/http/route-wrappers";
import { schemaVersion } from "@/lib/infra/db/open-db";
import { DECKHAND_VERSION } from "@/lib/infra/version";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers: no auth, no secrets. */
export const GET = withPublic({ name: "health" }, async (_req, { db, config }) => {
  let store: { ok: boolean; schemaVersion?: number; error?: string };
  try {
    db.prepare("SELECT 1").get();
    store = { ok: true, schemaVersion: schemaVersion(db) };
  } catch {
    store = { ok: false, error: "store unavailable" };
  }
  return NextResponse.json({ status: store.ok ? "ok" : "degraded", mode: config.mode, version: DECKHAND_VERSION, store }, { status: store.ok ? 200 : 503 });
});
