import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { sleep } from "../http-util";
import type { AwsCall, Principal } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { faultError, recordTrailEvent } from "./dispatch";
import { RegistryError } from "./registry-http";

/** One authenticated /v2 request: who, which region (the token's), and the client's address and agent. */
export interface RegistryRequest {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: SandboxContext;
  url: URL;
  principal: Principal;
  region: string;
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

/**
 * The ECR API call a registry request amounts to. ECR's registry is a front end to the ECR API: each request is
 * authorised as the action ECR documents for it (pull: ecr:BatchGetImage, ecr:GetDownloadUrlForLayer; push:
 * ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage,
 * ecr:BatchCheckLayerAvailability), with the identity the token was issued to.
 */
export function ecrCallFor(rq: RegistryRequest, operation: string, params: Record<string, unknown>): AwsCall {
  return {
    ctx: rq.ctx,
    service: "ecr",
    operation,
    protocol: "json",
    region: rq.region,
    principal: rq.principal,
    params: { registryId: ACCOUNT_ID, ...params },
    requestId: rq.requestId,
    now: new Date(),
    userAgent: rq.userAgent,
    sourceIp: rq.sourceIp,
    resources: [],
  };
}

/**
 * Run `fn` as ECR API `operation` on behalf of a registry request: injected faults first (the sandbox's fault
 * registry, service `ecr`), then the operation; AwsErrors propagate for the caller to translate. With `record`, the
 * call lands in CloudTrail as the ECR API call would (result or error): ECR's user guide lists the events a push
 * (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, PutImage) and a pull (GetDownloadUrlForLayer,
 * BatchGetImage) leave; other registry requests leave none here.
 */
export async function runAsEcr<T>(rq: RegistryRequest, operation: string, params: Record<string, unknown>, fn: (call: AwsCall) => T | Promise<T>, record: boolean): Promise<T> {
  const call = ecrCallFor(rq, operation, params);
  try {
    const fault = rq.ctx.faults.take("ecr", operation);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    const injected = fault.failure ? faultError(fault.failure.kind, "json", rq.principal, "ecr", operation) : undefined;
    if (injected) throw injected;
    const result = await fn(call);
    if (record) recordTrailEvent(call, result, undefined);
    return result;
  } catch (err) {
    if (record && err instanceof AwsError) recordTrailEvent(call, undefined, err);
    throw err;
  }
}

/**
 * The registry error for an ECR API error, as ECR's registry reports it: access denied is DENIED 403 with the IAM
 * message (`denied: User: arn:… is not authorized to perform: ecr:InitiateLayerUpload on resource: …`), a missing
 * repository NAME_UNKNOWN 404, throttling TOOMANYREQUESTS 429. `specific` maps the operation's own exceptions.
 */
export function registryErrorOf(err: unknown, specific: Record<string, [number, string]> = {}): unknown {
  if (!(err instanceof AwsError)) return err;
  const mapped = specific[err.code];
  if (mapped) return new RegistryError(mapped[0], mapped[1], err.message);
  switch (err.code) {
    case "AccessDeniedException":
      return new RegistryError(403, "DENIED", err.message);
    case "RepositoryNotFoundException":
      return new RegistryError(404, "NAME_UNKNOWN", err.message);
    case "ThrottlingException":
      return new RegistryError(429, "TOOMANYREQUESTS", err.message);
    case "InvalidParameterException":
      if (err.message.includes("'repositoryName'")) return new RegistryError(400, "NAME_INVALID", err.message);
      if (/digest/i.test(err.message)) return new RegistryError(400, "DIGEST_INVALID", err.message);
      return new RegistryError(400, "UNSUPPORTED", err.message);
    default:
      return new RegistryError(err.status >= 500 ? err.status : 500, "UNKNOWN", err.message);
  }
}
