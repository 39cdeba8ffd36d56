// A page section's data or the reason it is missing. The reason is built only from a whitelist (which
// service, which call, what kind of failure), never from the SDK's error text, so it is safe to show.

import { redact } from "./errors";

export type FailureKind =
  | "throttled"
  | "access-denied"
  | "invalid-credentials"
  | "not-found"
  | "unavailable"
  | "unreachable"
  | "bad-data"
  | "failed";

export interface SectionError {
  service: string;
  operation: string;
  kind: FailureKind;
  message: string;
}

export type Section<T> =
  | { ok: true; data: T; calls: string[] }
  | { ok: false; error: SectionError; calls: string[] };

const KIND_TEXT: Record<FailureKind, string> = {
  throttled: "was throttled and still failed after retries with backoff",
  "access-denied": "was refused: Deckhand's credentials are not allowed to make it",
  "invalid-credentials": "was refused: Deckhand's credentials are invalid",
  "not-found": "reported that the resource does not exist",
  unavailable: "failed with a server error after retries",
  unreachable: "could not reach the service",
  "bad-data": "returned data Deckhand could not read",
  failed: "failed",
};

const SERVICE_NAMES: Record<string, string> = { iam: "IAM", sts: "STS", cloudtrail: "CloudTrail", ecr: "ECR", github: "GitHub", config: "Deckhand" };

export function describeFailure(service: string, operation: string, kind: FailureKind): string {
  return `${SERVICE_NAMES[service] ?? service} ${operation} ${KIND_TEXT[kind]}`;
}

/** What kind of failure an AWS SDK, Octokit or network error is; pure, over the error's fields only. */
export function classifyFailure(err: unknown): FailureKind {
  const e = (err ?? {}) as { name?: string; code?: string; status?: number; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode ?? e.status;
  const code = e.code ?? e.cause?.code ?? "";
  if (/^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|SlowDown)$/.test(name) || status === 429) return "throttled";
  if (/AccessDenied|UnauthorizedOperation|AuthorizationError/.test(name) || status === 403) return "access-denied";
  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|ExpiredToken|IncompleteSignature/.test(name) || status === 401) return "invalid-credentials";
  if (/NoSuchEntity|NotFound/.test(name) || status === 404) return "not-found";
  if (/ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN|UND_ERR/.test(code) || /TimeoutError|fetch failed/.test(name)) return "unreachable";
  if (typeof status === "number" && status >= 500) return "unavailable";
  if (/ServiceUnavailable|InternalFailure|ServerException|InternalError/.test(name)) return "unavailable";
  return "failed";
}

/** An API call that failed, carrying only whitelisted facts. */
export class CallFailure extends Error {
  constructor(
    public service: string,
    public operation: string,
    public kind: FailureKind,
    options?: { cause?: unknown },
  ) {
    super(describeFailure(service, operation, kind), options);
    this.name = "CallFailure";
  }
}

/** Run one API call (or a group under one name), turning any failure into a CallFailure naming it. */
export async function callApi<T>(service: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CallFailure) throw err;
    const failure = new CallFailure(service, operation, classifyFailure(err), { cause: err });
    // The page shows the whitelisted text; the operator's log keeps the cause (secrets redacted).
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    console.warn(`[deckhand] ${failure.message}: ${redact(`${e?.name ?? "Error"} ${e?.$metadata?.httpStatusCode ?? ""} ${e?.message ?? String(err)}`)}`);
    throw failure;
  }
}

export function sectionErrorOf(err: unknown): SectionError {
  if (err instanceof CallFailure) return { service: err.service, operation: err.operation, kind: err.kind, message: err.message };
  return { service: "deckhand", operation: "load", kind: "failed", message: "Deckhand failed to assemble this section (see the server log)" };
}

/** Await a load and wrap it as a Section; unexpected errors are logged, never shown. */
export async function toSection<T>(calls: string[], load: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, data: await load(), calls };
  } catch (err) {
    if (!(err instanceof CallFailure)) console.error("[deckhand] posture section failed:", err);
    return { ok: false, error: sectionErrorOf(err), calls };
  }
}
