import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { appReadContext } from "@/lib/read/context";
import { readRunState } from "@/lib/read/workflows";

/**
 * A run's live status for the browser's poller: read fresh from GitHub (never from the cache); when it
 * differs from what the page showed, the cached run lists are dropped so the refresh that follows shows it.
 */
export const GET = withSession<{ id: string }>({ name: "workflows.run-state", role: "viewer" }, async (req, { params }) => {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) return NextResponse.json({ error: "Not a run id." }, { status: 400 });
  const out = await readRunState(appReadContext(), id, req.nextUrl.searchParams.get("shown") ?? "");
  if (!out.ok) return NextResponse.json({ error: out.failure.message }, { status: 502 });
  if (!out.state.found) return NextResponse.json({ error: "No such run." }, { status: 404 });
  const { status, conclusion, attempt, state, changed } = out.state;
  return NextResponse.json({ id, status, conclusion, attempt, state, changed }, { headers: { "cache-control": "no-store" } });
});
