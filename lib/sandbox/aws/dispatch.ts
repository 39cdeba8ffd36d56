import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { SandboxContext } from "../context";
import { readBody, sleep } from "../http-util";
import { ACCOUNT_ID, ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AwsError, badSignatureError, invalidKeyError } from "./errors";
import { generateRequestId } from "./ids";
import { clockSkewMessage, parseAmzDate, parseSigV4, verifySigV4, type SigV4Claim } from "./sigv4";
import { parseQueryParams, sendJsonError, sendJsonResult, sendQueryError, sendQueryResult, type Protocol } from "./protocol";
import { accessDeniedError, rootArn, type AwsCall, type AwsService, type OperationHandler, type Principal } from "./call";
import { findKey, findUser, recordKeyUse, userArn } from "./iam-store";
import { iamOperations, stsOperations } from "./iam";
import { iamRoleOperations } from "./iam-roles";
import { assumedRoleArn, findRole, findSession, roleArn } from "./iam-roles-store";
import { ecrOperations } from "./ecr";
import { cloudTrailOperations } from "./cloudtrail";
import { buildTrailEvent, cleanParameters, isReadOnlyOperation } from "./cloudtrail-event";
import { insertTrailEventsStatement } from "./cloudtrail-store";
import type { XmlValue } from "./xml";

interface ServiceDef {
  protocol: Protocol;
  /** JSON 1.1 X-Amz-Target prefixes (botocore and the v3 SDK spell CloudTrail's differently; AWS takes both) */
  targetPrefixes?: string[];
  operations: Record<string, OperationHandler>;
  /** IAM is global: its calls (and CloudTrail events) live in us-east-1 whatever the signing region. */
  globalRegion?: string;
}

