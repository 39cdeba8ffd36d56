import { NextResponse } from "next/server";
import { withPublic } from "@/lib/http/route-wrappers";
import { MAX_WEBHOOK_BODY_BYTES, receiveGitHubDelivery } from "@/lib/webhooks/receive-github-delivery";

export const dynamic = "force-dynamic";

/** Read the raw body, refusing past GitHub's cap without buffering more than it. */
async function readCapped(req: Request): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BODY_BYTES) return null;
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_WEBHOOK_BODY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// Public by design: GitHub signs each delivery, and receiveGitHubDelivery verifies it before anything else.
export const POST = withPublic({ name: "webhook.github" }, async (req, { db, config }) => {
  const rawBody = await readCapped(req);
  if (!rawBody) return NextResponse.json({ error: "Payload exceeds GitHub's 25 MB cap" }, { status: 413 });
  const out = receiveGitHubDelivery(
    db,
    { secret: config.github.webhookSecret, repository: config.github.repository, branch: config.github.branch },
    {
      event: req.headers.get("x-github-event"),
      deliveryId: req.headers.get("x-github-delivery"),
      signature: req.headers.get("x-hub-signature-256"),
      contentType: req.headers.get("content-type"),
      rawBody,
    },
  );
  return NextResponse.json(out.body, { status: out.status });
});
