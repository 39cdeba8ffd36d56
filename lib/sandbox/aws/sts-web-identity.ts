import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, type JWTPayload } from "jose";
import type { SandboxContext } from "../context";
import { readBody, sleep } from "../http-util";
import { issuerFetchUrl } from "../github/oidc-issuer";
import { AwsError } from "./errors";
import { generateAwsId, generateRequestId, generateSecretAccessKey } from "./ids";
import { parseQueryParams, sendQueryError, sendQueryResult } from "./protocol";
import { faultError, sourceIp } from "./dispatch";
import { buildTrailEvent, cleanParameters, type UnsignedCaller } from "./cloudtrail-event";
import { insertTrailEventsStatement } from "./cloudtrail-store";
import { assumedRoleArn, findOidcProviderByUrl, findRoleByArn, oidcProviderArn, type IamRole, type OidcProvider } from "./iam-roles-store";
import { evaluateTrust, parseTrustPolicy } from "./trust-policy";
import type { Principal } from "./call";

/**
 * STS AssumeRoleWithWebIdentity, the one STS call made without AWS credentials (the Query request carries no SigV4;
 * STS API reference). The web identity token must be a JWT whose issuer is an IAM OIDC provider of the account, signed
 * (RS256) by a key from the JWKS the issuer's `/.well-known/openid-configuration` names (fetched over HTTP every call),
 * with an audience among the provider's client IDs, not expired; the role's trust policy must then allow
 * `sts:AssumeRoleWithWebIdentity` for that provider, its conditions evaluated on `<provider>:aud`, `<provider>:sub` and
 * the token's other string claims (`<provider>:job_workflow_ref`, …). The answer is a role session: ASIA key, secret,
 * session token, valid DurationSeconds (900 s up to the role's MaxSessionDuration, default 3600 s).
 *
 * Errors as STS names them: InvalidIdentityToken (no provider for the issuer, wrong audience, keys unreachable, bad
 * signature), ExpiredTokenException, AccessDenied 403 "Not authorized to perform sts:AssumeRoleWithWebIdentity" (no
 * such role, or the trust policy refuses), ValidationError. Every call whose token could be read is recorded in
 * CloudTrail as AWS records it: a `WebIdentityUser` caller, readOnly, the role as resource, and for a refusal
 * errorCode with CloudTrail's own errorMessage ("An unknown error occurred" for AccessDenied).
 */

const ACTION = "AssumeRoleWithWebIdentity";
/** Unsigned STS calls carry no region; the sandbox records them in its default region. */
const STS_REGION = "us-east-1";
const FETCH_TIMEOUT_MS = 5000;
const NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
const KEYS_UNREACHABLE = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
const NOT_VALIDATED = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.";

/** An unsigned Query request to `/` (form body or query string) is an STS call without credentials. */
export function isUnsignedStsRequest(req: IncomingMessage, url: URL): boolean {
  if (url.pathname !== "/" || req.headers.authorization) return false;
  if (req.method === "POST") return String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
  return req.method === "GET" && url.searchParams.has("Action");
}

const invalidToken = (message: string) => new AwsError("InvalidIdentityToken", message, 400);
const validation = (message: string) => new AwsError("ValidationError", `1 validation error detected: ${message}`, 400);

