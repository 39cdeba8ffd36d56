// How Deckhand says that a call to AWS or GitHub failed, in one vocabulary: one closed union of failure
// kinds, one classifier over AWS SDK, Octokit and network errors, one message table, and Part<T>, a page
// part's data or the failure that kept it away. Messages are built only from this whitelist (which
// service, which call, which kind), never from the service's own error text, so they are safe to show;
// the real cause goes to the server log, redacted.

import { newErrorId, redact, SafeError } from "./errors";

/** The services Deckhand calls, with the names pages print. `deckhand` is Deckhand's own configuration. */
const SERVICE_NAMES = { iam: "IAM", sts: "STS", ecr: "ECR", cloudtrail: "CloudTrail", github: "GitHub", deckhand: "Deckhand" } as const;
export type Service = keyof typeof SERVICE_NAMES;

/** The name pages print for a service ("CloudTrail", "GitHub"). */
export function serviceName(service: Service): string {
  return SERVICE_NAMES[service];
}

export type FailureKind =
  /** Throttling or a rate limit (429; GitHub's 403 "rate limit"), still failing after the clients' retries. */
  | "throttled"
  /** The credentials are valid but not allowed (AccessDenied, GitHub 403). */
  | "denied"
  /** The credentials were rejected (InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken, 401). */
  | "invalid-credentials"
  | "not-found"
  /** 5xx, still failing after retries. */
  | "unavailable"
  /** No connection at all (refused, reset, DNS, timeout). */
  | "unreachable"
  /** An answer Deckhand could not read (a malformed document, a file that is not a policy). */
  | "bad-data"
  /** A slow read a summary page stopped waiting for; it goes on filling the cache. */
  | "still-loading"
  /** Anything else: the cause is logged under an error id the page shows. */
  | "failed";

export interface Failure {
  service: Service;
  /** The call as AWS or GitHub documents it ("ListAccessKeys", "list workflow runs"). */
  call: string;
  kind: FailureKind;
  /** Whitelisted text: service, call and kind. */
  message: string;
  /** For kind "failed": the id the cause was logged under. */
  errorId?: string;
}

/**
 * A part of a page: its data, or the failure that kept it away. `calls` names the API calls behind it
 * (shown under the part); `asOf` is when the data was read (a cached part is older than the page).
 */
export type Part<T> = { ok: true; data: T; calls: string[]; asOf?: string } | { ok: false; failure: Failure; calls: string[] };

const KIND_TEXT: Record<FailureKind, (service: string) => string> = {
  throttled: () => "was throttled and still failed after retries with backoff",
  denied: () => "was refused: Deckhand's credentials are not allowed to make it",
  "invalid-credentials": () => "was refused: Deckhand's credentials are invalid",
  "not-found": () => "reported that the resource does not exist",
  unavailable: (s) => `failed: ${s} is unreachable right now (server errors, still failing after retries)`,
  unreachable: (s) => `failed: ${s} is unreachable (no connection)`,
  "bad-data": () => "returned data Deckhand could not read",
  "still-loading": () => "is still loading; the next refresh includes it",
  failed: () => "failed",
};

/** The one message table: "IAM ListAccessKeys was throttled and still failed after retries with backoff". */
export function failureMessage(service: Service, call: string, kind: FailureKind, errorId?: string): string {
  const name = SERVICE_NAMES[service];
  return `${name} ${call} ${KIND_TEXT[kind](name)}${errorId ? ` (${errorId}; the cause is in the server log)` : ""}`;
}

export function failure(service: Service, call: string, kind: FailureKind, errorId?: string): Failure {
  return { service, call, kind, message: failureMessage(service, call, kind, errorId), ...(errorId ? { errorId } : {}) };
}

const THROTTLED = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|SlowDown)$/;
const DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError/;
const INVALID_CREDENTIALS = /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidSignatureException|IncompleteSignature|ExpiredToken|ExpiredTokenException|InvalidAccessKeyId)$/;
const NO_CONNECTION = /ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EPIPE|UND_ERR/;
const SERVER = /^(ServiceUnavailable|ServiceUnavailableException|InternalFailure|InternalError|ServerException|InternalServerError)$/;

