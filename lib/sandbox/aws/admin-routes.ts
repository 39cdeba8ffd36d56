import type { IncomingMessage, ServerResponse } from "node:http";
import type { AdminHooks } from "../admin";
import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { getMeta } from "../store";
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from "./errors";
import { clockSkewMessage, parseSigV4, verifySigV4HeaderSync } from "./sigv4";
import { findUser, listUserKeys } from "./iam-store";

/** A /_sandbox call signed (SigV4, any service name) with the administrator key is an admin call. */
export function isAdminSigned(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? "/", "http://sandbox.local");
  const parsed = parseSigV4(req, url);
  if (!parsed.ok || parsed.claim.accessKeyId !== ADMIN_ACCESS_KEY_ID) return false;
  if (clockSkewMessage(parsed.claim, new Date())) return false;
  return verifySigV4HeaderSync(req, url, parsed.claim, ADMIN_SECRET_ACCESS_KEY);
}

/**
 * GET /_sandbox/aws/seed: the keys the seed handed to the GitHub half and to Deckhand's worker (sandbox
 * mode needs the worker's secret from somewhere). GET /_sandbox/aws/keys?user=NAME: key metadata, no secrets.
 */
async function handleAwsAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (req.method === "GET" && url.pathname === "/_sandbox/aws/seed") {
    sendJson(res, 200, JSON.parse(getMeta(ctx.db, "aws_seed_shared") ?? "{}"));
    return true;
  }
  if (req.method === "GET" && url.pathname === "/_sandbox/aws/keys") {
    const name = url.searchParams.get("user") ?? "";
    if (!findUser(ctx.db, name)) {
      sendJson(res, 404, { message: `no IAM user ${name}` });
      return true;
    }
    const keys = listUserKeys(ctx.db, name).map((k) => ({
      accessKeyId: k.access_key_id,
      status: k.status,
      createDate: new Date(k.create_date).toISOString(),
      lastUsedDate: k.last_used_ms === null ? null : new Date(k.last_used_ms).toISOString(),
      lastUsedService: k.last_used_service,
      lastUsedRegion: k.last_used_region,
    }));
    sendJson(res, 200, { user: name, keys });
    return true;
  }
  return false;
}

export function contributeAdmin(hooks: AdminHooks): void {
  hooks.authenticators.push((req) => isAdminSigned(req));
  hooks.extra.push(handleAwsAdmin);
}
