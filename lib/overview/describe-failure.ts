/**
 * What a section shows when its AWS or GitHub call failed: the service, the call and the kind of
 * failure, from a whitelist. Raw SDK messages never reach the page (they can carry ARNs, account ids
 * or request details); the cause is logged under an error id instead.
 */

import { toUserFacing } from "../errors";

export type FailureKind = "throttled" | "unavailable" | "denied" | "unauthenticated" | "not-found" | "unreachable" | "failed";

export interface SectionFailure {
  service: "AWS" | "GitHub";
  call: string;
  kind: FailureKind;
  message: string;
  errorId?: string;
}

const THROTTLE = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const UNAUTH = new Set(["InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "ExpiredToken", "InvalidSignatureException"]);
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

export function classifyFailure(err: unknown): FailureKind {
  const e = err as { name?: string; code?: string; status?: number; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e?.name ?? "";
  const status = e?.status ?? e?.$metadata?.httpStatusCode;
  const code = e?.code ?? e?.cause?.code ?? "";
  if (THROTTLE.has(name) || status === 429) return "throttled";
  if (DENIED.has(name)) return "denied";
  if (UNAUTH.has(name) || status === 401) return "unauthenticated";
  if (NETWORK.has(code) || /fetch failed|ECONNREFUSED/i.test(String((err as Error)?.message ?? ""))) return "unreachable";
  if (status === 403) return /rate limit/i.test(String((err as Error)?.message ?? "")) ? "throttled" : "denied";
  if (status === 404) return "not-found";
  if (status !== undefined && status >= 500) return "unavailable";
  if (name === "ServiceUnavailable" || name === "InternalFailure" || name === "ServerException") return "unavailable";
  return "failed";
}

const PHRASE: Record<FailureKind, (service: string) => string> = {
  throttled: (s) => `${s} throttled the request (retried with backoff, still failing)`,
  unavailable: (s) => `${s} is unreachable right now (server error)`,
  denied: () => "access was denied",
  unauthenticated: () => "the credentials were rejected",
  "not-found": () => "it was not found",
  unreachable: (s) => `${s} is unreachable (no connection)`,
  failed: () => "it failed",
};

export function describeFailure(err: unknown, service: "AWS" | "GitHub", call: string): SectionFailure {
  const kind = classifyFailure(err);
  // Log the real cause once, under an id the user can quote.
  const { errorId } = kind === "failed" ? toUserFacing(err, `${service} ${call}`) : { errorId: undefined };
  const message = `${service} ${call}: ${PHRASE[kind](service)}.${errorId ? ` (${errorId})` : ""}`;
  return { service, call, kind, message, errorId };
}

/** Run a section's loader; a failure becomes a SectionFailure instead of breaking the page. */
export async function settle<T>(service: "AWS" | "GitHub", call: string, load: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: SectionFailure }> {
  try {
    return { ok: true, value: await load() };
  } catch (err) {
    return { ok: false, failure: describeFailure(err, service, call) };
  }
}
