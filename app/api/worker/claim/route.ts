import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { getClients } from "@/lib/integrations/clients";
import { claimPushJob } from "@/lib/operations/pushes/push-job-lifecycle";
import { claimBody, workerLeaseMs } from "@/lib/operations/pushes/worker/worker-api";

export const dynamic = "force-dynamic";

export const POST = withBearer({ name: "worker.claim", token: (c) => c.workerToken }, async (req, { db, config }) => {
  const body = claimBody.safeParse(await req.json().catch(() => null));
  if (!body.success) return NextResponse.json({ error: "workerId is required" }, { status: 400 });
  // Standalone workers get the read-only DECKHAND_WORKER_GIT_TOKEN at most, never GITHUB_TOKEN (workerGitToken).
  const job = await claimPushJob({ clients: getClients(), db, config }, { workerId: body.data.workerId, leaseMs: workerLeaseMs(), worker: "standalone", platforms: body.data.platforms });
  return job ? NextResponse.json({ job }) : new NextResponse(null, { status: 204 });
});