interface Verified {
  provider: OidcProvider;
  providerArn: string;
  claims: JWTPayload;
  audience: string;
  subject: string;
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** The issuer's signing keys, from its discovery document's jwks_uri (GitHub's issuer is answered by the sandbox). */
async function issuerKeys(ctx: SandboxContext, issuer: string): Promise<JSONWebKeySet> {
  try {
    const discovery = (await fetchJson(issuerFetchUrl(ctx, `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`))) as { jwks_uri?: unknown };
    if (typeof discovery.jwks_uri !== "string") throw new Error("no jwks_uri");
    const jwks = (await fetchJson(issuerFetchUrl(ctx, discovery.jwks_uri))) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error("no keys");
    return jwks;
  } catch {
    throw invalidToken(KEYS_UNREACHABLE);
  }
}

/** Check the token against the account's provider for its issuer; `seen` collects what the audit trail needs as soon as it is known. */
async function verifyToken(ctx: SandboxContext, token: string, seen: Partial<Verified>): Promise<Verified> {
  let claims: JWTPayload;
  try {
    decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw invalidToken(NOT_VALIDATED);
  }
  const iss = typeof claims.iss === "string" ? claims.iss : "";
  const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  seen.claims = claims;
  seen.subject = typeof claims.sub === "string" ? claims.sub : "";
  seen.audience = typeof claims.azp === "string" ? claims.azp : (audiences[0] ?? "");
  const host = iss.replace(/^https:\/\//, "").replace(/\/$/, "");
  seen.providerArn = oidcProviderArn(host);
  const provider = iss.startsWith("https://") ? findOidcProviderByUrl(ctx.db, host) : undefined;
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${iss}`);
  seen.provider = provider;
  const keys = await issuerKeys(ctx, iss);
  try {
    await compactVerify(token, createLocalJWKSet(keys), { algorithms: ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] });
  } catch {
    throw invalidToken(NOT_VALIDATED);
  }
  const clientIds = JSON.parse(provider.client_ids) as string[];
  const audience = typeof claims.azp === "string" && clientIds.includes(claims.azp) ? claims.azp : audiences.find((a) => clientIds.includes(a));
  if (!audience) throw invalidToken("Incorrect token audience");
  seen.audience = audience;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || now >= claims.exp)
    throw new AwsError("ExpiredTokenException", `Token expired: current date/time ${now} must be before the expiration date/time${claims.exp ?? 0}`, 400);
  if ((typeof claims.nbf === "number" && now < claims.nbf) || (typeof claims.iat === "number" && now < claims.iat)) throw invalidToken(NOT_VALIDATED);
  return { provider, providerArn: provider.arn, claims, audience, subject: seen.subject };
}

/** Condition keys the request offers: `<provider>:aud`, `<provider>:sub`, and the token's other string claims. */
function contextKeys(v: Verified): Record<string, string> {
  const prefix = v.provider.url;
  const context: Record<string, string> = {};
  for (const [claim, value] of Object.entries(v.claims)) if (typeof value === "string" && !["iss", "aud", "jti"].includes(claim)) context[`${prefix}:${claim}`] = value;
  context[`${prefix}:aud`] = v.audience;
  context[`${prefix}:sub`] = v.subject;
  return context;
}

function requireParam(params: Record<string, string>, name: string, member: string): string {
  const v = params[name];
  if (v === undefined || v === "") throw validation(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return v;
}

interface Issued {
  result: Record<string, unknown>;
  trailResponse: Record<string, unknown>;
  role: IamRole;
}

async function assume(ctx: SandboxContext, params: Record<string, string>, seen: Partial<Verified>): Promise<Issued> {
  const roleArnParam = requireParam(params, "RoleArn", "roleArn");
  const sessionName = requireParam(params, "RoleSessionName", "roleSessionName");
  const token = requireParam(params, "WebIdentityToken", "webIdentityToken");
  if (sessionName.length < 2 || sessionName.length > 64 || !/^[\w+=,.@-]*$/.test(sessionName))
    throw validation(`Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  const durationRaw = params.DurationSeconds;
  const duration = durationRaw === undefined ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
    throw validation(`Value '${durationRaw}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? "greater than or equal to 900" : "less than or equal to 43200"}`);
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(roleArnParam)) throw new AwsError("ValidationError", "Request ARN is invalid", 400);
  const verified = await verifyToken(ctx, token, seen);
  const role = findRoleByArn(ctx.db, roleArnParam);
  const trust = role ? parseTrustPolicy(role.assume_role_policy) : undefined;
  if (!role || !trust?.ok) throw new AwsError("AccessDenied", NOT_AUTHORIZED, 403);
  const decision = evaluateTrust(trust.doc, { action: `sts:${ACTION}`, federatedPrincipal: verified.providerArn, context: contextKeys(verified) });
  if (decision.decision !== "allow") throw new AwsError("AccessDenied", NOT_AUTHORIZED, 403);
  if (duration > role.max_session_duration) throw new AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);

  const now = Date.now();
  const accessKeyId = generateAwsId("ASIA", 16);
  const secret = generateSecretAccessKey();
  const sessionToken = randomBytes(300).toString("base64");
  const expiration = new Date(now + duration * 1000);
  ctx.db
    .prepare(`INSERT INTO aws_sts_sessions (access_key_id, secret, session_token, role_name, session_name, issued_ms, expires_ms, web_identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(accessKeyId, secret, sessionToken, role.role_name, sessionName, now, expiration.getTime(), JSON.stringify({ provider: verified.providerArn, aud: verified.audience, sub: verified.subject }));
  const assumedRoleUser = { AssumedRoleId: `${role.role_id}:${sessionName}`, Arn: assumedRoleArn(role.role_name, sessionName) };
  return {
    role,
    result: {
      Audience: verified.audience,
      AssumedRoleUser: assumedRoleUser,
      Provider: verified.providerArn,
      Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: secret, SessionToken: sessionToken, Expiration: expiration },
      SubjectFromWebIdentityToken: verified.subject,
    },
    trailResponse: {
      credentials: { accessKeyId, sessionToken, expiration },
      subjectFromWebIdentityToken: verified.subject,
      assumedRoleUser: { assumedRoleId: assumedRoleUser.AssumedRoleId, arn: assumedRoleUser.Arn },
      provider: verified.providerArn,
      audience: verified.audience,
    },
  };
}

/** Serve one unsigned STS request: AssumeRoleWithWebIdentity, or AWS's refusal of any other action without credentials. */
export async function handleUnsignedSts(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<void> {
  const requestId = generateRequestId();
  const params = parseQueryParams(await readBody(req, 1024 * 1024), url);
  if (params.Action !== ACTION) return sendQueryError(res, "sts", new AwsError("MissingAuthenticationToken", "Missing Authentication Token", 403), requestId);
  const seen: Partial<Verified> = {};
  let issued: Issued | undefined;
  let error: AwsError | undefined;
  try {
    const fault = ctx.faults.take("sts", ACTION);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    const injected = fault.failure ? faultError(fault.failure.kind, "query", { kind: "root", accessKeyId: "", arn: "", principalId: "" } satisfies Principal, "sts", ACTION) : undefined;
    if (injected) throw injected;
    issued = await assume(ctx, params, seen);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    error = err;
  }
  if (seen.claims) recordWebIdentityEvent(ctx, req, params, seen, requestId, issued, error);
  if (error) return sendQueryError(res, "sts", error, requestId);
  if (issued) ctx.db.prepare(`UPDATE aws_iam_roles SET last_used_ms = ?, last_used_region = ? WHERE role_name = ?`).run(Date.now(), STS_REGION, issued.role.role_name);
  sendQueryResult(res, "sts", ACTION, issued!.result as never, requestId);
}

function recordWebIdentityEvent(ctx: SandboxContext, req: IncomingMessage, params: Record<string, string>, seen: Partial<Verified>, requestId: string, issued: Issued | undefined, error: AwsError | undefined): void {
  const providerArn = seen.providerArn ?? "";
  const caller: UnsignedCaller = {
    userIdentity: { type: "WebIdentityUser", principalId: `${providerArn}:${seen.audience ?? ""}:${seen.subject ?? ""}`, userName: seen.subject ?? "", identityProvider: providerArn },
    username: seen.subject || null,
  };
  const requestParameters: Record<string, unknown> = { roleArn: params.RoleArn, roleSessionName: params.RoleSessionName };
  if (params.DurationSeconds !== undefined) requestParameters.durationSeconds = Number(params.DurationSeconds);
  const row = buildTrailEvent({
    principal: caller,
    service: "sts",
    operation: ACTION,
    region: STS_REGION,
    time: new Date(),
    sourceIp: sourceIp(req),
    userAgent: String(req.headers["user-agent"] ?? ""),
    requestParameters,
    responseElements: issued ? cleanParameters(issued.trailResponse, false) : null,
    // CloudTrail does not repeat STS's message for a refused assumption.
    error: error ? { code: error.code, message: error.code === "AccessDenied" ? "An unknown error occurred" : error.message } : undefined,
    resources: params.RoleArn ? [{ type: "AWS::IAM::Role", name: params.RoleArn.split("/").pop() ?? "", arn: params.RoleArn }] : [],
    requestId,
    additionalEventData: issued ? { identityProviderConnectionVerificationMethod: "IAMTrustStore" } : undefined,
  });
  insertTrailEventsStatement(ctx.db).run(row);
}

