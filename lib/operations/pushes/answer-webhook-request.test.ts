// The HTTP side of the webhook, as both servers feed it: a web ReadableStream (the Next.js route) and a
// Node stream (the production server's fast path). Same answers from both.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { MAX_WEBHOOK_BODY_BYTES } from "./receive-github-delivery";
import { answerWebhookRequest, WEBHOOK_READ_LIMITS } from "./answer-webhook-request";

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

  it("answers 413 past GitHub's 25 MB cap, declared or not, without reading the rest", async () => {
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    let pulled = 0;
    // 40 MB on offer: reading stops just past 25 MB.
    async function* endless() {
      for (let i = 0; i < 40; i++) {
        pulled++;
        yield mb;
      }
    }
    const h = { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": "sha256=00" };
    const out = await answerWebhookRequest(db, config, { header: headersOf(h), body: source === "node" ? Readable.from(endless()) : endless() });
    expect(out).toMatchObject({ status: 413, closeConnection: true });
    expect(pulled).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES / mb.length + 2);
    const declared = { ...h, "content-length": String(MAX_WEBHOOK_BODY_BYTES + 1) };
    expect((await answerWebhookRequest(db, config, { header: headersOf(declared), body: null })).status).toBe(413);
  });
});

describe("limits on reading webhook bodies from anyone", () => {
  const h = { "x-github-event": "ping", "x-github-delivery": "x", "x-hub-signature-256": "sha256=00" };
  /** A body that sends one byte and then nothing, until released. */
  function stalled() {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    async function* body() {
      yield Buffer.from("{");
      await gate;
    }
    return { body: body(), release };
  }

  it("answers 408 to a body that does not arrive within the deadline", async () => {
    const s = stalled();
    const started = Date.now();
    const out = await answerWebhookRequest(db, config, { header: headersOf(h), body: s.body }, { ...WEBHOOK_READ_LIMITS, bodyTimeoutMs: 200 });
    expect(out).toMatchObject({ status: 408, closeConnection: true });
    expect(Date.now() - started).toBeLessThan(5000);
    s.release();
  });

  it("answers 503 past the number of bodies read at once, and serves again when they finish", async () => {
    const limits = { ...WEBHOOK_READ_LIMITS, maxConcurrent: 2, bodyTimeoutMs: 5000 };
    const slow = [stalled(), stalled()];
    const pending = slow.map((s) => answerWebhookRequest(db, config, { header: headersOf(h), body: s.body }, limits));
    await new Promise((r) => setTimeout(r, 50));
    expect(await answerWebhookRequest(db, config, { header: headersOf(h), body: null }, limits)).toMatchObject({ status: 503, closeConnection: true });
    slow.forEach((s) => s.release());
    await Promise.all(pending);
    const ping = Buffer.from(JSON.stringify({ zen: "z" }));
    const ok = { ...h, "x-github-delivery": randomUUID(), "x-hub-signature-256": sign(ping) };
    expect((await answerWebhookRequest(db, config, { header: headersOf(ok), body: Readable.from([ping]) }, limits)).status).toBe(200);
  });

  it("answers 503 when bodies in flight would hold more than the buffer budget", async () => {
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    const out = await answerWebhookRequest(db, config, { header: headersOf(h), body: Readable.from([mb, mb, mb]) }, { ...WEBHOOK_READ_LIMITS, bufferBudgetBytes: 2 * 1024 * 1024 });
    expect(out).toMatchObject({ status: 503 });
  });
});
