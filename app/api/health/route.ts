import { NextResponse } from "next/server";
import { withPublic } from "@/lib/infra/http/route-wrappers";
import { readStoreHealth } from "@/lib/read/health";
import { DECKHAND_VERSION } from "@/lib/infra/version";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers: no auth, no secrets. */
export const GET = withPublic({ name: "health" }, async (_req, { db, config }) => {
  const store = readStoreHealth({ db });
  return NextResponse.json({ status: store.ok ? "ok" : "degraded", mode: config.mode, version: DECKHAND_VERSION, store }, { status: store.ok ? 200 : 503 });
});
