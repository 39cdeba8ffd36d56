/**
 * The production web server `npm start` runs: Next.js as a custom server (its documented programmatic API),
 * with one fast path in front of it. POST /api/webhooks/github is answered here, straight through the same
 * function the Next.js route uses (lib/operations/pushes/answer-webhook-request.ts): a webhook is a signature check
 * and one SQLite transaction, and Next.js's per-request work was most of its cost (at 200 deliveries a
 * second on two cores, p99 ~200 ms through Next.js against ~15 ms here; `npm run bench -- webhook`).
 * Everything else goes to Next.js unchanged.
 */
import http from "node:http";
import next from "next";
import { getConfig } from "../../infra/config/env";
import { exitWithParent } from "../../infra/exit-with-parent";
import { getClients } from "../../integrations/clients";
import { getDb } from "../../infra/db";
import { toUserFacing } from "../../errors";
import { SECURITY_HEADERS, strictTransportSecurity } from "../../infra/http/security-headers";
import { answerWebhookRequest } from "../../operations/pushes/answer-webhook-request";
import { processPendingDeliveries } from "../../operations/pushes/process-pending-deliveries";

const WEBHOOK_PATH = "/api/webhooks/github";

/** Over https (DECKHAND_URL), every answer carries HSTS: Next.js's answers and the fast path's. */
let hsts: string | null = null;

/** Anyone can connect: the whole request (headers and body) must arrive within these, on every path. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...Object.fromEntries(SECURITY_HEADERS.map((h) => [h.key, h.value])),
    ...(hsts ? { "strict-transport-security": hsts } : {}),
  });
  res.end(text);
}

/**
 * Closes a connection whose request body was not read to its end, the way nginx's lingering close does: the rest
 * of the body is read and discarded (never buffered) for at most LINGER_MS, so the client, still writing, reads
 * the answer instead of a connection reset; then the socket is destroyed whatever the client is doing.
 * (No `Connection: close` header: with it Node half-closes the socket as soon as the answer is written, and a
 * client still sending gets EPIPE before it reads the answer.)
 */
const LINGER_MS = 2000;
function lingerThenClose(req: http.IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once("end", () => {
    clearTimeout(timer);
    req.socket.destroy();
  });
  req.resume();
}

async function answerWebhook(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const out = await answerWebhookRequest(getDb(), getConfig(), {
      header: (name) => {
        const v = req.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
      body: req,
    });
    // A body not read to its end (too large, too slow, too many at once) is not kept: the connection goes.
    send(res, out.status, out.body);
    if (out.closeConnection) res.once("finish", () => lingerThenClose(req));
    // After the answer: is the push a forward move (GitHub's compare API)? Then its job is queued.
    if (out.body.outcome === "pending") {
      const clients = getClients();
      processPendingDeliveries({ db: getDb(), github: clients.github, repo: clients.repo }).catch((err: Error) =>
        console.error(`[deckhand] checking webhook deliveries: ${err.message}`),
      );
    }
  } catch (err) {
    const safe = toUserFacing(err, "webhook.github");
    if (!res.headersSent) send(res, safe.code === "internal" ? 500 : 400, { error: safe.message, code: safe.code, errorId: safe.errorId });
  }
}

async function main() {
  const port = Number(process.env.PORT);
  const hostname = process.env.DECKHAND_SERVE_HOST ?? "127.0.0.1";
  const app = next({ dev: false, dir: process.cwd(), hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  hsts = strictTransportSecurity(getConfig().url);
  const server = http.createServer((req, res) => {
    if (hsts) res.setHeader("strict-transport-security", hsts);
    const q = req.url?.indexOf("?") ?? -1;
    const pathname = q >= 0 ? req.url!.slice(0, q) : req.url;
    if (req.method === "POST" && pathname === WEBHOOK_PATH) return void answerWebhook(req, res);
    void handle(req, res);
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.listen(port, hostname, () => console.log(`   ▲ Next.js ready on http://${hostname}:${port} (webhooks answered directly)`));
  const stop = () => {
    server.close(() => process.exit(0));
    // Streams (live job logs) keep connections open: end them after a short grace period.
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, 3000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  exitWithParent(stop);
}

main().catch((err) => {
  console.error(`Deckhand web server failed to start: ${(err as Error).message}`);
  process.exit(1);
});
