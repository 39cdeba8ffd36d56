import type { IncomingMessage } from "node:http";
import type { SandboxContext } from "../context";
import type { Principal } from "./call";
import { hmacHex, urlSecret } from "./ecr-common";
import { resolvePrincipal } from "./dispatch";

/**
 * Who a registry (/v2) request acts as, from its `Authorization: Basic` header.
 *
 * The password is the one GetAuthorizationToken handed out (`issueAuthorizationToken` in ecr.ts: base64 of
 * `AWS:<payload>.<hmac>`, the payload naming the access key, region and expiry), which is also exactly what
 * `docker login -u AWS -p <password>` sends. Failures are answered as ECR answers them:
 * - no credentials (or not Basic): 401 with ECR's Basic challenge, body `Not Authorized`;
 * - a password ECR cannot read (wrong user, forged, another format): 400 DENIED "Your Authorization Token is invalid."
 *   (what ECR sends, e.g. for a token of another region: aws/aws-cli#5317);
 * - an expired token (12 hours, as GetAuthorizationToken documents): 403 DENIED "Your authorization token has
 *   expired. Reauthenticate and try again." (ECR user guide, "Troubleshooting Docker commands", HTTP 403).
 * The identity is resolved again on every request: a token whose access key was since deleted or deactivated
 * (or whose user is gone) is refused as invalid.
 */
export type RegistryAuth =
  | { ok: true; principal: Principal; region: string; expiresMs: number }
  | { ok: false; failure: "missing" | "invalid" | "expired" };

interface TokenPayload {
  k: string;
  r: string;
  e: number;
}

function decodePassword(ctx: SandboxContext, password: string): TokenPayload | undefined {
  const dot = password.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const payload = password.slice(0, dot);
  const sig = Buffer.from(password.slice(dot + 1));
  const expected = Buffer.from(hmacHex(urlSecret(ctx.db), payload));
  if (sig.length !== expected.length || !sig.equals(expected)) return undefined;
  try {
    const t = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenPayload;
    return typeof t.k === "string" && typeof t.r === "string" && typeof t.e === "number" ? t : undefined;
  } catch {
    return undefined;
  }
}

export function authenticateRegistry(req: IncomingMessage, ctx: SandboxContext, now: Date): RegistryAuth {
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return { ok: false, failure: "missing" };
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(0, colon) !== "AWS") return { ok: false, failure: "invalid" };
  const token = decodePassword(ctx, decoded.slice(colon + 1));
  if (!token) return { ok: false, failure: "invalid" };
  if (token.e <= now.getTime()) return { ok: false, failure: "expired" };
  // The token stands for the session token of a role session's key: no X-Amz-Security-Token here.
  const resolved = resolvePrincipal(ctx, token.k, now, null);
  if (!resolved) return { ok: false, failure: "invalid" };
  if (resolved.expiresMs !== undefined && resolved.expiresMs <= now.getTime()) return { ok: false, failure: "expired" };
  return { ok: true, principal: resolved.principal, region: token.r, expiresMs: token.e };
}
