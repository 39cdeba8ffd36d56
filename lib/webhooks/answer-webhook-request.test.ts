// The HTTP side of the webhook, as both servers feed it: a web ReadableStream (the Next.js route) and a
// Node stream (the production server's fast path). Same answers from both.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../infra/config/env";
import { openDb } from "../infra/db/open-db";
import { MAX_WEBHOOK_BODY_BYTES } from "./receive-github-delivery";
import { answerWebhookRequest } from "./answer-webhook-request";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-webhook-http-"));
const db = openDb(dir);
const config = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_WEBHOOK_SECRET: "s3cret-for-tests" });
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sign = (body: Buffer) => `sha256=${createHmac("sha256", "s3cret-for-tests").update(body).digest("hex")}`;
const headersOf = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()] ?? null;

type Source = "web" | "node";
function bodyOf(source: Source, chunks: Buffer[]): AsyncIterable<Uint8Array> {
  return source === "node" ? Readable.from(chunks) : (new Blob(chunks.map((c) => new Uint8Array(c))).stream() as unknown as AsyncIterable<Uint8Array>);
}

describe.each<Source>(["web", "node"])("answerWebhookRequest with a %s stream", (source) => {
  it("answers a signed ping, records it, and answers its replay as a duplicate", async () => {
    const body = Buffer.from(JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 }));
    const id = randomUUID();
    const h = { "x-github-event": "ping", "x-github-delivery": id, "x-hub-signature-256": sign(body), "content-type": "application/json" };
    // Split into chunks: the body is assembled before the signature is checked.
    const chunks = [body.subarray(0, 5), body.subarray(5)];
    expect(await answerWebhookRequest(db, config, { header: headersOf(h), body: bodyOf(source, chunks) })).toEqual({ status: 200, body: { outcome: "pong" } });
    expect(db.prepare(`SELECT outcome FROM webhook_deliveries WHERE id = ?`).get(id)).toEqual({ outcome: "pong" });
    const again = await answerWebhookRequest(db, config, { header: headersOf(h), body: bodyOf(source, [body]) });
    expect(again.body.outcome).toBe("duplicate");
  });

  it("refuses a bad signature with 401 and records nothing", async () => {
    const body = Buffer.from("{}");
    const id = randomUUID();
    const h = { "x-github-event": "ping", "x-github-delivery": id, "x-hub-signature-256": sign(Buffer.from("other")) };
    expect((await answerWebhookRequest(db, config, { header: headersOf(h), body: bodyOf(source, [body]) })).status).toBe(401);
    expect(db.prepare(`SELECT 1 FROM webhook_deliveries WHERE id = ?`).get(id)).toBeUndefined();
  });

  it("answers 413 past GitHub's 25 MB cap, declared or not, having read the rest without keeping it", async () => {
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    const chunks = Array.from({ length: MAX_WEBHOOK_BODY_BYTES / mb.length + 1 }, () => mb);
    const h = { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": "sha256=00" };
    expect((await answerWebhookRequest(db, config, { header: headersOf(h), body: bodyOf(source, chunks) })).status).toBe(413);
    const declared = { ...h, "content-length": String(MAX_WEBHOOK_BODY_BYTES + 1) };
    expect((await answerWebhookRequest(db, config, { header: headersOf(declared), body: null })).status).toBe(413);
  });
});
