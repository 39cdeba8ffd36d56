import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { readRotation } from "@/lib/read/rotation";

/** Live progress of one rotation for the page's polling (any signed-in user may watch). */
export const GET = withSession<{ id: string }>({ name: "rotations.get", role: "viewer" }, async (_req, { params, db }) => {
  const found = readRotation({ db }, Number(params.id));
  if (!found) return NextResponse.json({ error: "Not Found" }, { status: 404 });
  return NextResponse.json({ rotation: found.view, running: found.running }, { headers: { "cache-control": "no-store" } });
});
