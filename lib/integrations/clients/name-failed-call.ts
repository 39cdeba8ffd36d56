// An AWS SDK error does not say which call failed, and a body that is not AWS's (an HTML page from a proxy or load
// balancer) surfaces as a JSON parse error ("Unexpected token '<'"). This middleware stamps every failure with the
// service, the operation and the HTTP status, so whoever reads a job log or a message knows what failed where.

/** What the middleware adds to a failed call's error. */
export interface FailedCall {
  /** "ECR", "IAM"... (the SDK client's service name without "Client"). */
  service: string;
  /** The API operation: "CompleteLayerUpload". */
  operation: string;
  /** The HTTP status of the answer; undefined when there was none (connection refused, timeout). */
  status: number | undefined;
  /** The answer was not the service's own error format (e.g. text/html from a proxy). */
  foreignBody: boolean;
}

const KEY = "deckhandFailedCall";

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: "initialize"; name: string; override?: boolean }): void;
}

/**
 * Adds the naming middleware to an SDK v3 client (its `middlewareStack`, step "initialize": it sees the final
 * error after the SDK's retries). Returns the client.
 */
export function nameFailedCalls<T extends { middlewareStack: MiddlewareStackLike }>(client: T): T {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (err) {
        if (err && typeof err === "object" && !(KEY in err)) {
          const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number; headers?: Record<string, string> }; message?: string; name?: string };
          const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
          const type = e.$response?.headers?.["content-type"] ?? "";
          const foreignBody = /text\/html/i.test(type) || /Unexpected token|is not valid JSON|Deserialization error|char 0/i.test(e.message ?? "");
          const call: FailedCall = {
            service: (context.clientName ?? "AWS").replace(/Client$/, ""),
            operation: (context.commandName ?? "call").replace(/Command$/, ""),
            status,
            foreignBody,
          };
          Object.defineProperty(err, KEY, { value: call, enumerable: false });
        }
        throw err;
      }
    },
    { step: "initialize", name: "deckhandNameFailedCall", override: true },
  );
  return client;
}

/** The call a thrown error came from, when a client with nameFailedCalls threw it. */
export function failedCallOf(err: unknown): FailedCall | null {
  // Wrappers (e.g. the push's progress on a failed upload) keep the SDK's error as `cause`.
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (KEY in e) return (e as Record<string, unknown>)[KEY] as FailedCall;
  }
  return null;
}

/**
 * One line for a failed AWS call, safe for job logs: "ECR CompleteLayerUpload failed: HTTP 502, and the answer was
 * not AWS's (an HTML page: a proxy or load balancer in front of the endpoint?)". AWS's own errors keep their
 * code and message (they name resources, never secrets); a foreign body is never quoted.
 */
export function describeFailedCall(err: unknown): string {
  const call = failedCallOf(err);
  const e = (err ?? {}) as { name?: string; message?: string };
  if (!call) return e.message ?? String(err);
  const where = `${call.service} ${call.operation} failed`;
  const status = call.status !== undefined ? `HTTP ${call.status}` : "no HTTP answer";
  if (call.foreignBody) return `${where}: ${status}, and the answer was not AWS's (an HTML page: a proxy or load balancer in front of the endpoint?)`;
  return `${where}: ${status} ${e.name ?? "Error"}: ${e.message ?? ""}`.trim();
}
