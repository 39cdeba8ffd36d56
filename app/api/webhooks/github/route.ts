import { after, NextResponse } from "next/server";
import { getClients } from "@/lib/integrations/clients";
import { withPublic } from "@/lib/infra/http/route-wrappers";
import { answerWebhookRequest } from "@/lib/operations/pushes/answer-webhook-request";
import { processPendingDeliveries } from "@/lib/operations/pushes/process-pending-deliveries";

export const dynamic = "force-dynamic";

// Public by design: GitHub signs each delivery, and receiveGitHubDelivery verifies it before anything else.
// `npm start` answers this path before Next.js does (lib/tooling/cli/serve.ts), through the same function; this
// route serves `next dev` and deployments that run `next start` themselves.
export const POST = withPublic({ name: "webhook.github" }, async (req, { db, config }) => {
  const out = await answerWebhookRequest(db, config, {
    header: (name) => req.headers.get(name),
    body: req.body as unknown as AsyncIterable<Uint8Array> | null,
  });
  // After the answer, as lib/tooling/cli/serve.ts does: check that the push moves its branch forward, then queue it.
  if (out.body.outcome === "pending") {
    after(async () => {
      const clients = getClients();
      await processPendingDeliveries({ db, github: clients.github, repo: clients.repo }).catch((err: Error) =>
        console.error(`[deckhand] checking webhook deliveries: ${err.message}`),
      );
    });
  }
  return NextResponse.json(out.body, { status: out.status, headers: out.closeConnection ? { connection: "close" } : undefined });
});
