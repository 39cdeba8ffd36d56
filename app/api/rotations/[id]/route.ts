import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { rotationWithSteps } from "@/lib/operations/rotation/rotate-access-key";
import { toRotationView } from "@/lib/operations/rotation/view";

/** Live progress of one rotation for the page's polling (any signed-in user may watch). */
export const GET = withSession<{ id: string }>({ name: "rotations.get", role: "viewer" }, async (_req, { params, db }) => {
  const id = Number(params.id);
  const found = Number.isInteger(id) ? rotationWithSteps({ db }, id) : null;
  if (!found) return NextResponse.json({ error: "Not Found" }, { status: 404 });
  return NextResponse.json({ rotation: toRotationView(found.rotation, found.steps), running: found.running }, { headers: { "cache-control": "no-store" } });
});