const SERVICES: Record<AwsService, ServiceDef> = {
  iam: { protocol: "query", operations: { ...iamOperations, ...iamRoleOperations }, globalRegion: "us-east-1" },
  sts: { protocol: "query", operations: stsOperations },
  ecr: { protocol: "json", targetPrefixes: ["AmazonEC2ContainerRegistry_V20150921"], operations: ecrOperations },
  cloudtrail: { protocol: "json", targetPrefixes: ["com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "CloudTrail_20131101"], operations: cloudTrailOperations },
};

const QUERY_VERSIONS: Record<string, string> = { iam: "2010-05-08", sts: "2011-06-15" };

function sendError(res: ServerResponse, protocol: Protocol, service: string, err: AwsError, requestId: string): void {
  if (protocol === "query") sendQueryError(res, service, err, requestId);
  else sendJsonError(res, err, requestId);
}

/**
 * Who signed: the administrator key is the account root; an ASIA key is a role session STS issued, valid only with
 * its session token (`X-Amz-Security-Token`; `securityToken: null` when the caller already proved it some other way)
 * and until `expiresMs` (the caller refuses it after); any other key must be an IAM user's key that exists, is Active
 * and has propagated (AWS refuses brand-new keys for a few seconds).
 */
export function resolvePrincipal(
  ctx: SandboxContext,
  accessKeyId: string,
  now: Date,
  securityToken: string | null | undefined = undefined,
): { principal: Principal; secret: string; expiresMs?: number } | undefined {
  if (accessKeyId === ADMIN_ACCESS_KEY_ID) return { principal: { kind: "root", accessKeyId, arn: rootArn, principalId: ACCOUNT_ID }, secret: ADMIN_SECRET_ACCESS_KEY };
  if (accessKeyId.startsWith("ASIA")) return resolveSession(ctx, accessKeyId, securityToken);
  const key = findKey(ctx.db, accessKeyId);
  if (!key || key.status !== "Active") return undefined;
  if (now.getTime() - key.create_date < ctx.options.keyPropagationMs) return undefined;
  const user = findUser(ctx.db, key.user_name);
  if (!user) return undefined;
  return { principal: { kind: "user", accessKeyId, userName: user.user_name, userId: user.user_id, arn: userArn(user) }, secret: key.secret };
}

function resolveSession(ctx: SandboxContext, accessKeyId: string, securityToken: string | null | undefined): { principal: Principal; secret: string; expiresMs: number } | undefined {
  const session = findSession(ctx.db, accessKeyId);
  if (!session) return undefined;
  if (securityToken !== null) {
    const given = Buffer.from(securityToken ?? "");
    const held = Buffer.from(session.session_token);
    if (given.length !== held.length || !timingSafeEqual(given, held)) return undefined;
  }
  const role = findRole(ctx.db, session.role_name);
  if (!role) return undefined;
  const web = session.web_identity ? (JSON.parse(session.web_identity) as { provider: string }) : undefined;
  const principal: Principal = {
    kind: "assumed-role",
    accessKeyId,
    arn: assumedRoleArn(role.role_name, session.session_name),
    roleName: role.role_name,
    roleId: role.role_id,
    roleArn: roleArn(role),
    sessionName: session.session_name,
    issuedMs: session.issued_ms,
    federatedProvider: web?.provider,
  };
  return { principal, secret: session.secret, expiresMs: session.expires_ms };
}

/** A role session's credentials past their expiration, as each protocol reports it. */
export function expiredTokenError(protocol: Protocol): AwsError {
  const message = "The security token included in the request is expired";
  return protocol === "query" ? new AwsError("ExpiredToken", message, 403) : new AwsError("ExpiredTokenException", message, 400);
}

export function faultError(kind: string, protocol: Protocol, principal: Principal, service: string, operation: string): AwsError | undefined {
  switch (kind) {
    case "throttle":
    case "secondary-rate-limit":
      return protocol === "query" ? new AwsError("Throttling", "Rate exceeded", 400) : new AwsError("ThrottlingException", "Rate exceeded", 400);
    case "500":
      return new AwsError("InternalFailure", "We encountered an internal error. Please try again.", 500);
    case "502":
      return new AwsError("InternalFailure", "We encountered an internal error. Please try again.", 502);
    case "503":
      return new AwsError("ServiceUnavailable", "Service is unable to handle request.", 503);
    case "access-denied":
      return accessDeniedError(protocol, principal.arn, `${service}:${operation}`, undefined);
    default:
      return undefined;
  }
}

export function sourceIp(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? "127.0.0.1";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/** Handle one SigV4-signed AWS API request end to end. */
export async function handleAwsApi(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<void> {
  const requestId = generateRequestId();
  const parsed = parseSigV4(req, url);
  const claimedService = parsed.ok ? parsed.claim.service : "";
  const service = (claimedService in SERVICES ? claimedService : undefined) as AwsService | undefined;
  const protocol: Protocol = service ? SERVICES[service].protocol : req.headers["x-amz-target"] ? "json" : "query";
  if (!parsed.ok) return sendError(res, protocol, claimedService, new AwsError(parsed.reason === "absent" ? "MissingAuthenticationToken" : "IncompleteSignature", parsed.message, 403), requestId);
  if (!service) return sendError(res, protocol, claimedService, new AwsError("UnknownOperationException", `The sandbox does not emulate the service '${claimedService}'.`, 400), requestId);
  const def = SERVICES[service];
  const claim: SigV4Claim = parsed.claim;
  const body = await readBody(req);
  const now = new Date();

  const securityToken = String(req.headers["x-amz-security-token"] ?? url.searchParams.get("X-Amz-Security-Token") ?? "");
  const resolved = resolvePrincipal(ctx, claim.accessKeyId, now, securityToken);
  if (!resolved) return sendError(res, protocol, service, invalidKeyError(protocol), requestId);
  if (!(await verifySigV4(req, url, body, claim, resolved.secret))) return sendError(res, protocol, service, badSignatureError(protocol), requestId);
  if (resolved.expiresMs !== undefined && resolved.expiresMs <= now.getTime()) return sendError(res, protocol, service, expiredTokenError(protocol), requestId);
  const skew = clockSkewMessage(claim, now);
  if (skew) return sendError(res, protocol, service, badSignatureError(protocol, skew), requestId);
  if (claim.presigned && parseAmzDate(claim.amzDate).getTime() + claim.presigned.expiresIn * 1000 < now.getTime())
    return sendError(res, protocol, service, new AwsError("RequestExpired", "Request has expired.", 400), requestId);

  const region = def.globalRegion ?? claim.region;
  const { principal } = resolved;
  // Every authenticated call counts as a use of the key, whatever its outcome.
  if (principal.kind === "user") recordKeyUse(ctx.db, principal.accessKeyId, now.getTime(), service, region);
  // IAM's RoleLastUsed: the last time a session of the role made a call, and where.
  if (principal.kind === "assumed-role") ctx.db.prepare(`UPDATE aws_iam_roles SET last_used_ms = ?, last_used_region = ? WHERE role_name = ?`).run(now.getTime(), region, principal.roleName);

  let operation: string;
  let params: Record<string, unknown>;
  if (protocol === "query") {
    const q = parseQueryParams(body, url);
    operation = q.Action ?? "";
    params = q;
    if (!def.operations[operation]) return sendError(res, protocol, service, new AwsError("InvalidAction", `Could not find operation ${operation} for version ${q.Version ?? QUERY_VERSIONS[service]}`, 400), requestId);
  } else {
    const target = String(req.headers["x-amz-target"] ?? "");
    const dot = target.lastIndexOf(".");
    operation = dot > 0 && def.targetPrefixes?.includes(target.slice(0, dot)) ? target.slice(dot + 1) : "";
    if (!def.operations[operation]) return sendError(res, protocol, service, new AwsError("UnknownOperationException", "", 400), requestId);
    try {
      const text = body.toString("utf8");
      params = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (!params || typeof params !== "object" || Array.isArray(params)) throw new SyntaxError("not an object");
    } catch {
      return sendError(res, protocol, service, new AwsError("SerializationException", "Start of structure or map found where not expected.", 400), requestId);
    }
  }

  const call: AwsCall = { ctx, service, operation, protocol, region, principal, params, requestId, now, userAgent: String(req.headers["user-agent"] ?? ""), sourceIp: sourceIp(req), resources: [] };
  let result: unknown;
  let error: AwsError | undefined;
  try {
    const fault = ctx.faults.take(service, operation);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.failure?.kind === "gateway-html") {
      // Not AWS: a proxy or load balancer in front of the endpoint answering with its own HTML page. The call never
      // reached the service, so CloudTrail has nothing.
      res.writeHead(502, { "content-type": "text/html", connection: "close" });
      res.end("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n");
      return;
    }
    const injected = fault.failure ? faultError(fault.failure.kind, protocol, principal, service, operation) : undefined;
    if (injected) throw injected;
    result = await def.operations[operation](call);
  } catch (err) {
    if (err instanceof AwsError) error = err;
    else {
      // A request shape our handlers did not expect (e.g. a list where a string belongs): answer as AWS's
      // front end would rather than with a non-AWS body, and leave a trace for whoever debugs the sandbox.
      console.error(`[sandbox] ${service}:${operation} failed:`, err);
      error = err instanceof TypeError ? new AwsError(protocol === "query" ? "MalformedInput" : "SerializationException", "The request could not be parsed.", 400) : new AwsError("InternalFailure", "We encountered an internal error. Please try again.", 500);
    }
  }

  recordTrailEvent(call, result, error);
  if (error) return sendError(res, protocol, service, error, requestId);
  if (protocol === "query") sendQueryResult(res, service, operation, result as Record<string, XmlValue> | undefined, requestId);
  else sendJsonResult(res, result, requestId);
}

/** Record the call as CloudTrail would (all authenticated calls, root's included). */
export function recordTrailEvent(call: AwsCall, result: unknown, error: AwsError | undefined): void {
  const readOnly = isReadOnlyOperation(call.operation);
  const row = buildTrailEvent({
    principal: call.principal,
    service: call.service,
    operation: call.operation,
    region: call.region,
    time: call.now,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent,
    requestParameters: cleanParameters(call.params, call.protocol === "query"),
    responseElements: readOnly || !result || typeof result !== "object" ? null : cleanParameters(result as Record<string, unknown>, true),
    error: error ? { code: error.code, message: error.message } : undefined,
    resources: call.resources,
    requestId: call.requestId,
  });
  insertTrailEventsStatement(call.ctx.db).run(row);
}
