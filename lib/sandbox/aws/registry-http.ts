import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";

/**
 * A registry error as the OCI distribution spec puts it on the wire: a 4xx/5xx status and
 * `{"errors":[{"code","message","detail"?}]}` (spec.md, "Error Codes"). `headers` carries what some answers need
 * besides the body (416 answers repeat the upload's Location and Range).
 */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Every ECR registry answer says it speaks registry/2.0 (distribution spec, "API Version Check"). */
export const API_VERSION = { "docker-distribution-api-version": "registry/2.0" } as const;

export function sendRegistryError(res: ServerResponse, err: RegistryError): void {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.detail !== undefined) error.detail = err.detail;
  const body = JSON.stringify({ errors: [error] });
  res.writeHead(err.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...API_VERSION, ...err.headers });
  res.end(body);
}

/**
 * No or non-Basic credentials: ECR's 401 with its Basic challenge (realm = the registry's own URL) and a plain-text
 * `Not Authorized` body, as clients print it ("unexpected status code 401 Unauthorized: Not Authorized").
 */
export function sendNotAuthorized(res: ServerResponse, ctx: SandboxContext): void {
  const body = "Not Authorized\n";
  res.writeHead(401, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "www-authenticate": `Basic realm="${ctx.baseUrl()}/",service="ecr.amazonaws.com"`,
    ...API_VERSION,
  });
  res.end(body);
}

/** What ECR answers for a path or method its registry does not serve. */
export function sendPageNotFound(res: ServerResponse): void {
  const body = "404 page not found\n";
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), ...API_VERSION });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number>): void {
  res.writeHead(status, { "content-length": 0, ...API_VERSION, ...headers });
  res.end();
}

/**
 * Read and drop whatever request body is left, so an early refusal reaches a client that is still sending (Go's HTTP
 * client reports a broken pipe instead of the answer when the server closes on an unread body).
 */
export async function discardBody(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  await new Promise<void>((resolve) => {
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.resume();
  });
}
