import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { heartbeatPushJob } from "@/lib/operations/pushes/push-job-lifecycle";
import { heartbeatBody, workerLeaseMs } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.heartbeat", token: (c) => c.workerToken }, async (req, { db, params }) => {
  const body = heartbeatBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "workerId and attempt are required" }, { status: 400 });
  const d = heartbeatPushJob(db, { ...body.data, jobId: params.id, leaseMs: workerLeaseMs(), worker: "standalone" });
  return NextResponse.json(d);
});
