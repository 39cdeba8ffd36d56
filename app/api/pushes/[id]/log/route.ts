import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { readJobLogSince } from "@/lib/read/pushes";

export const dynamic = "force-dynamic";

export const GET = withSession<{ id: string }>({ name: "push.log", role: "viewer" }, async (req, { params, db }) => {
  const after = Number(new URL(req.url).searchParams.get("after") ?? "0");
  const out = readJobLogSince({ db }, params.id, Number.isFinite(after) && after > 0 ? after : 0);
  if (!out) return NextResponse.json({ error: "No such push job." }, { status: 404 });
  return NextResponse.json(out);
});
