import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { getClients } from "@/lib/integrations/clients";
import { finishPushJob } from "@/lib/operations/pushes/push-job-lifecycle";
import { resultBody } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.result", token: (c) => c.workerToken }, async (req, { db, config, params }) => {
  const body = resultBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "invalid job result" }, { status: 400 });
  const ok = await finishPushJob(
    { clients: getClients(), db, config },
    { workerId: body.data.workerId, job: { jobId: params.id, attempt: body.data.attempt }, result: body.data.result },
  );
  return NextResponse.json({ ok }, { status: ok ? 200 : 409 });
});
