import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { getClients } from "@/lib/integrations/clients";
import { claimEcrRepository } from "@/lib/operations/pushes/claim-ecr-repository";
import { ecrClaimBody } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

// Issue 16: the app, not the worker, decides whether a service may push into an ECR repository. 409 when the caller
// does not hold the job's (or the part's) lease, like the other worker calls; 200 with ok true or false otherwise.
export const POST = withBearer<{ id: string }>({ name: "worker.ecr-repository", token: (c) => c.workerToken }, async (req, { db, config, params }) => {
  const body = ecrClaimBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "workerId, attempt, service and a valid ECR repository name are required" }, { status: 400 });
  const answer = await claimEcrRepository({ clients: getClients(), db, config }, { ...body.data, jobId: params.id });
  return NextResponse.json(answer, { status: !answer.ok && answer.lost ? 409 : 200 });
});
