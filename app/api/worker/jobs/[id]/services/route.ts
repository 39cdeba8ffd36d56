import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { recordServiceResult } from "@/lib/operations/pushes/job-store";
import { servicesBody } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer<{ id: string }>({ name: "worker.service", token: (c) => c.workerToken }, async (req, { db, params }) => {
  const body = servicesBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "invalid service result" }, { status: 400 });
  const ok = recordServiceResult(db, { jobId: params.id, workerId: body.data.workerId, attempt: body.data.attempt, result: body.data.result });
  return NextResponse.json({ ok }, { status: ok ? 200 : 409 });
});
