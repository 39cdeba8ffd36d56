import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { SandboxContext } from "./context";
import { isLoopback, readBody, sendJson } from "./http-util";

const faultSchema = z.object({
  service: z.string().min(1),
  operation: z.string().min(1).default("*"),
  kind: z.enum(["throttle", "500", "502", "503", "secondary-rate-limit", "latency", "access-denied", "gateway-html"]),
  count: z.number().int().min(-1).default(1),
  skip: z.number().int().min(0).max(100_000).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
});

const resetSchema = z.object({
  scenario: z.enum(["default", "empty", "partial", "organization", "fleet"]).optional(),
  scale: z.enum(["small", "large"]).optional(),
});

// Whole days (see age.ts); 400 is more than CloudTrail's 90 days and a key's usual age thresholds need.
const ageSchema = z.object({
  days: z.number({ error: "days must be a number" }).int({ error: "days must be a whole number of days" }).min(1, { error: "days must be at least 1" }).max(400, { error: "days must be at most 400" }),
});

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface AdminHooks {
  reset(opts: z.infer<typeof resetSchema>): Promise<void>;
  /** Move everything the sandbox recorded `days` whole days into the past; answers how many rows changed. */
  age(days: number): { rows: number };
  /** Extra admin routes contributed by the halves (e.g. GET /_sandbox/github/secrets/...). */
  extra: Array<(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL) => Promise<boolean>>;
  /** Extra ways to authenticate an admin call (e.g. a request signed with the AWS administrator key). */
  authenticators: Array<(req: IncomingMessage, ctx: SandboxContext) => boolean>;
}

/**
 * Admin routes under /_sandbox. Only the admin token from a loopback client (or an extra authenticator,
 * such as the AWS administrator key) may use them: they can rewrite the sandbox's whole state.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL, hooks: AdminHooks): Promise<void> {
  const auth = req.headers.authorization ?? "";
  const bearer = auth.startsWith("Bearer ") ? auth.slice(7) : "";
  const allowed =
    (isLoopback(req) && bearer !== "" && tokenMatches(bearer, ctx.options.adminToken)) ||
    hooks.authenticators.some((a) => a(req, ctx));
  if (!allowed) {
    sendJson(res, 403, { message: "sandbox admin routes need the admin token from a loopback address" });
    return;
  }
  const p = url.pathname;
  try {
    if (p === "/_sandbox/faults" && req.method === "GET") return sendJson(res, 200, { faults: ctx.faults.list() });
    if (p === "/_sandbox/faults" && req.method === "DELETE") {
      ctx.faults.clear();
      return sendJson(res, 200, { faults: [] });
    }
    if (p === "/_sandbox/faults" && req.method === "POST") {
      const body = faultSchema.parse(JSON.parse((await readBody(req)).toString("utf8") || "{}"));
      const rule = ctx.faults.add({
        service: body.service,
        operation: body.operation,
        kind: body.kind,
        remaining: body.count,
        skip: body.skip,
        latencyMs: body.latencyMs,
      });
      return sendJson(res, 201, rule);
    }
    if (p === "/_sandbox/reset" && req.method === "POST") {
      const text = (await readBody(req)).toString("utf8");
      const body = resetSchema.parse(text ? JSON.parse(text) : {});
      await hooks.reset(body);
      return sendJson(res, 200, { reset: true, scenario: body.scenario ?? ctx.options.scenario });
    }
    if (p === "/_sandbox/age" && req.method === "POST") {
      const text = (await readBody(req)).toString("utf8");
      const body = ageSchema.parse(text ? JSON.parse(text) : {});
      return sendJson(res, 200, { aged: true, days: body.days, ...hooks.age(body.days) });
    }
    for (const h of hooks.extra) if (await h(req, res, ctx, url)) return;
    sendJson(res, 404, { message: `no sandbox admin route ${req.method} ${p}` });
  } catch (err) {
    const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : err instanceof SyntaxError ? "body is not valid JSON" : String(err);
    sendJson(res, 400, { message });
  }
}
