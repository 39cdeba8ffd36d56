import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { heartbeatJob } from "@/lib/operations/pushes/job-store";
import { heartbeatBody, workerLeaseMs } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.heartbeat", token: (c) => c.workerToken }, async (req, { db, params }) => {
  const body = heartbeatBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "workerId and attempt are required" }, { status: 400 });
  const d = heartbeatJob(db, { jobId: params.id, workerId: body.data.workerId, attempt: body.data.attempt, leaseMs: workerLeaseMs() });
  return NextResponse.json(d.ok ? { ok: true } : { ok: false, reason: d.reason });
});
