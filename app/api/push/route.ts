import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { appOperationContext } from "@/lib/operations/context";
import { recordAudit } from "@/lib/infra/audit/record-audit";
import { triggerPush, triggerPushInput } from "@/lib/operations/pushes/trigger-push";

export const dynamic = "force-dynamic";

/** For scripts and other CI systems: { "ref": "main" } or { "sha": "abc1234" }, bearer DECKHAND_API_TOKEN. */
export const POST = withBearer({ name: "api.push", token: (c) => c.apiToken }, async (req, { db }) => {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return NextResponse.json({ error: "Body must be JSON: { \"ref\": \"main\" } or { \"sha\": \"<commit>\" }" }, { status: 400 });
  }
  const input = triggerPushInput.safeParse(body);
  if (!input.success) return NextResponse.json({ error: input.error.issues[0]?.message ?? "Invalid input" }, { status: 400 });
  const actor = { login: "api-token", role: "system" as const };
  const out = await triggerPush({ ...appOperationContext(actor), db }, input.data, "api");
  recordAudit(db, { actor: actor.login, role: "system", action: "push.trigger", target: out.job.id, outcome: "success", detail: { sha: out.job.sha, branch: out.job.branch, via: "api" } });
  return NextResponse.json({ jobId: out.job.id, sha: out.job.sha, duplicate: out.duplicate }, { status: out.duplicate ? 200 : 202 });
});
