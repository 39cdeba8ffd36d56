// POST /api/webhooks/github as HTTP, independent of the server that carries it: the Next.js route and the
// production server's fast path (lib/tooling/cli/serve.ts) both answer through this, so they cannot drift apart.

import type { DeckhandConfig } from "../../infra/config/env";
import type { Db } from "../../infra/db/open-db";
import { servedRepositories } from "../../infra/config/served-repositories";
import { MAX_WEBHOOK_BODY_BYTES, receiveGitHubDelivery, type DeliveryResponse } from "./receive-github-delivery";

export interface WebhookHttpRequest {
  header(name: string): string | null;
  /** The raw body as it arrives: a web ReadableStream or a Node IncomingMessage both iterate this way. */
  body: AsyncIterable<Uint8Array> | null;
}

/**
 * Limits on reading bodies before anything is verified (anyone can open a connection to this route):
 * - at most `maxConcurrent` bodies are read at once, and together they hold at most `bufferBudgetBytes`;
 * - a body must arrive within `bodyTimeoutMs`;
 * - reading stops at GitHub's 25 MB cap: the rest is never read (the caller closes the connection).
 * GitHub's own deliveries are a few kilobytes to a few megabytes and take milliseconds.
 */
export interface WebhookReadLimits {
  maxConcurrent: number;
  bufferBudgetBytes: number;
  bodyTimeoutMs: number;
}

export const WEBHOOK_READ_LIMITS: WebhookReadLimits = { maxConcurrent: 32, bufferBudgetBytes: 64 * 1024 * 1024, bodyTimeoutMs: 10_000 };

const TOO_LARGE: DeliveryResponse = { status: 413, body: { error: "Payload exceeds GitHub's 25 MB cap" } };
const BUSY: DeliveryResponse = { status: 503, body: { error: "Too many webhook deliveries are being received at once; retry shortly" } };
const TOO_SLOW: DeliveryResponse = { status: 408, body: { error: "The request body did not arrive in time" } };

let reading = 0;
let buffered = 0;

type ReadOutcome = { ok: true; body: Uint8Array } | { ok: false; answer: DeliveryResponse };

/**
 * The body within the limits, or the answer to give. The stream is not read past the cap or the deadline; the
 * caller should close the connection when `closeConnection` is set.
 */
async function readLimited(body: AsyncIterable<Uint8Array> | null, limits: WebhookReadLimits): Promise<ReadOutcome> {
  if (!body) return { ok: true, body: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]();
  const deadline = Date.now() + limits.bodyTimeoutMs;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))));
      const next = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
      if (next === "timeout") return { ok: false, answer: TOO_SLOW };
      if (next.done) break;
      size += next.value.byteLength;
      if (size > MAX_WEBHOOK_BODY_BYTES) return { ok: false, answer: TOO_LARGE };
      if (buffered + next.value.byteLength > limits.bufferBudgetBytes) return { ok: false, answer: BUSY };
      buffered += next.value.byteLength;
      chunks.push(next.value);
    }
    return { ok: true, body: Buffer.concat(chunks) };
  } finally {
    buffered -= chunks.reduce((n, c) => n + c.byteLength, 0);
  }
}

export interface WebhookHttpAnswer extends DeliveryResponse {
  /** The body was not read to its end: answer with `Connection: close` and drop the connection. */
  closeConnection?: boolean;
}

export async function answerWebhookRequest(db: Db, config: DeckhandConfig, req: WebhookHttpRequest, limits: WebhookReadLimits = WEBHOOK_READ_LIMITS): Promise<WebhookHttpAnswer> {
  const declared = Number(req.header("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BODY_BYTES) return { ...TOO_LARGE, closeConnection: true };
  if (reading >= limits.maxConcurrent) return { ...BUSY, closeConnection: true };
  reading++;
  let read: ReadOutcome;
  try {
    read = await readLimited(req.body, limits);
  } finally {
    reading--;
  }
  if (!read.ok) return { ...read.answer, closeConnection: true };
  return receiveGitHubDelivery(
    db,
    { secret: config.github.webhookSecret, repository: servedRepositories(config, db).map((r) => r.repository), branch: config.github.branch },
    {
      event: req.header("x-github-event"),
      deliveryId: req.header("x-github-delivery"),
      signature: req.header("x-hub-signature-256"),
      contentType: req.header("content-type"),
      rawBody: read.body,
    },
  );
}
