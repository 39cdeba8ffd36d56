import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import type { SandboxContext, SandboxModule, SandboxOptions, SeedContext } from "./context";
import { FaultRegistry } from "./faults";
import { openSandboxDb, getMeta, setMeta } from "./store";
import { handleAdmin, type AdminHooks } from "./admin";
import { ageTables } from "./age";
import { sendJson } from "./http-util";
import { awsModule } from "./aws";
import { githubModule } from "./github";

export interface RunningSandbox {
  url: string;
  port: number;
  ctx: SandboxContext;
  reset(opts?: { scenario?: SandboxOptions["scenario"]; scale?: SandboxOptions["scale"] }): Promise<void>;
  close(): Promise<void>;
}

/** AWS seeds first: GitHub's seed stores the AWS push key in the repository's secrets. */
const modules: SandboxModule[] = [awsModule, githubModule];

export const defaultSandboxOptions = (overrides: Partial<SandboxOptions> = {}): SandboxOptions => ({
  dataDir: path.resolve(".deckhand"),
  port: 4566,
  host: "127.0.0.1",
  keyPropagationMs: 4000,
  adminToken: "sandbox-admin-token",
  webhookSecret: "deckhand-sandbox-webhook-secret",
  deckhandUrl: "http://localhost:3000",
  scenario: "default",
  scale: "small",
  logRequests: false,
  ...overrides,
});

export async function startSandbox(options: SandboxOptions, opts: { reset?: boolean } = {}): Promise<RunningSandbox> {
  const root = path.join(options.dataDir, "sandbox");
  fs.mkdirSync(root, { recursive: true });
  const db = openSandboxDb(root);
  let boundPort = options.port;
  const ctx: SandboxContext = {
    db,
    options,
    root,
    faults: new FaultRegistry(),
    baseUrl: () => `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${boundPort}`,
    now: () => new Date(),
  };
  for (const m of modules) m.migrate(db);

  const reset = async (r: { scenario?: SandboxOptions["scenario"]; scale?: SandboxOptions["scale"] } = {}) => {
    if (r.scenario) options.scenario = r.scenario;
    if (r.scale) options.scale = r.scale;
    for (const m of [...modules].reverse()) m.wipe(ctx);
    for (const m of modules) m.migrate(db);
    const seed: SeedContext = {
      scenario: options.scenario,
      scale: options.scale,
      shared: { region: "us-east-1", accountId: "123456789012" },
    };
    for (const m of modules) await m.seed(ctx, seed);
    setMeta(db, "seeded", JSON.stringify({ scenario: options.scenario, scale: options.scale, at: new Date().toISOString() }));
  };

  // One transaction over both halves: a reader never sees CloudTrail aged and IAM not yet.
  const age = (days: number) => ({
    rows: db.transaction(() =>
      modules.reduce((n, m) => {
        const rows = ageTables(db, m.agedTables ?? [], days);
        m.age?.(ctx, days);
        return n + rows;
      }, 0),
    )(),
  });

  const hooks: AdminHooks = { reset, age, extra: [], authenticators: [] };
  for (const m of modules) {
    const contributes = (m as SandboxModule & { admin?: (h: AdminHooks) => void }).admin;
    if (contributes) contributes(hooks);
  }

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    try {
      if (url.pathname.startsWith("/_sandbox/")) {
        await handleAdmin(req, res, ctx, url, hooks);
      } else {
        let handled = false;
        for (const m of modules) {
          if (await m.handle(req, res, ctx, url)) {
            handled = true;
            break;
          }
        }
        if (!handled) sendJson(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      }
    } catch (err) {
      console.error(`[sandbox] ${req.method} ${url.pathname} failed:`, err);
      if (!res.headersSent) sendJson(res, 500, { message: "sandbox internal error" });
      else res.destroy();
    } finally {
      if (options.logRequests) console.log(`[sandbox] ${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
    }
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 0;

  const seeded = getMeta(db, "seeded");
  const previous = seeded ? (JSON.parse(seeded) as { scenario?: string; scale?: string }) : undefined;
  // Re-seed when asked, on first start, or when the requested scenario differs from the stored one.
  if (opts.reset || !previous || previous.scenario !== options.scenario || previous.scale !== options.scale) await reset();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  for (const m of modules) m.start?.(ctx);

  return {
    url: ctx.baseUrl(),
    port: boundPort,
    ctx,
    reset,
    async close() {
      for (const m of modules) await m.stop?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    },
  };
}
