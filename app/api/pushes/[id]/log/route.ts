import { NextResponse } from "next/server";
import { withSession } from "@/lib/infra/http/route-wrappers";
import { getJob, readJobLog } from "@/lib/jobs/job-store";
import { isTerminal } from "@/lib/push/job-states";

export const dynamic = "force-dynamic";

export const GET = withSession<{ id: string }>({ name: "push.log", role: "viewer" }, async (req, { params, db }) => {
  const job = getJob(db, params.id);
  if (!job) return NextResponse.json({ error: "No such push job." }, { status: 404 });
  const after = Number(new URL(req.url).searchParams.get("after") ?? "0");
  const lines = readJobLog(db, job.id, Number.isFinite(after) && after > 0 ? after : 0);
  return NextResponse.json({ state: job.state, finished: isTerminal(job.state), lines });
});