/**
 * What kind of failure an AWS SDK v3 error (`name`, `$metadata.httpStatusCode`), an Octokit RequestError
 * (`status`, `message`) or a network error (`code`, `cause.code`) is. Pure, over those fields only.
 * Names come before statuses: AWS answers InvalidClientTokenId with 403, which is not a denial.
 * GitHub answers a secondary rate limit with 403 and "rate limit" in the message (docs.github.com, "Rate
 * limits for the REST API").
 */
export function classifyFailure(err: unknown): FailureKind {
  const e = (err ?? {}) as { name?: string; code?: string; status?: number; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = typeof e.name === "string" ? e.name : "";
  const status = e.$metadata?.httpStatusCode ?? (typeof e.status === "number" ? e.status : undefined);
  const code = `${e.code ?? ""} ${e.cause?.code ?? ""}`;
  const text = typeof e.message === "string" ? e.message : "";
  if (err instanceof CallFailure) return err.failure.kind;
  if (THROTTLED.test(name) || status === 429) return "throttled";
  if (INVALID_CREDENTIALS.test(name) || status === 401) return "invalid-credentials";
  if (DENIED.test(name)) return "denied";
  if (status === 403) return /rate limit/i.test(text) ? "throttled" : "denied";
  if (/NoSuchEntity|NotFound/.test(name) || status === 404) return "not-found";
  if (NO_CONNECTION.test(code) || /^TimeoutError$/.test(name) || /fetch failed|ECONNREFUSED/i.test(text)) return "unreachable";
  if ((typeof status === "number" && status >= 500) || SERVER.test(name)) return "unavailable";
  return "failed";
}

/**
 * Classify an error from a call and log its cause once (redacted: secrets never reach the log). A
 * failure of kind "failed" carries an error id, logged with the cause, that the user can quote.
 */
export function describeFailure(err: unknown, service: Service, call: string): Failure {
  if (err instanceof CallFailure) return err.failure;
  const kind = classifyFailure(err);
  const errorId = kind === "failed" ? newErrorId() : undefined;
  const f = failure(service, call, kind, errorId);
  const e = err as { name?: string; message?: string; stack?: string; status?: number; $metadata?: { httpStatusCode?: number } };
  const cause = `${e?.name ?? "Error"} ${e?.$metadata?.httpStatusCode ?? e?.status ?? ""} ${e?.message ?? String(err)}${kind === "failed" && e?.stack ? `\n${e.stack}` : ""}`;
  (kind === "failed" ? console.error : console.warn)(`[deckhand] ${errorId ? `${errorId} ` : ""}${f.message}: ${redact(cause)}`);
  return f;
}

/** An API call that failed, carrying only whitelisted facts (its message is the Failure's). */
export class CallFailure extends Error {
  constructor(
    public readonly failure: Failure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
    this.name = "CallFailure";
  }
}

/** Run one API call (or a group under one name); any failure becomes a CallFailure naming it. Nested calls keep the innermost name. */
export async function callApi<T>(service: Service, call: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CallFailure) throw err;
    throw new CallFailure(describeFailure(err, service, call), { cause: err });
  }
}

/**
 * Await a load as a Part. A CallFailure becomes the part's failure; anything else is a bug in Deckhand:
 * logged under an error id, shown as "Deckhand failed to assemble this part".
 */
export async function toPart<T>(calls: string[], load: () => Promise<T>): Promise<Part<T>> {
  try {
    return partOf(await load(), calls);
  } catch (err) {
    return failedPart(err instanceof CallFailure ? err.failure : describeFailure(err, "deckhand", "assembling this part"), calls);
  }
}

/** A part that was read. */
export function partOf<T>(data: T, calls: string[] = []): Part<T> {
  return { ok: true, data, calls };
}

/** A part that failed. */
export function failedPart<T = never>(f: Failure, calls: string[] = []): Part<T> {
  return { ok: false, failure: f, calls };
}

/** The SafeError a verb throws when one of its calls failed: the whitelisted message, code "aws" or "github". */
export function callFailed(err: unknown, service: Service, call: string): SafeError {
  if (err instanceof SafeError) return err;
  return new SafeError(describeFailure(err, service, call).message, service === "github" ? "github" : "aws", { cause: err });
}
