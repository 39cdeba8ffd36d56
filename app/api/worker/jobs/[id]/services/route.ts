import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { recordServiceResult } from "@/lib/operations/pushes/job-store";
import { finishJobPart } from "@/lib/operations/pushes/push-job-lifecycle";
import { getClients } from "@/lib/integrations/clients";
import { servicesBody } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.service", token: (c) => c.workerToken }, async (req, { db, config, params }) => {
  const body = servicesBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "invalid service result" }, { status: 400 });
  // A job part's record is its result: it ends the part, and the job when it was the last one waiting.
  const ok = body.data.part
    ? await finishJobPart({ clients: getClients(), db, config }, { workerId: body.data.workerId, job: { jobId: params.id, attempt: body.data.attempt }, record: body.data.result })
    : recordServiceResult(db, { jobId: params.id, workerId: body.data.workerId, attempt: body.data.attempt, result: body.data.result });
  return NextResponse.json({ ok }, { status: ok ? 200 : 409 });
});
