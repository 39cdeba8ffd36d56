import { NextResponse, type NextRequest } from "next/server";
import { getConfig, type DeckhandConfig } from "../config/env";
import { getDb } from "../db";
import type { Db } from "../db/open-db";
import { recordAudit } from "../audit/record-audit";
import { getSessionUser, type SessionUser } from "../auth/session";
import { roleAllows, type Role } from "../auth/roles";
import { toUserFacing } from "../../errors";
import { bearerToken, tokensMatch } from "./constant-time";

export interface RouteContext<P> {
  params: P;
  db: Db;
  config: DeckhandConfig;
}

type Handler<P, X> = (req: NextRequest, ctx: RouteContext<P> & X) => Promise<Response>;
type NextRouteCtx<P> = { params: Promise<P> };

function failure(err: unknown, name: string): Response {
  const safe = toUserFacing(err, name);
  return NextResponse.json({ error: safe.message, code: safe.code, errorId: safe.errorId }, { status: safe.code === "internal" ? 500 : 400 });
}

/** Route handlers used from the browser: the session and role are checked here, in every route. */
export function withSession<P = Record<string, string>>(
  opts: { name: string; role: Role },
  handler: Handler<P, { user: SessionUser }>,
) {
  return async (req: NextRequest, ctx: NextRouteCtx<P>): Promise<Response> => {
    const user = await getSessionUser();
    const db = getDb();
    if (!user) return NextResponse.json({ error: "Sign in to continue.", code: "unauthenticated" }, { status: 401 });
    if (!roleAllows(user.role, opts.role)) {
      recordAudit(db, { actor: user.login, role: user.role, action: opts.name, outcome: "refused", detail: { reason: `requires the ${opts.role} role` } });
      return NextResponse.json({ error: `Only ${opts.role}s may do this.`, code: "forbidden" }, { status: 403 });
    }
    try {
      return await handler(req, { params: await ctx.params, db, config: getConfig(), user });
    } catch (err) {
      return failure(err, opts.name);
    }
  };
}

/**
 * Routes for scripts and machines (API, metrics, workers): a bearer token compared in constant time.
 * No token configured means the route does not exist (404), never that it is open.
 */
export function withBearer<P = Record<string, string>>(
  opts: { name: string; token: (c: DeckhandConfig) => string | undefined },
  handler: Handler<P, Record<never, never>>,
) {
  return async (req: NextRequest, ctx: NextRouteCtx<P>): Promise<Response> => {
    const config = getConfig();
    const expected = opts.token(config);
    if (!expected) return NextResponse.json({ error: "Not Found" }, { status: 404 });
    if (!tokensMatch(bearerToken(req.headers.get("authorization")), expected)) {
      return NextResponse.json({ error: "A valid bearer token is required." }, { status: 401, headers: { "www-authenticate": "Bearer" } });
    }
    try {
      return await handler(req, { params: await ctx.params, db: getDb(), config });
    } catch (err) {
      return failure(err, opts.name);
    }
  };
}

/** Routes that are public by design (health, signed webhooks verify themselves). */
export function withPublic<P = Record<string, string>>(opts: { name: string }, handler: Handler<P, Record<never, never>>) {
  return async (req: NextRequest, ctx: NextRouteCtx<P>): Promise<Response> => {
    try {
      return await handler(req, { params: await ctx.params, db: getDb(), config: getConfig() });
    } catch (err) {
      return failure(err, opts.name);
    }
  };
}
