import { NextResponse } from "next/server";
import { withPublic } from "@/lib/infra/http/route-wrappers";
import { answerWebhookRequest } from "@/lib/webhooks/answer-webhook-request";

export const dynamic = "force-dynamic";

// Public by design: GitHub signs each delivery, and receiveGitHubDelivery verifies it before anything else.
// `npm start` answers this path before Next.js does (lib/tooling/cli/serve.ts), through the same function; this
// route serves `next dev` and deployments that run `next start` themselves.
export const POST = withPublic({ name: "webhook.github" }, async (req, { db, config }) => {
  const out = await answerWebhookRequest(db, config, {
    header: (name) => req.headers.get(name),
    body: req.body as unknown as AsyncIterable<Uint8Array> | null,
  });
  return NextResponse.json(out.body, { status: out.status });
});
