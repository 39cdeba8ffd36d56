/**
 * An error as AWS puts it on the wire. Each protocol (Query XML, JSON 1.1) renders it its own way;
 * `fields` carries modelled members some exceptions have (e.g. InvalidLayerPartException.lastValidByteReceived).
 */
export class AwsError extends Error {
  constructor(
    public code: string,
    message: string,
    public status = 400,
    public type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
    public fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const ACCOUNT_ID = "123456789012";
export const ADMIN_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
export const ADMIN_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** Query services and JSON services report a bad key differently (observed AWS behaviour). */
export function invalidKeyError(protocol: "query" | "json"): AwsError {
  return protocol === "query"
    ? new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    : new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400);
}

export function badSignatureError(protocol: "query" | "json", message?: string): AwsError {
  const m =
    message ??
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
  return protocol === "query" ? new AwsError("SignatureDoesNotMatch", m, 403) : new AwsError("InvalidSignatureException", m, 400);
}
