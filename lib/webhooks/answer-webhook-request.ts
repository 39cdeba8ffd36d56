// POST /api/webhooks/github as HTTP, independent of the server that carries it: the Next.js route and the
// production server's fast path (lib/tooling/cli/serve.ts) both answer through this, so they cannot drift apart.

import type { DeckhandConfig } from "../infra/config/env";
import type { Db } from "../infra/db/open-db";
import { MAX_WEBHOOK_BODY_BYTES, receiveGitHubDelivery, type DeliveryResponse } from "./receive-github-delivery";

export interface WebhookHttpRequest {
  header(name: string): string | null;
  /** The raw body as it arrives: a web ReadableStream or a Node IncomingMessage both iterate this way. */
  body: AsyncIterable<Uint8Array> | null;
}

const TOO_LARGE: DeliveryResponse = { status: 413, body: { error: "Payload exceeds GitHub's 25 MB cap" } };

/**
 * The body, or null past GitHub's cap. Past the cap the rest is read and dropped rather than kept, so the
 * answer can still be sent on the open connection (the server's request timeout bounds a body that never ends).
 */
async function readCapped(body: AsyncIterable<Uint8Array> | null): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size <= MAX_WEBHOOK_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_WEBHOOK_BODY_BYTES ? null : Buffer.concat(chunks);
}

export async function answerWebhookRequest(db: Db, config: DeckhandConfig, req: WebhookHttpRequest): Promise<DeliveryResponse> {
  const declared = Number(req.header("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BODY_BYTES) return TOO_LARGE;
  const rawBody = await readCapped(req.body);
  if (!rawBody) return TOO_LARGE;
  return receiveGitHubDelivery(
    db,
    { secret: config.github.webhookSecret, repository: config.github.repository, branch: config.github.branch },
    {
      event: req.header("x-github-event"),
      deliveryId: req.header("x-github-delivery"),
      signature: req.header("x-hub-signature-256"),
      contentType: req.header("content-type"),
      rawBody,
    },
  );
}
