import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { appendJobLog, getJob } from "@/lib/operations/pushes/job-store";
import { logsBody } from "@/lib/operations/pushes/worker/worker-api";
import { partLogAttempt } from "@/lib/operations/pushes/job-parts-store";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.logs", token: (c) => c.workerToken }, async (req, { db, params }) => {
  const body = logsBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "invalid log batch" }, { status: 400 });
  // A job part's worker: the part's holder writes under the job's attempt (partLogAttempt).
  if (body.data.service) {
    const attempt = partLogAttempt(db, { jobId: params.id, service: body.data.service, workerId: body.data.workerId, attempt: body.data.attempt });
    if (attempt === null) return NextResponse.json({ ok: false }, { status: 409 });
    appendJobLog(db, { jobId: params.id, attempt, lines: body.data.lines });
    return NextResponse.json({ ok: true });
  }
  const job = getJob(db, params.id);
  // Only the lease holder writes to a job's log.
  if (!job || job.workerId !== body.data.workerId || job.attempts !== body.data.attempt) return NextResponse.json({ ok: false }, { status: 409 });
  appendJobLog(db, { jobId: params.id, attempt: body.data.attempt, lines: body.data.lines });
  return NextResponse.json({ ok: true });
});
