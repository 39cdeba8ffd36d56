import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { appCache } from "@/lib/infra/cache/ttl-cache";
import { getClients } from "@/lib/integrations/clients";
import { getRun } from "@/lib/integrations/github/runs";
import { pageGitHub } from "@/lib/read/page-clients";
import { describeFailure } from "@/lib/overview/describe-failure";
import { RUNS_CACHE_PREFIX } from "@/lib/operations/workflows/dispatch-workflow";

/**
 * A run's live status for the browser's poller: read fresh from GitHub (never from the cache), and
 * when it differs from what the page showed, the cached run lists are dropped so the refresh that
 * follows shows it.
 */
export const GET = withSession<{ id: string }>({ name: "workflows.run-state", role: "viewer" }, async (req, { params }) => {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) return NextResponse.json({ error: "Not a run id." }, { status: 400 });
  const shown = req.nextUrl.searchParams.get("shown") ?? "";
  try {
    const run = await getRun({ github: pageGitHub(), repo: getClients().repo, runId: id });
    if (!run) return NextResponse.json({ error: "No such run." }, { status: 404 });
    const state = `${run.status}:${run.conclusion ?? ""}:${run.runAttempt}`;
    if (state !== shown) appCache().invalidate(RUNS_CACHE_PREFIX);
    return NextResponse.json({ id, status: run.status, conclusion: run.conclusion, attempt: run.runAttempt, state, changed: state !== shown }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return NextResponse.json({ error: describeFailure(err, "GitHub", "get workflow run").message }, { status: 502 });
  }
});
